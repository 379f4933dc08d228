/**
 * The command timeout of one link, kept one of two ways. By default the link holds each pending
 * command's deadline and one adapter timer for the earliest (while commands share one timeout and answer
 * in order, that is the oldest; a command's own timeout may come due before older ones, or have none).
 * When the adapter offers reusable timers (`createTimer`, e.g. the TimerWheel adapter) every pending
 * command gets its own timer, started when it is queued and stopped when its reply comes — O(1) each on a
 * timer wheel. Either way the first deadline to pass fails the link with "Timeout".
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

/** Deadlines as times, with one adapter timer for the earliest. */
class OldestDeadline implements CommandDeadlines {
  /** Adapter-clock times; 0 means none. */
  private readonly deadlines = new Fifo<number>();
  private timer: TimerHandle | null = null;
  /** When the timer fires (Infinity: no timer). */
  private timerAt = Number.POSITIVE_INFINITY;
  /** The last deadline added, and whether every deadline came no earlier than the one before. */
  private lastAdded = 0;
  private inOrder = true;
  private readonly onTimer = () => this.check();

  constructor(
    private readonly adapter: EventLoopAdapter,
    private readonly onExpired: () => void,
  ) {}

  added(ms: number): void {
    if (ms <= 0) {
      // No deadline (the default): nothing to order, and no branch that only an idle link takes.
      this.deadlines.push(0);
      return;
    }
    if (this.deadlines.length === 0) {
      this.inOrder = true;
      this.lastAdded = 0;
    }
    const deadline = this.adapter.now() + ms;
    this.deadlines.push(deadline);
    if (deadline < this.lastAdded) this.inOrder = false;
    this.lastAdded = deadline;
    // Sooner than the armed timer (a command's own, shorter timeout, or the first): the timer moves.
    if (deadline < this.timerAt) this.arm(deadline);
  }

  removed(): void {
    // The timer stays armed: when it fires it looks at the deadlines left.
    this.deadlines.shift();
  }

  retime(ms: number): void {
    this.stopTimer();
    const now = this.adapter.now();
    for (let i = 0; i < this.deadlines.length; i++) this.deadlines.set(i, ms > 0 ? now + ms : 0);
    this.inOrder = true;
    this.lastAdded = ms > 0 ? now + ms : 0;
    if (this.deadlines.length > 0 && ms > 0) this.arm(now + ms);
  }

  clear(): void {
    this.stopTimer();
    this.deadlines.drain();
  }

  private arm(deadline: number): void {
    this.stopTimer();
    this.timerAt = deadline;
    this.timer = this.adapter.setTimer(Math.max(0, deadline - this.adapter.now()), this.onTimer);
  }

  private check(): void {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    const deadline = this.earliest();
    if (deadline === 0) return;
    if (deadline <= this.adapter.now()) this.onExpired();
    else this.arm(deadline);
  }

  /** The earliest deadline pending, 0 for none: the first one set when they came in order. */
  private earliest(): number {
    let earliest = 0;
    for (let i = 0; i < this.deadlines.length; i++) {
      const deadline = this.deadlines.at(i);
      if (deadline === 0 || (earliest !== 0 && deadline >= earliest)) continue;
      earliest = deadline;
      if (this.inOrder) break;
    }
    return earliest;
  }

  private stopTimer(): void {
    if (this.timer === null) return;
    this.adapter.clearTimer(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
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
