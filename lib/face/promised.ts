/**
 * The promise face over hiredis-style callbacks: a command's callback settles its promise (an error reply
 * rejects with the ReplyError, a failure with the ClusterError behind err/errstr), and a command refused
 * at the call rejects at once.
 */
import { ClusterError, ReplyError } from '../errors.js';

export interface Resolvers {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/** What a callback reads of its context when the reply is null. */
interface ErrorState {
  err: number;
  errstr: string;
  /** The ClusterError behind err/errstr, or null. */
  failure: ClusterError | null;
}

/** The callback behind a promise: `privdata` is its resolvers. */
export function settle(context: ErrorState, reply: unknown, p: Resolvers): void {
  if (reply === null && context.failure !== null) p.reject(context.failure);
  else if (reply instanceof ReplyError) p.reject(reply);
  else p.resolve(reply);
}

/** A promise for the command `submit` queues with the resolvers; false from it rejects with err/errstr. */
export function promised(context: ErrorState, submit: (p: Resolvers) => boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!submit({ resolve, reject }))
      reject(context.failure ?? new ClusterError(context.err, context.errstr));
  });
}

/** Resolvers that resolve with `shape(reply)`, and reject if shaping throws: the promise is always settled. */
export function shaped(p: Resolvers, shape: (reply: unknown) => unknown): Resolvers {
  return {
    resolve(reply) {
      let value: unknown;
      try {
        value = shape(reply);
      } catch (err) {
        p.reject(err);
        return;
      }
      p.resolve(value);
    },
    reject: p.reject,
  };
}

/** Rethrows a user callback's exception outside the engine, which stays consistent. */
export function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}
