/**
 * Error types and hiredis error codes.
 *
 * A context failure (I/O, protocol, timeout, retries exhausted) is a {@link ClusterError} carrying
 * hiredis' `err` number; a Redis error reply (`-ERR ...`, `!len`) is a {@link ReplyError} value.
 */

/** hiredis `REDIS_ERR_IO`: a socket error (connect refused, reset, ...). */
export const REDIS_ERR_IO = 1;
/** hiredis `REDIS_ERR_OTHER`: everything that is not one of the others (bad input, routing). */
export const REDIS_ERR_OTHER = 2;
/** hiredis `REDIS_ERR_EOF`: the server closed the connection. */
export const REDIS_ERR_EOF = 3;
/** hiredis `REDIS_ERR_PROTOCOL`: a malformed or oversize reply. */
export const REDIS_ERR_PROTOCOL = 4;
/** hiredis `REDIS_ERR_OOM`: out of memory. */
export const REDIS_ERR_OOM = 5;
/** hiredis `REDIS_ERR_TIMEOUT`: a connect or command timeout. */
export const REDIS_ERR_TIMEOUT = 6;
/** hiredis-cluster `REDIS_ERR_CLUSTER_TOO_MANY_RETRIES`: the redirect/retry budget is spent. */
export const REDIS_ERR_CLUSTER_TOO_MANY_RETRIES = 100;

/** A context-level failure. `code` is hiredis' `err`, `message` its `errstr`. */
export class ClusterError extends Error {
  /** Always `'ClusterError'`. */
  override readonly name = 'ClusterError';
  /** hiredis' `err`: REDIS_ERR_IO, REDIS_ERR_OTHER, ..., REDIS_ERR_CLUSTER_TOO_MANY_RETRIES. */
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** An error reply from a server, returned as a value (hiredis `REDIS_REPLY_ERROR`). */
export class ReplyError extends Error {
  /** Always `'ReplyError'`. */
  override readonly name = 'ReplyError';

  /** The first word of the error, e.g. `MOVED`, `ERR`, `WRONGTYPE`. */
  get prefix(): string {
    const space = this.message.indexOf(' ');
    return space < 0 ? this.message : this.message.slice(0, space);
  }
}

/** A malformed or oversize reply: `REDIS_ERR_PROTOCOL` with the place and the reason. */
export function protocolError(message: string): ClusterError {
  return new ClusterError(REDIS_ERR_PROTOCOL, `Protocol error: ${message}`);
}

/** Bad input from the caller (format string, arguments, routing): `REDIS_ERR_OTHER`. */
export function otherError(message: string): ClusterError {
  return new ClusterError(REDIS_ERR_OTHER, message);
}

/** A routed command before any slot map: hiredis' 'slotmap not available'. */
export function slotmapNotAvailable(): ClusterError {
  return otherError('slotmap not available');
}

/** A routed command whose slot no node serves: hiredis' 'slot not served by any node'. */
export function slotNotServed(): ClusterError {
  return otherError('slot not served by any node');
}

/** A command that can no longer be sent because the context is closing. */
export function clusterClosing(): ClusterError {
  return otherError('client closing');
}

/** The redirect and retry budget is spent: err 100. */
export function tooManyRetries(): ClusterError {
  return new ClusterError(REDIS_ERR_CLUSTER_TOO_MANY_RETRIES, 'too many cluster retries');
}
