/**
 * A custom event loop that runs only when its owner says so: socket events, timers and deferred
 * callbacks are queued, and nothing the context does runs until the owner calls {@link ManualLoop.run}
 * (run what is ready) or {@link ManualLoop.advance} (move the loop's own clock and run what falls due).
 *
 * The sockets are real: connections are opened through another adapter (Node's by default), whose
 * events the loop queues instead of delivering them. The clock is the loop's own: it starts at 0 and
 * moves only in `advance()`, so timers — the connect timeout included — are measured in its time.
 * Hand the loop to a context with the `adapter` option and drive it from your program's own loop, a
 * game loop, a test, a fixed-step scheduler:
 *
 * ```ts
 * const loop = new ManualLoop();
 * const acc = new AsyncClusterContext({ nodes: '127.0.0.1:7000', adapter: loop });
 * setInterval(() => loop.advance(10), 10);   // the owner's fixed step
 * ```
 *
 * @module
 */
import { REDIS_ERR_TIMEOUT } from '../lib/errors.js';
import type {
  ConnectAddress,
  EventLoopAdapter,
  TimerHandle,
  Transport,
  TransportError,
  TransportEvents,
} from './adapter.js';
import { NodeAdapter } from './node.js';

const TIMEOUT: TransportError = { code: REDIS_ERR_TIMEOUT, message: 'Timeout' };

/** Callbacks one `advance()` may run without the clock moving before it calls it a spin. */
const SPIN_LIMIT = 1_000_000;

/** Options of {@link ManualLoop}. */
export interface ManualLoopOptions {
  /**
   * Where connections are really opened; only its `connect` is used, and its events are queued.
   * Default: a {@link NodeAdapter} (real `net`/`tls` sockets). A simulated network fits here too.
   */
  io?: Pick<EventLoopAdapter, 'connect'>;
  /** The clock's reading at the start, in ms. Default 0. */
  startMs?: number;
}

/** A timer of a {@link ManualLoop}: due at `at` on its clock. */
class ManualTimer {
  cancelled = false;
  refed = true;

  constructor(
    readonly at: number,
    readonly seq: number,
    readonly fn: () => void,
  ) {}
}

function earlier(a: ManualTimer, b: ManualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** A FIFO of callbacks (a head index instead of shift()). */
class TaskQueue {
  private items: (() => void)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(task: () => void): void {
    this.items.push(task);
  }

  shift(): (() => void) | undefined {
    if (this.head === this.items.length) return undefined;
    const task = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as () => void;
    if (this.head === this.items.length) this.items.length = this.head = 0;
    return task;
  }
}

/** One connection: the real transport's events wait in the loop's queue. */
class ManualTransport implements Transport {
  private readonly inner: Transport;
  /** No event reaches the engine any more (closed, timed out or destroyed). */
  private closed = false;
  private connected = false;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly loop: ManualLoop,
    io: Pick<EventLoopAdapter, 'connect'>,
    addr: ConnectAddress,
    private readonly events: TransportEvents,
  ) {
    loop.transportOpened();
    // The connect timeout runs on the loop's clock, not the inner adapter's.
    this.inner = io.connect(
      { ...addr, timeoutMs: 0 },
      {
        onConnect: () => loop.enqueue(() => this.handleConnect()),
        onData: (chunk) => {
          // The chunk is only valid during this call; it is delivered later.
          const copy = Uint8Array.prototype.slice.call(chunk);
          loop.enqueue(() => this.handleData(copy));
        },
        onClose: (error) => loop.enqueue(() => this.handleClose(error)),
      },
    );
    if (addr.timeoutMs > 0) this.timer = loop.setTimer(addr.timeoutMs, () => this.handleTimeout());
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.inner.write(bytes);
  }

  end(): void {
    if (!this.closed) this.inner.end();
  }

  destroy(): void {
    if (this.closed) return;
    this.finish();
    this.inner.destroy();
  }

  private handleConnect(): void {
    if (this.closed) return;
    this.connected = true;
    this.stopTimer();
    this.events.onConnect();
  }

  private handleData(chunk: Uint8Array): void {
    if (!this.closed) this.events.onData(chunk);
  }

  private handleClose(error: TransportError | undefined): void {
    if (this.closed) return;
    this.finish();
    this.events.onClose(error);
  }

  private handleTimeout(): void {
    this.timer = null;
    if (this.closed || this.connected) return;
    this.finish();
    this.inner.destroy();
    this.events.onClose(TIMEOUT);
  }

  private finish(): void {
    this.closed = true;
    this.stopTimer();
    this.loop.transportClosed();
  }

  private stopTimer(): void {
    if (this.timer === null) return;
    this.loop.clearTimer(this.timer);
    this.timer = null;
  }
}

/**
 * An event loop driven by its owner (see the module comment). It keeps the adapter contract: events
 * never fire inside the engine's own calls, deferred callbacks run after the callback that deferred
 * them and before the next event, timers fire in due order (ties in the order they were set).
 */
export class ManualLoop implements EventLoopAdapter {
  private clock: number;
  private readonly io: Pick<EventLoopAdapter, 'connect'>;
  private readonly ready = new TaskQueue();
  private readonly deferred = new TaskQueue();
  /** A binary min-heap by (at, seq); cleared timers stay in it until they reach the top. */
  private readonly heap: ManualTimer[] = [];
  private timerSeq = 0;
  private liveTimers = 0;
  private refedTimers = 0;
  private openTransports = 0;
  private running = false;

  constructor(options: ManualLoopOptions = {}) {
    const start = options.startMs ?? 0;
    if (typeof start !== 'number' || !Number.isFinite(start)) {
      throw new RangeError(`ManualLoop: startMs must be a finite number, got ${String(start)}`);
    }
    this.clock = start;
    this.io = options.io ?? new NodeAdapter();
  }

  /**
   * Whether the loop has anything left to do (libuv's `uv_loop_alive`): a queued callback, an active
   * timer that keeps the loop alive, or a connection that has not closed.
   */
  get alive(): boolean {
    return (
      this.ready.length > 0 || this.deferred.length > 0 || this.refedTimers > 0 || this.openTransports > 0
    );
  }

  /** Callbacks waiting for `run()`: socket events and deferred callbacks (timers not counted). */
  get queued(): number {
    return this.ready.length + this.deferred.length;
  }

  /** Timers set and not yet fired or cleared. */
  get timers(): number {
    return this.liveTimers;
  }

  /** Connections opened and not yet closed. */
  get connections(): number {
    return this.openTransports;
  }

  /** When the next timer is due on the loop's clock, or undefined when none is set. */
  get nextTimerAt(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /**
   * Runs every callback that is ready: queued socket events, deferred callbacks and timers due on
   * the clock, and whatever those make ready — except timers set during this call, which wait for the
   * next one (as libuv runs a timer started in a timer callback in the next iteration), so a timer
   * that re-arms itself cannot spin. Returns how many callbacks ran. A callback's exception leaves the
   * loop consistent and propagates to the caller.
   */
  run(): number {
    if (this.running) throw new Error('ManualLoop.run: called from inside a callback of this loop');
    this.running = true;
    const newest = this.timerSeq;
    let count = 0;
    try {
      for (;;) {
        const task = this.deferred.shift() ?? this.ready.shift() ?? this.dueTimer(newest);
        if (task === undefined) break;
        task();
        count++;
      }
    } finally {
      this.running = false;
    }
    return count;
  }

  /**
   * Moves the clock forward by `ms`, stopping at each timer's due time to run it (so `now()` reads
   * its due time), then runs what is ready at the new time. Returns how many callbacks ran.
   */
  advance(ms: number): number {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`ManualLoop.advance: ms must be a finite number >= 0, got ${String(ms)}`);
    }
    const target = this.clock + ms;
    let count = this.run();
    let still = 0;
    for (let at = this.nextTimerAt; at !== undefined && at <= target; at = this.nextTimerAt) {
      if (at > this.clock) {
        this.clock = at;
        still = 0;
      } else if (++still > SPIN_LIMIT) {
        throw new Error(
          `ManualLoop.advance: ${SPIN_LIMIT} runs without the clock moving (a 0 ms timer loop?)`,
        );
      }
      count += this.run();
    }
    this.clock = target;
    return count + this.run();
  }

  connect(addr: ConnectAddress, events: TransportEvents): Transport {
    return new ManualTransport(this, this.io, addr, events);
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    if (typeof ms !== 'number' || Number.isNaN(ms)) {
      throw new RangeError(`ManualLoop.setTimer: ms must be a number, got ${String(ms)}`);
    }
    const timer = new ManualTimer(this.clock + Math.max(0, ms), ++this.timerSeq, fn);
    this.push(timer);
    this.liveTimers++;
    this.refedTimers++;
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    if (!(handle instanceof ManualTimer) || handle.cancelled) return;
    this.retire(handle);
  }

  refTimer(handle: TimerHandle, ref: boolean): void {
    if (!(handle instanceof ManualTimer) || handle.cancelled || handle.refed === ref) return;
    handle.refed = ref;
    this.refedTimers += ref ? 1 : -1;
  }

  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  /** The loop's clock in ms: where `startMs` and every `advance()` put it. */
  now(): number {
    return this.clock;
  }

  /** @internal A socket event for the queue. */
  enqueue(task: () => void): void {
    this.ready.push(task);
  }

  /** @internal */
  transportOpened(): void {
    this.openTransports++;
  }

  /** @internal */
  transportClosed(): void {
    this.openTransports--;
  }

  /** The callback of the first timer due now and set before `newest`, taken off the heap. */
  private dueTimer(newest: number): (() => void) | undefined {
    this.dropCancelled();
    const top = this.heap[0];
    if (top === undefined || top.at > this.clock || top.seq > newest) return undefined;
    this.pop();
    this.retire(top);
    return top.fn;
  }

  private retire(timer: ManualTimer): void {
    timer.cancelled = true;
    this.liveTimers--;
    if (timer.refed) this.refedTimers--;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private push(timer: ManualTimer): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(timer, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = timer;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && earlier(heap[right]!, heap[left]!) ? right : left;
      if (!earlier(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
