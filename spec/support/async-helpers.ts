/** Small helpers for specs of the async context: counted callbacks and waiting for them. */
import type { AsyncClusterContext } from '../../lib/async-context.js';
import type { ClusterError } from '../../lib/errors.js';

/** One recorded outcome of a command: its reply and acc.err/errstr as seen during the callback. */
export interface Outcome {
  reply: unknown;
  err: number;
  errstr: string;
  privdata: unknown;
}

/** Records every callback call; `wait(n)` resolves once n outcomes are in (bounded in time). */
export class Outcomes {
  readonly list: Outcome[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  readonly callback = (acc: AsyncClusterContext, reply: unknown, privdata: unknown): void => {
    this.list.push({ reply, err: acc.err, errstr: acc.errstr, privdata });
    this.waiters = this.waiters.filter((w) => {
      if (this.list.length < w.count) return true;
      w.resolve();
      return false;
    });
  };

  wait(count: number, timeoutMs = 10_000): Promise<Outcome[]> {
    if (this.list.length >= count) return Promise.resolve(this.list);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`waited ${timeoutMs} ms for ${count} callbacks, got ${this.list.length}`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.list);
        },
      });
    });
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The rejection of a promise; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: number }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: number };
  }
  throw new Error('expected a rejection');
}

/** Polls (real time, every 5 ms) until `done()`; rejects naming `what` after `ms`. */
export async function until(done: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Lets promise callbacks run (one turn of the event loop), e.g. between steps of a virtual clock. */
export function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * How a promise settled so far, without awaiting it: `state` is 'pending', 'resolved' or 'rejected <code>
 * <message>'; `error` the rejection.
 */
export function watch(promise: Promise<unknown>): { state: string; error: ClusterError | null } {
  const seen: { state: string; error: ClusterError | null } = { state: 'pending', error: null };
  promise.then(
    () => {
      seen.state = 'resolved';
    },
    (err: ClusterError) => {
      seen.state = `rejected ${err.code} ${err.message}`;
      seen.error = err;
    },
  );
  return seen;
}
