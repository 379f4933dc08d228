/**
 * The timeouts both contexts take, checked and defaulted in one place (README "Timeouts"): what bounds a
 * connect, a command, a slot-map request, and the blocking context's calls — the default of the last
 * derived from the others.
 */
import { INT32_MAX } from './blocking/channel-layout.js';
import { integer } from './option-checks.js';

/** The timeouts as given. */
export interface TimeoutOptions {
  connectTimeout?: number;
  commandTimeout?: number;
  updateTimeout?: number;
}

/** The timeouts after defaults, in ms (0: none). */
export interface Timeouts {
  connectTimeout: number;
  commandTimeout: number;
  updateTimeout: number;
}

/** A slot-map request's default bound: CLUSTER SLOTS takes a node milliseconds, even a busy one. */
const DEFAULT_UPDATE_TIMEOUT = 5000;
/**
 * A blocking call's bound without a command timeout: far past Redis Cluster's default cluster-node-timeout
 * (15 s), after which the other nodes fail a silent node over.
 */
const DEFAULT_CALL_TIMEOUT = 60_000;
/** The channel carries a call's deadline in an Int32 word; 24.8 days is as good as for ever. */
const MAX_CALL_TIMEOUT = INT32_MAX;

/** The connect, command and update timeouts, checked; the defaults filled in. */
export function resolveTimeouts(options: TimeoutOptions): Timeouts {
  return {
    connectTimeout: integer('connectTimeout', options.connectTimeout, 10_000, 0),
    commandTimeout: integer('commandTimeout', options.commandTimeout, 0, 0),
    // A timer of the event loop: Node fires one longer than an Int32 at once.
    updateTimeout: integer('updateTimeout', options.updateTimeout, DEFAULT_UPDATE_TIMEOUT, 0, INT32_MAX),
  };
}

/**
 * The blocking context's `callTimeout`, checked. By default: with a command timeout, enough for every
 * retry's connect and command timeout plus slack for the redirects in between (`maxRetry + 2` tries);
 * without one nothing bounds a node's answer, so a generous fixed bound. A `failoverWait` adds its own wait.
 * 0 (for ever) only when asked for.
 */
export function resolveCallTimeout(
  value: unknown,
  timeouts: Timeouts,
  maxRetry: number,
  failoverWait: number,
): number {
  const { commandTimeout, connectTimeout } = timeouts;
  const fallback =
    failoverWait +
    (commandTimeout === 0 ? DEFAULT_CALL_TIMEOUT : (maxRetry + 2) * (commandTimeout + connectTimeout) + 1000);
  return Math.min(integer('callTimeout', value, fallback, 0), MAX_CALL_TIMEOUT);
}
