/**
 * The client settings of every chaos run, both faces, and the deadlines they imply: what the checks
 * compare each command's time with.
 */
import type { ClusterOptions } from '../../../lib/options.js';

/** Timeouts and retries (lib/options.ts) of the async context and of the sync child's context. */
export const CHAOS_CLIENT = {
  connectTimeout: 1000,
  commandTimeout: 500,
  maxRetry: 5,
  retryBackoff: { baseMs: 20, maxMs: 200 },
} as const;
/** The blocking context's deadline per call. */
export const CALL_TIMEOUT_MS = 2500;
/** Scheduling slack on a loaded machine, added to every deadline a check compares with. */
export const DEADLINE_MARGIN_MS = 500;
/**
 * The longest an async command may wait for its outcome: each try ends by its command timeout (a link
 * still connecting included), plus the longest backoff between tries.
 */
export const ASYNC_BOUND_MS =
  (CHAOS_CLIENT.maxRetry + 1) * CHAOS_CLIENT.commandTimeout +
  CHAOS_CLIENT.maxRetry * CHAOS_CLIENT.retryBackoff.maxMs +
  DEADLINE_MARGIN_MS;
/** The longest a sync call may block. */
export const SYNC_BOUND_MS = CALL_TIMEOUT_MS + DEADLINE_MARGIN_MS;
/** Wait after a failed command before a lane (or the sync loop) sends its next one. */
export const PAUSE_AFTER_FAILURE_MS = 20;

/**
 * Issue #17's options a run may add to both faces' settings (each off when absent), and a longer command
 * timeout for runs whose subject is not timeouts: on a loaded machine a stall past the timeout fails a
 * link's commands with "Timeout", which failoverWait rightly does not hold.
 */
export interface ChaosExtras {
  readFrom?: ClusterOptions['readFrom'];
  refreshInterval?: number;
  failoverWait?: number;
  retryWrites?: boolean;
  commandTimeout?: number;
}

/** The command timeout of runs whose subject is not timeouts (see ChaosExtras). */
export const RELAXED_COMMAND_TIMEOUT_MS = 1500;

/** The deadlines of a run with `extras`. */
export interface ChaosBounds {
  callTimeoutMs: number;
  asyncBoundMs: number;
  syncBoundMs: number;
}

/** As ASYNC_BOUND_MS, SYNC_BOUND_MS and CALL_TIMEOUT_MS, for `extras`; a command may first wait out failoverWait. */
export function chaosBounds(extras: ChaosExtras = {}): ChaosBounds {
  const wait = extras.failoverWait ?? 0;
  const timeout = extras.commandTimeout ?? CHAOS_CLIENT.commandTimeout;
  // The call timeout scales with the command timeout.
  const callTimeoutMs = Math.round((CALL_TIMEOUT_MS * timeout) / CHAOS_CLIENT.commandTimeout) + wait;
  return {
    callTimeoutMs,
    asyncBoundMs:
      ASYNC_BOUND_MS + (CHAOS_CLIENT.maxRetry + 1) * (timeout - CHAOS_CLIENT.commandTimeout) + wait,
    syncBoundMs: callTimeoutMs + DEADLINE_MARGIN_MS,
  };
}
