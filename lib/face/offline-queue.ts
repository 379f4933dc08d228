/**
 * The async face's offline queue: JavaScript-native calls made before the first slot map wait for it, in
 * order, instead of failing with 'slotmap not available'. Bounded in count (past `max` a call fails at once)
 * and in time (a call still waiting after `timeoutMs` fails); the face releases them when a slot map is
 * installed and fails them when connect() fails, or at disconnect()/free().
 */
import type { EventLoopAdapter, TimerHandle } from '../../adapters/adapter.js';
import { type ClusterError, otherError } from '../errors.js';
import { integer, invalid } from '../option-checks.js';

/** The `offlineQueue` option: how many calls may wait for the first slot map, and for how long. */
export interface OfflineQueueOptions {
  /** Calls waiting at most; past it a call fails at once. 0 turns the queue off. Default 1000. */
  max?: number;
  /** ms a call waits at most. Default 10 000. */
  timeoutMs?: number;
}

/** The `offlineQueue` option checked, with its defaults. */
export function resolveOfflineQueue(value: unknown): Required<OfflineQueueOptions> {
  if (value === undefined) return { max: 1000, timeoutMs: 10_000 };
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    invalid('offlineQueue', 'must be { max, timeoutMs }', value);
  for (const key of Object.keys(value)) {
    if (key !== 'max' && key !== 'timeoutMs') throw otherError(`Unknown option 'offlineQueue.${key}'`);
  }
  const { max, timeoutMs } = value as OfflineQueueOptions;
  return {
    max: integer('offlineQueue.max', max, 1000, 0, 1_000_000),
    timeoutMs: integer('offlineQueue.timeoutMs', timeoutMs, 10_000, 1, 3_600_000),
  };
}

interface Waiting {
  start(): void;
  fail(err: ClusterError): void;
  timer: TimerHandle;
}

export class OfflineQueue {
  private waiting: Waiting[] = [];

  constructor(
    private readonly adapter: EventLoopAdapter,
    private readonly limits: Required<OfflineQueueOptions>,
  ) {}

  /** Whether a call made now waits: no slot map yet, or earlier calls still wait (their order is kept). */
  holds(hasMap: boolean): boolean {
    return this.limits.max > 0 && (!hasMap || this.waiting.length > 0);
  }

  /** Queues a call: `start` once released, else `fail` (at once when the queue is full). */
  add(start: () => void, fail: (err: ClusterError) => void): void {
    const { max, timeoutMs } = this.limits;
    if (this.waiting.length >= max) {
      fail(otherError(`slotmap not available (offline queue full: offlineQueue.max ${max})`));
      return;
    }
    const entry: Waiting = {
      start,
      fail,
      timer: this.adapter.setTimer(timeoutMs, () => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        fail(otherError(`slotmap not available within offlineQueue.timeoutMs (${timeoutMs} ms)`));
      }),
    };
    this.waiting.push(entry);
  }

  /** Starts every waiting call in the order they came. */
  release(): void {
    for (const entry of this.take()) entry.start();
  }

  /** Fails every waiting call with `err`. */
  failAll(err: ClusterError): void {
    for (const entry of this.take()) entry.fail(err);
  }

  private take(): Waiting[] {
    const waiting = this.waiting;
    this.waiting = [];
    for (const entry of waiting) this.adapter.clearTimer(entry.timer);
    return waiting;
  }
}
