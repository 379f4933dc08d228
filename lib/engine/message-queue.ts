/**
 * Messages waiting for a reader that takes them at its own pace (an async iterator, the blocking face's
 * getMessage): bounded, and never silent about what it dropped — when full, new messages are dropped and
 * counted, and an `overflow` record stands in the queue where they would have been.
 */
import { Fifo } from './fifo.js';
import type { PubsubMessage } from './subscriptions.js';

/** Stands where messages were dropped because the queue was full. */
export interface PubsubOverflow {
  /** Always `'overflow'`. */
  kind: 'overflow';
  /** Messages dropped there. */
  dropped: number;
}

export class MessageQueue {
  private readonly items = new Fifo<PubsubMessage | PubsubOverflow>();
  /** Messages dropped since the queue was created. */
  droppedTotal = 0;

  constructor(
    /** Most messages kept (an overflow record may stand on top). */
    readonly capacity: number,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Keeps `message`, or counts it dropped when the queue is full. */
  push(message: PubsubMessage): void {
    const items = this.items;
    if (items.length < this.capacity) {
      items.push(message);
      return;
    }
    this.droppedTotal++;
    const last = items.at(items.length - 1);
    if (last.kind === 'overflow') last.dropped++;
    else items.push({ kind: 'overflow', dropped: 1 });
  }

  /** The oldest record, or undefined. */
  shift(): PubsubMessage | PubsubOverflow | undefined {
    return this.items.length === 0 ? undefined : this.items.shift();
  }

  clear(): void {
    this.items.drain();
  }
}
