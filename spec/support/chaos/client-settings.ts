/**
 * The client settings of every chaos run, both faces, and the deadlines they imply: what the checks
 * compare each command's time with.
 */

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
