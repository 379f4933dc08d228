/**
 * Error types and hiredis error codes.
 *
 * A context failure (I/O, protocol, timeout, retries exhausted) is a {@link ClusterError} carrying
 * hiredis' `err` number and a stable string code (error-codes.ts); a Redis error reply (`-ERR ...`, `!len`) is
 * a {@link ReplyError} value.
 */
import { type ClusterErrorCode, errorCodeOf } from './error-codes.js';

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

/**
 * A context-level failure. `code` is hiredis' `err`, `message` its `errstr` (hiredis' wording); `errorCode`
 * the kind of failure as a stable string to branch on (`'ERR_HIRCLUSTER_TIMEOUT'`, ...: {@link ERROR_CODES});
 * `address` names the node when the failure comes from one or from a link to it.
 */
export class ClusterError extends Error {
  /** Always `'ClusterError'`. */
  override readonly name = 'ClusterError';
  /** hiredis' `err`: REDIS_ERR_IO, REDIS_ERR_OTHER, ..., REDIS_ERR_CLUSTER_TOO_MANY_RETRIES. */
  readonly code: number;
  /**
   * The kind of failure, stable across versions whatever the words: one of {@link ERROR_CODES}, e.g.
   * `'ERR_HIRCLUSTER_TIMEOUT'`, `'ERR_HIRCLUSTER_CONNECTION'`, `'ERR_HIRCLUSTER_TOO_MANY_RETRIES'`.
   */
  readonly errorCode: ClusterErrorCode;
  /**
   * The node the failure comes from, `'host:port'` as its link dials it (IPv6 unbracketed: `'::1:7000'`):
   * a connect refused, reset or timed out, a close, a command or update timeout, a protocol error, a
   * refused handshake step, a node that left the cluster, a failed slot-map request. Absent when no node
   * is to blame (bad input, routing, a closing context, the blocking face's own call deadline).
   */
  declare readonly address?: string;

  constructor(code: number, message: string, address?: string) {
    super(message);
    this.code = code;
    this.errorCode = errorCodeOf(code, message, address);
    // Set only when known: an error without a node shows no `address: undefined`.
    if (address !== undefined) (this as { address?: string }).address = address;
  }
}

/** `err` as a failure of the node at `address`: the same code and message, naming the node. */
export function atNode(err: ClusterError, address: string): ClusterError {
  return err.address === address ? err : new ClusterError(err.code, err.message, address);
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

/** A malformed or oversize reply: `REDIS_ERR_PROTOCOL` with the place and the reason (and its node, when known). */
export function protocolError(message: string, address?: string): ClusterError {
  return new ClusterError(REDIS_ERR_PROTOCOL, `Protocol error: ${message}`, address);
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

/**
 * A command pending on the node at `address` when it left the slot map: hiredis' async API fails it with
 * err 0; the sync API's ToNode and pipelined commands, and lease waiters, with `code` REDIS_ERR_OTHER.
 */
export function nodeLeftCluster(address: string, code = 0): ClusterError {
  return new ClusterError(code, 'node left the cluster', address);
}

/** The redirect and retry budget is spent: err 100. */
export function tooManyRetries(): ClusterError {
  return new ClusterError(REDIS_ERR_CLUSTER_TOO_MANY_RETRIES, 'too many cluster retries');
}

/** The words a failed write carries when it was on the wire and may have run (failoverWait without retryWrites). */
export const MAY_HAVE_BEEN_APPLIED = '(the command was sent and may have been applied)';

/**
 * A write whose link failed after it was sent and before its reply: `err` with the note that it may have
 * been applied (failoverWait resends only what cannot have run, unless retryWrites says otherwise).
 */
export function mayHaveBeenApplied(err: ClusterError): ClusterError {
  return new ClusterError(err.code, `${err.message} ${MAY_HAVE_BEEN_APPLIED}`, err.address);
}
