/**
 * The two faces' cluster SCAN iterators over one ClusterScan (lib/cluster/cluster-scan.ts): the blocking
 * face steps it synchronously (each step one round trip of its worker), the async face with promises.
 * Both only carry requests and outcomes; every decision is the scan's.
 */
import type { ClusterScan, ClusterScanCursor } from '../cluster/cluster-scan.js';
import type { FanOutRequest } from '../cluster/fan-out-plan.js';
import type { SlotMap } from '../cluster/slotmap.js';

/** What the blocking face lends a scan. */
export interface ScanLink {
  map(): SlotMap;
  /** Each request's outcome, in order (a reply, or a ReplyError / ClusterError value). */
  exchange(requests: readonly FanOutRequest[]): unknown[];
  /** A new slot map; a failure is ignored (the scan retries, bounded). */
  refresh(): void;
  sleep(ms: number): void;
}

/** What the async face lends a scan: ScanLink's calls, as promises. */
export interface AsyncScanLink {
  map(): SlotMap;
  exchange(requests: readonly FanOutRequest[]): Promise<unknown[]>;
  refresh(): Promise<void>;
  sleep(ms: number): Promise<void>;
}

/** `for (const key of cc.scan())`: keys as they come; `cursor` saves the scan between two keys. */
export class ClusterScanIterator implements IterableIterator<unknown> {
  constructor(
    private readonly scan: ClusterScan,
    private readonly link: ScanLink,
  ) {}

  /** The scan's state after the last key handed out: `scan({ cursor })` resumes from it. */
  get cursor(): ClusterScanCursor {
    return this.scan.cursor;
  }

  /** The next key; a step of the scan (one round trip of the worker) when none is read yet. */
  next(): IteratorResult<unknown> {
    while (!this.scan.hasKey) {
      const step = this.scan.next(this.link.map());
      if (step === null) return { value: undefined, done: true };
      if (step.refresh) this.link.refresh();
      if (step.delayMs > 0) this.link.sleep(step.delayMs);
      this.scan.feed(this.link.exchange(step.requests));
    }
    return { value: this.scan.nextKey(), done: false };
  }

  /** Itself: `for (const key of cc.scan())`. */
  [Symbol.iterator](): IterableIterator<unknown> {
    return this;
  }
}

/** `for await (const key of acc.scan())`: keys as they come; `cursor` saves the scan between two keys. */
export class AsyncClusterScanIterator implements AsyncIterableIterator<unknown> {
  constructor(
    private readonly scan: ClusterScan,
    private readonly link: AsyncScanLink,
  ) {}

  /** The scan's state after the last key handed out: `scan({ cursor })` resumes from it. */
  get cursor(): ClusterScanCursor {
    return this.scan.cursor;
  }

  /** The next key; a step of the scan (its requests at once) when none is read yet. */
  async next(): Promise<IteratorResult<unknown>> {
    while (!this.scan.hasKey) {
      const step = this.scan.next(this.link.map());
      if (step === null) return { value: undefined, done: true };
      if (step.refresh) await this.link.refresh();
      if (step.delayMs > 0) await this.link.sleep(step.delayMs);
      this.scan.feed(await this.link.exchange(step.requests));
    }
    return { value: this.scan.nextKey(), done: false };
  }

  /** Itself: `for await (const key of acc.scan())`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    return this;
  }
}
