/**
 * A link's side of lending (lending.ts): whether it is lent, taking it back from the borrower (retried every
 * ms while the borrower holds it), and what waits for it meanwhile.
 */
import type { EventLoopAdapter, TimerHandle } from '../../adapters/adapter.js';
import type { Connection } from './connection.js';
import type { Lender } from './lending.js';

/** What a link taken back looks for first (Transport.resumeReads): after a pause of this many ms; -1 nothing. */
export const NO_PROBE = -1;
export const PROBE_ALWAYS = 0;
/** A busy link is not read twice: a probe costs a failed read (~6 µs). */
export const PROBE_AFTER_PAUSE = 10;

export class Parking {
  /** Lent: reads paused, nothing pending, nothing to send. */
  lent = false;
  /** What waits for the borrower to give the link back (rare: the engine rarely needs an idle link). */
  private held: (() => void)[] = [];
  private timer: TimerHandle | null = null;

  constructor(
    private readonly lender: Lender,
    private readonly link: Connection,
    private readonly adapter: EventLoopAdapter,
    /** The link is back: its reads resume, first looking for what came after `probe` ms paused. */
    private readonly resume: (probe: number) => void,
  ) {}

  /** Something waits for the link to come back. */
  get waiting(): boolean {
    return this.held.length > 0;
  }

  lend(fd: number): void {
    this.lent = true;
    this.lender.lend(this.link, fd);
  }

  /**
   * Takes the link back: true once it is the engine's again; false while the borrower holds it, and
   * `then` runs when it comes back.
   */
  takeBack(probe: number, then?: () => void): boolean {
    if (this.lender.reclaim(this.link)) {
      this.lent = false;
      this.resume(probe);
      // What waited for the link goes first, whoever took it back (a send, a wake, the retry below).
      this.release();
      return true;
    }
    if (then !== undefined) this.held.push(then);
    this.timer ??= this.adapter.setTimer(1, () => {
      this.timer = null;
      if (this.lent) this.takeBack(PROBE_AFTER_PAUSE);
    });
    return false;
  }

  /** Runs what waited for the link (it is back: taken back, or handed over by the borrower). */
  release(): void {
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    for (const action of held) action();
  }
}
