/**
 * The command timeout of one link, kept one of two ways. By default the link holds each pending
 * command's deadline and one adapter timer for the oldest (commands share one timeout and answer in
 * order, so the oldest is always due first). When the adapter offers reusable timers (`createTimer`,
 * e.g. the TimerWheel adapter) every pending command gets its own timer, started when it is queued and
 * stopped when its reply comes — O(1) each on a timer wheel. Either way the first deadline to pass
 * fails the link with "Timeout".
 */
import type { EventLoopAdapter, Timer, TimerHandle } from '../../adapters/adapter.js';
import { Fifo } from './fifo.js';

/** The deadlines of a link's pending commands, in the link's order. */
export interface CommandDeadlines {
  /** A command joined the tail of the link's queue; `ms` is its timeout (0: none). */
  added(ms: number): void;
  /** The command at the head got its reply. */
  removed(): void;
  /** Every pending command's timeout starts again from now with `ms` (0: none). */
  retime(ms: number): void;
  /** The link closed: nothing fires any more. */
  clear(): void;
}

/** The deadlines of one link; `onExpired` runs when one passes. */
export function commandDeadlines(adapter: EventLoopAdapter, onExpired: () => void): CommandDeadlines {
  return adapter.createTimer === undefined
    ? new OldestDeadline(adapter, onExpired)
    : new CommandTimers(adapter.createTimer.bind(adapter), onExpired);
}

/** Deadlines as times, with one adapter timer for the oldest. */
class OldestDeadline implements CommandDeadlines {
  /** Adapter-clock times; 0 means none. */
  private readonly deadlines = new Fifo<number>();
  private timer: TimerHandle | null = null;
  private readonly onTimer = () => this.check();

  constructor(
    private readonly adapter: EventLoopAdapter,
    private readonly onExpired: () => void,
  ) {}

  added(ms: number): void {
    this.deadlines.push(ms > 0 ? this.adapter.now() + ms : 0);
    if (this.timer === null) this.arm();
  }

  removed(): void {
    // The timer stays armed: when it fires it looks at the new oldest.
    this.deadlines.shift();
  }

  retime(ms: number): void {
    this.stopTimer();
    const now = this.adapter.now();
    for (let i = 0; i < this.deadlines.length; i++) this.deadlines.set(i, ms > 0 ? now + ms : 0);
    this.arm();
  }

  clear(): void {
    this.stopTimer();
    this.deadlines.drain();
  }

  private arm(): void {
    if (this.deadlines.length === 0) return;
    const deadline = this.deadlines.peek();
    if (deadline === 0) return;
    this.timer = this.adapter.setTimer(Math.max(0, deadline - this.adapter.now()), this.onTimer);
  }

  private check(): void {
    this.timer = null;
    if (this.deadlines.length === 0) return;
    const deadline = this.deadlines.peek();
    if (deadline !== 0 && deadline <= this.adapter.now()) {
      this.onExpired();
      return;
    }
    this.arm();
  }

  private stopTimer(): void {
    if (this.timer === null) return;
    this.adapter.clearTimer(this.timer);
    this.timer = null;
  }
}

/** One reusable timer per pending command; stopped timers are kept for the next commands. */
class CommandTimers implements CommandDeadlines {
  /** null: that command has no timeout. */
  private readonly timers = new Fifo<Timer | null>();
  private readonly spare: Timer[] = [];

  constructor(
    private readonly createTimer: (fn: () => void) => Timer,
    private readonly onExpired: () => void,
  ) {}

  added(ms: number): void {
    this.timers.push(ms > 0 ? this.started(ms) : null);
  }

  removed(): void {
    this.release(this.timers.shift());
  }

  retime(ms: number): void {
    for (let i = 0; i < this.timers.length; i++) {
      const timer = this.timers.at(i);
      if (ms > 0 && timer !== null) timer.start(ms);
      else if (ms > 0) this.timers.set(i, this.started(ms));
      else {
        this.release(timer);
        this.timers.set(i, null);
      }
    }
  }

  clear(): void {
    for (const timer of this.timers.drain()) this.release(timer);
  }

  private started(ms: number): Timer {
    const timer = this.spare.pop() ?? this.createTimer(this.onExpired);
    timer.start(ms);
    return timer;
  }

  private release(timer: Timer | null): void {
    if (timer === null) return;
    timer.stop();
    this.spare.push(timer);
  }
}
