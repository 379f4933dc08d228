/**
 * Stable string codes for context failures, one per kind of failure a program branches on (as Node's
 * `ERR_*` and undici's `UND_ERR_*` codes). `ClusterError.code` stays hiredis' `err` number, so the string is
 * `ClusterError.errorCode`.
 *
 * The kind is read from hiredis' number and words, the only things every failure carries: an error made
 * by the blocking face's worker crosses to the caller's thread as exactly those (and its node), so a code
 * set where an error is made would be lost there. The words matched are the library's own, pinned by
 * spec/unit/error-codes.spec.ts and the specs that meet each failure on both faces.
 */

/** The stable string codes of {@link ClusterError.errorCode}. */
export const ERROR_CODES = {
  /** A connect, command, slot-map update or blocking-call deadline passed (hiredis err 6, and the sync connect's `Connection timed out`). */
  TIMEOUT: 'ERR_HIRCLUSTER_TIMEOUT',
  /** A link failed: refused, reset, closed by the server (hiredis err 1 `IO` and 3 `EOF`). */
  CONNECTION: 'ERR_HIRCLUSTER_CONNECTION',
  /** A malformed or oversize reply, or a malformed redirect (hiredis err 4). */
  PROTOCOL: 'ERR_HIRCLUSTER_PROTOCOL',
  /** The redirect and retry budget (`maxRetry`) was spent on `MOVED`/`ASK`/`TRYAGAIN`/`CLUSTERDOWN` or failures (err 100). */
  TOO_MANY_RETRIES: 'ERR_HIRCLUSTER_TOO_MANY_RETRIES',
  /** The context (or a WATCH session, or the transaction) is closing or closed: nothing more is sent. */
  CLOSED: 'ERR_HIRCLUSTER_CLOSED',
  /** A routed command before the first slot map: `slotmap not available`. */
  NO_SLOTMAP: 'ERR_HIRCLUSTER_NO_SLOTMAP',
  /** The command's slot has no node in the slot map: `slot not served by any node`. */
  SLOT_NOT_SERVED: 'ERR_HIRCLUSTER_SLOT_NOT_SERVED',
  /** The command was pending on a node that left the slot map: `node left the cluster`. */
  NODE_LEFT: 'ERR_HIRCLUSTER_NODE_LEFT',
  /** A node refused a step of a new link's handshake: `AUTH` (wrong password), `HELLO 3`, `SELECT`. */
  HANDSHAKE: 'ERR_HIRCLUSTER_HANDSHAKE',
  /** Refused at the call, nothing sent: a bad format, argument, option or command (no key, link-state, cross-slot). */
  INVALID_ARGUMENT: 'ERR_HIRCLUSTER_INVALID_ARGUMENT',
  /** A bound was reached: `maxPending` commands in flight, every dedicated link of a node in use. */
  LIMIT: 'ERR_HIRCLUSTER_LIMIT',
  /** Anything else (hiredis err 2, e.g. a node's error reply to a slot-map request). */
  OTHER: 'ERR_HIRCLUSTER_OTHER',
} as const;

/** One of {@link ERROR_CODES}' values. */
export type ClusterErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

// hiredis' err numbers (errors.ts imports this file, so they are spelled here).
const IO = 1;
const EOF = 3;
const PROTOCOL = 4;
const TIMEOUT = 6;
const TOO_MANY_RETRIES = 100;

const CLOSED =
  /^(client closing|disconnecting|context (closed|freed)|Channel is closed|links dropped)$|^the WATCH session|^the transaction was already sent$/;
const HANDSHAKE =
  /^(HELLO 3|SELECT) failed: |^(WRONGPASS|NOAUTH|NOPERM) |^ERR (AUTH|invalid password|Client sent AUTH)/;
const INVALID =
  /^(Invalid |Unknown option |No keys in command|CROSSSLOT )| is not allowed on a shared cluster link: /;
const LIMIT = /^too many pending commands |^all dedicated links to /;

/** The string code of a failure with hiredis' `err` number `code` and words `message`. */
export function errorCodeOf(code: number, message: string, address: string | undefined): ClusterErrorCode {
  switch (code) {
    case TIMEOUT:
      return ERROR_CODES.TIMEOUT;
    case IO:
      return message === 'Connection timed out' ? ERROR_CODES.TIMEOUT : ERROR_CODES.CONNECTION;
    case EOF:
      return ERROR_CODES.CONNECTION;
    case PROTOCOL:
      return ERROR_CODES.PROTOCOL;
    case TOO_MANY_RETRIES:
      return ERROR_CODES.TOO_MANY_RETRIES;
  }
  // err 2 (REDIS_ERR_OTHER), and 0 for a command whose node left (hiredis' async API).
  // A write's failure may carry a note that it may have been applied (errors.ts, mayHaveBeenApplied).
  if (message.startsWith('node left the cluster')) return ERROR_CODES.NODE_LEFT;
  if (message.startsWith('slotmap not available')) return ERROR_CODES.NO_SLOTMAP;
  if (message === 'slot not served by any node') return ERROR_CODES.SLOT_NOT_SERVED;
  if (CLOSED.test(message)) return ERROR_CODES.CLOSED;
  // A handshake refusal always names its node; a refused call never does.
  if (address !== undefined) return HANDSHAKE.test(message) ? ERROR_CODES.HANDSHAKE : ERROR_CODES.OTHER;
  if (INVALID.test(message)) return ERROR_CODES.INVALID_ARGUMENT;
  if (LIMIT.test(message)) return ERROR_CODES.LIMIT;
  return ERROR_CODES.OTHER;
}
