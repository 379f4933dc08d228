/**
 * The options that choose where reads go and how a context rides through a topology change: `readFrom`,
 * `refreshInterval`, `failoverWait`, `retryWrites`. All off by default (hiredis-cluster has none of them).
 */
import { otherError } from './errors.js';
import { flag, integer, invalid } from './option-checks.js';

/**
 * Where read-only commands go: the slot's primary (default); a replica of its shard when one is up, else
 * the primary; replicas only; the node of the shard with the lowest measured round trip; or the nodes of
 * one availability zone first (Valkey 8.1+ reports it in HELLO), else as `'preferReplica'`.
 */
export type ReadFrom =
  | 'primary'
  | 'preferReplica'
  | 'replica'
  | 'nearest'
  | {
      /** The client's availability zone, as the nodes name theirs. */
      az: string;
    };

/** The resolved form: a mode, and the zone for `'az'`. */
export interface ReadChoice {
  mode: 'primary' | 'preferReplica' | 'replica' | 'nearest' | 'az';
  zone: string;
}

export interface ReadAndFailoverOptions {
  readFrom: ReadChoice;
  /** ms between background slot-map refreshes; 0 = none. */
  refreshInterval: number;
  /** ms a routed command may be held while its slot has no reachable owner; 0 = none. */
  failoverWait: number;
  /** Resend a write that was written and left unanswered by a link that failed (it may run twice). */
  retryWrites: boolean;
}

const MODES = new Set(['primary', 'preferReplica', 'replica', 'nearest']);
/** One day: longer waits or intervals are mistakes, not settings. */
const MAX_MS = 86_400_000;

export function resolveReadAndFailover(options: {
  readFrom?: unknown;
  refreshInterval?: unknown;
  failoverWait?: unknown;
  retryWrites?: unknown;
}): ReadAndFailoverOptions {
  return {
    readFrom: readChoice(options.readFrom),
    refreshInterval: integer('refreshInterval', options.refreshInterval, 0, 0, MAX_MS),
    failoverWait: integer('failoverWait', options.failoverWait, 0, 0, MAX_MS),
    retryWrites: flag('retryWrites', options.retryWrites),
  };
}

function readChoice(value: unknown): ReadChoice {
  if (value === undefined) return { mode: 'primary', zone: '' };
  if (typeof value === 'string' && MODES.has(value)) return { mode: value as ReadChoice['mode'], zone: '' };
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const zone = (value as { az?: unknown }).az;
    if (keys.length !== 1 || keys[0] !== 'az') {
      throw otherError(`Invalid option 'readFrom': an object takes only 'az', got keys ${keys.join(', ')}`);
    }
    if (typeof zone === 'string' && zone !== '') return { mode: 'az', zone };
    invalid('readFrom.az', 'must be a non-empty zone name', zone);
  }
  return invalid(
    'readFrom',
    "must be 'primary', 'preferReplica', 'replica', 'nearest' or { az: '<zone>' }",
    value,
  );
}
