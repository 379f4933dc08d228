/**
 * libuv-style timer handles on one hashed timing wheel, wrapping any {@link EventLoopAdapter}.
 *
 * A command's timeout is started when the command is queued and stopped when its reply comes, almost
 * always long before it would fire. On Node's own timers that is a `setTimeout` and a `clearTimeout`
 * per command. Here a timer is a node of an intrusive list in one of `slots` buckets (its due tick
 * modulo the wheel size): start and stop are O(1) and touch no timer of the loop underneath. The
 * wheel keeps at most one inner timer armed, for the earliest tick at which something may be due, and
 * re-arms it only when a timer is started earlier than that (rare: timeouts of one length are started
 * in due order).
 *
 * The wheel is itself an adapter: sockets, `defer` and the clock are the inner adapter's; `setTimer` and
 * `createTimer` the wheel's, so the engine gives every pending command its own deadline timer over it.
 *
 * @module
 */
import type {
  ConnectAddress,
  EventLoopAdapter,
  Timer,
  TimerHandle,
  Transport,
  TransportEvents,
} from './adapter.js';

/** Options of {@link TimerWheel}. */
export interface TimerWheelOptions {
  /** Resolution in ms: a timer fires in the first tick that starts at or after its due time. Default 1. */
  tickMs?: number;
  /**
   * Buckets on the wheel, a power of two. Default 4096: one revolution is 4.096 s at 1 ms ticks.
   * Timers longer than a revolution work too; each is looked at once more per revolution.
   */
  slots?: number;
}

// A timer's state: idle, in a bucket waiting for its tick, or taken out by the current expiry pass to fire.
const IDLE = 0;
const QUEUED = 1;
const COLLECTED = 2;

function checkMs(what: string, ms: unknown): number {
  if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return ms;
  throw new RangeError(`${what} must be a finite number >= 0, got ${String(ms)}`);
}

/** A timer of a {@link TimerWheel}: a libuv-style handle (see {@link Timer}). */
export class WheelTimer implements Timer {
  /** @internal Neighbours in the bucket's list. */
  prev: WheelTimer | null = null;
  /** @internal */
  next: WheelTimer | null = null;
  /** @internal The tick it is due in. */
  dueTick = 0;
  /** @internal Start order, to break ties between timers due in one tick. */
  seq = 0;
  /** @internal IDLE, QUEUED or COLLECTED. */
  state = IDLE;
  private repeatMs = 0;
  private started = false;
  private refed = true;

  constructor(
    private readonly wheel: TimerWheel,
    /** @internal The callback. */
    readonly fn: () => void,
  ) {}

  start(timeoutMs: number, repeatMs = 0): void {
    checkMs('Timer.start: timeoutMs', timeoutMs);
    this.repeatMs = checkMs('Timer.start: repeatMs', repeatMs);
    this.started = true;
    this.wheel.schedule(this, timeoutMs);
  }

  stop(): void {
    if (this.state !== IDLE) this.wheel.unschedule(this);
  }

  again(): void {
    if (!this.started) throw new Error('Timer.again: the timer was never started');
    if (this.repeatMs > 0) this.wheel.schedule(this, this.repeatMs);
  }

  setRepeat(repeatMs: number): void {
    this.repeatMs = checkMs('Timer.setRepeat: repeatMs', repeatMs);
  }

  get repeat(): number {
    return this.repeatMs;
  }

  get active(): boolean {
    return this.state !== IDLE;
  }

  get dueIn(): number {
    return this.state === IDLE ? 0 : this.wheel.msUntil(this.dueTick);
  }

  unref(): void {
    if (!this.refed) return;
    this.refed = false;
    if (this.state !== IDLE) this.wheel.refChanged(-1);
  }

  ref(): void {
    if (this.refed) return;
    this.refed = true;
    if (this.state !== IDLE) this.wheel.refChanged(1);
  }

  get hasRef(): boolean {
    return this.refed;
  }
}

function bySchedule(a: WheelTimer, b: WheelTimer): number {
  return a.dueTick - b.dueTick || a.seq - b.seq;
}

/**
 * An adapter whose timers live on one hashed timing wheel over another adapter's single timer.
 * Timers started in one callback of the loop count from one reading of its clock, taken at the first
 * start (libuv and Node's own timers count from the loop's cached time the same way).
 *
 * ```ts
 * const wheel = new TimerWheel(new NodeAdapter());
 * const acc = new AsyncClusterContext({ nodes, commandTimeout: 500, adapter: wheel });
 * // or, for either context: { timerWheel: true } or { timerWheel: { tickMs: 5 } }
 * ```
 *
 * Timers never fire before their due time on the inner clock; they fire up to one tick late (plus the
 * inner timer's own lateness), in due order, timers due in one tick in the order they were started.
 * A callback that throws does not stop the others of its tick; the first exception is rethrown once
 * they have run.
 */
export class TimerWheel implements EventLoopAdapter {
  /** The wheel's resolution in ms. */
  readonly tickMs: number;
  /** Buckets on the wheel. */
  readonly slots: number;
  private readonly mask: number;
  private readonly heads: (WheelTimer | null)[];
  private readonly tails: (WheelTimer | null)[];
  /** The inner clock at tick 0. */
  private readonly origin: number;
  /** Every tick up to this one has been expired. */
  private currentTick = 0;
  /** The tick the inner timer is armed for (a lower bound of every queued timer's), or -1. */
  private armedTick = -1;
  private innerTimer: TimerHandle | null = null;
  private innerRefed = false;
  private activeCount = 0;
  /** Active timers that keep the loop alive. */
  private refCount = 0;
  private refCheckDeferred = false;
  private seq = 0;
  /** The inner clock read once per callback of the loop (libuv's cached loop time); NaN: not read yet. */
  private loopTime = Number.NaN;
  private readonly firing: WheelTimer[] = [];
  private readonly onInnerTimer = () => this.expire();
  private readonly checkRef = () => this.unrefWhenIdle();
  private readonly forgetLoopTime = () => {
    this.loopTime = Number.NaN;
  };

  constructor(
    private readonly inner: EventLoopAdapter,
    options: TimerWheelOptions = {},
  ) {
    const tickMs = options.tickMs ?? 1;
    const slots = options.slots ?? 4096;
    if (typeof tickMs !== 'number' || !Number.isFinite(tickMs) || tickMs <= 0) {
      throw new RangeError(`TimerWheel: tickMs must be a finite number > 0, got ${String(tickMs)}`);
    }
    if (!Number.isInteger(slots) || slots < 1 || slots > 2 ** 24 || (slots & (slots - 1)) !== 0) {
      throw new RangeError(`TimerWheel: slots must be a power of two from 1 to 2^24, got ${String(slots)}`);
    }
    this.tickMs = tickMs;
    this.slots = slots;
    this.mask = slots - 1;
    this.heads = new Array(slots).fill(null);
    this.tails = new Array(slots).fill(null);
    this.origin = inner.now();
  }

  /** Timers started and not yet fired or stopped. */
  get activeTimers(): number {
    return this.activeCount;
  }

  /** A new, inactive timer that calls `fn` (libuv's `uv_timer_init`). */
  createTimer(fn: () => void): WheelTimer {
    return new WheelTimer(this, fn);
  }

  connect(addr: ConnectAddress, events: TransportEvents): Transport {
    return this.inner.connect(addr, events);
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer = new WheelTimer(this, fn);
    timer.start(ms);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    if (handle instanceof WheelTimer) handle.stop();
  }

  refTimer(handle: TimerHandle, ref: boolean): void {
    if (!(handle instanceof WheelTimer)) return;
    if (ref) handle.ref();
    else handle.unref();
  }

  defer(fn: () => void): void {
    this.inner.defer(fn);
  }

  now(): number {
    return this.inner.now();
  }

  /** @internal Puts `timer` in the bucket of its due tick (taking it out of wherever it was). */
  schedule(timer: WheelTimer, timeoutMs: number): void {
    if (timer.state !== IDLE) this.unschedule(timer);
    const now = Number.isNaN(this.loopTime) ? this.readLoopTime(this.inner.now()) : this.loopTime;
    // With nothing queued the wheel may skip idle ticks at no cost: expiry then never walks them.
    if (this.activeCount === 0) this.currentTick = Math.max(this.currentTick, this.tickAt(now));
    const due = Math.max(Math.ceil((now + timeoutMs - this.origin) / this.tickMs), this.currentTick + 1);
    timer.dueTick = due;
    timer.seq = ++this.seq;
    const slot = due & this.mask;
    const tail = this.tails[slot];
    timer.prev = tail;
    timer.next = null;
    if (tail === null) this.heads[slot] = timer;
    else tail.next = timer;
    this.tails[slot] = timer;
    timer.state = QUEUED;
    this.activeCount++;
    if (timer.hasRef) this.refChanged(1);
    if (this.armedTick < 0 || due < this.armedTick) this.arm(due, now);
  }

  /** @internal Takes an active timer off the wheel. */
  unschedule(timer: WheelTimer): void {
    if (timer.state === QUEUED) this.unlink(timer);
    timer.state = IDLE;
    this.activeCount--;
    if (timer.hasRef) this.refChanged(-1);
    // The inner timer stays armed: when it fires with nothing due it simply is not re-armed.
  }

  /** @internal Milliseconds from now to the start of `tick` (0 when past). */
  msUntil(tick: number): number {
    return Math.max(0, this.origin + tick * this.tickMs - this.inner.now());
  }

  /** @internal One more or one fewer active timer keeps the loop alive. */
  refChanged(delta: number): void {
    this.refCount += delta;
    if (this.inner.refTimer === undefined || this.innerTimer === null) return;
    if (delta > 0 && !this.innerRefed) {
      this.inner.refTimer(this.innerTimer, true);
      this.innerRefed = true;
    } else if (this.refCount === 0 && this.innerRefed && !this.refCheckDeferred) {
      // Unref'd once the current callback is done: a stop followed by a start costs nothing.
      this.refCheckDeferred = true;
      this.inner.defer(this.checkRef);
    }
  }

  private unrefWhenIdle(): void {
    this.refCheckDeferred = false;
    if (this.refCount > 0 || this.innerTimer === null || !this.innerRefed) return;
    this.inner.refTimer?.(this.innerTimer, false);
    this.innerRefed = false;
  }

  /**
   * Keeps `now` as the loop time until the current callback is done: timers started in one callback
   * count from one reading of the clock, as libuv's and Node's own timers count from the loop's
   * cached time — and a timer's start costs no clock read (a `performance.now()` costs more than the
   * rest of a start and stop together).
   */
  private readLoopTime(now: number): number {
    this.loopTime = now;
    this.inner.defer(this.forgetLoopTime);
    return now;
  }

  private tickAt(time: number): number {
    return Math.floor((time - this.origin) / this.tickMs);
  }

  private arm(tick: number, now: number): void {
    if (this.innerTimer !== null) this.inner.clearTimer(this.innerTimer);
    this.armedTick = tick;
    this.innerTimer = this.inner.setTimer(
      Math.max(0, Math.ceil(this.origin + tick * this.tickMs - now)),
      this.onInnerTimer,
    );
    this.innerRefed = true;
    if (this.refCount === 0 && this.inner.refTimer !== undefined) {
      this.inner.refTimer(this.innerTimer, false);
      this.innerRefed = false;
    }
  }

  /** The inner timer fired: runs every timer due by now, then arms for the next. */
  private expire(): void {
    this.innerTimer = null;
    this.armedTick = -1;
    const now = this.readLoopTime(this.inner.now());
    const target = this.tickAt(now);
    if (target > this.currentTick) this.collect(target);
    const firing = this.firing;
    let failure: { error: unknown } | null = null;
    for (let i = 0; i < firing.length; i++) {
      const timer = firing[i]!;
      // A callback earlier in this pass may have stopped or restarted it.
      if (timer.state !== COLLECTED) continue;
      this.unschedule(timer);
      if (timer.repeat > 0) this.schedule(timer, timer.repeat);
      try {
        timer.fn();
      } catch (error) {
        failure ??= { error };
      }
    }
    firing.length = 0;
    if (this.activeCount > 0) {
      const next = this.nextDueTick();
      if (this.armedTick < 0 || next < this.armedTick) this.arm(next, now);
    }
    if (failure !== null) throw failure.error;
  }

  /** Takes every timer due by `target` out of the wheel, in firing order, into `firing`. */
  private collect(target: number): void {
    const firing = this.firing;
    if (target - this.currentTick <= this.slots) {
      for (let tick = this.currentTick + 1; tick <= target; tick++) {
        for (let timer = this.heads[tick & this.mask]; timer !== null; timer = timer.next) {
          if (timer.dueTick !== tick) continue;
          timer.state = COLLECTED;
          firing.push(timer);
        }
      }
    } else {
      // The loop was away for more than a revolution: one pass over every bucket, then sort.
      for (let slot = 0; slot < this.slots; slot++) {
        for (let timer = this.heads[slot]; timer !== null; timer = timer.next) {
          if (timer.dueTick > target) continue;
          timer.state = COLLECTED;
          firing.push(timer);
        }
      }
      firing.sort(bySchedule);
    }
    for (const timer of firing) this.unlink(timer);
    this.currentTick = target;
  }

  /** Takes a timer out of its bucket's list. */
  private unlink(timer: WheelTimer): void {
    const slot = timer.dueTick & this.mask;
    if (timer.prev === null) this.heads[slot] = timer.next;
    else timer.prev.next = timer.next;
    if (timer.next === null) this.tails[slot] = timer.prev;
    else timer.next.prev = timer.prev;
    timer.prev = timer.next = null;
  }

  /** The earliest due tick of the queued timers (there is at least one). */
  private nextDueTick(): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (let tick = this.currentTick + 1, n = 0; n < this.slots; tick++, n++) {
      for (let timer = this.heads[tick & this.mask]; timer !== null; timer = timer.next) {
        // Buckets are walked in tick order: a timer due in this very tick is the earliest of all.
        if (timer.dueTick === tick) return tick;
        if (timer.dueTick < earliest) earliest = timer.dueTick;
      }
    }
    return earliest;
  }
}

/** `adapter` with its timers on a new {@link TimerWheel} when `options` is given and it has no reusable timers yet. */
export function withTimerWheel(
  adapter: EventLoopAdapter,
  options: TimerWheelOptions | undefined,
): EventLoopAdapter {
  return options === undefined || adapter.createTimer !== undefined
    ? adapter
    : new TimerWheel(adapter, options);
}
