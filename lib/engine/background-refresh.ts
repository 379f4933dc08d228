/**
 * `refreshInterval`: the slot map refreshed in the background every interval from the first map on, and
 * soon after a node's command link closed unasked — so a slot the context sent nothing to meanwhile does
 * not keep pointing at a node that left. A refresh is single flight; where the policy serves one call at a
 * time (the blocking face's worker), one that falls due during a call waits until the call is answered.
 */
import type { EventLoopAdapter, TimerHandle } from '../../adapters/adapter.js';
import type { RefreshReason } from '../events.js';

export class BackgroundRefresh {
  private timer: TimerHandle | null = null;
  /** A refresh that fell due while a call was being served. */
  private owed: RefreshReason | null = null;

  constructor(
    /** ms between refreshes (0: none). */
    private readonly interval: number,
    private readonly adapter: EventLoopAdapter,
    /** Starts a refresh now (unless one runs). */
    private readonly start: (reason: RefreshReason) => void,
    /** True while a call is being served and a refresh must wait for its end. */
    private readonly busy: () => boolean,
  ) {}

  get enabled(): boolean {
    return this.interval > 0;
  }

  /** A slot map came: the interval runs from now (the first map starts it). */
  mapApplied(): void {
    if (this.interval > 0) this.arm();
  }

  /** The next interval's refresh, from now. */
  private arm(): void {
    if (this.timer !== null) this.adapter.clearTimer(this.timer);
    this.timer = this.adapter.setTimer(this.interval, () => {
      this.timer = null;
      this.request('interval');
    });
    // The refresh alone never keeps the process alive.
    this.adapter.refTimer?.(this.timer, false);
  }

  /** A refresh for `reason`: now, or once the call being served is answered. */
  request(reason: RefreshReason): void {
    if (this.busy()) this.owed ??= reason;
    else this.start(reason);
    // A refresh that fails brings no map: the next interval still comes.
    if (this.timer === null && reason === 'interval') this.arm();
  }

  /** The call being served is answered: a refresh owed meanwhile starts. */
  idle(): void {
    const reason = this.owed;
    if (reason === null) return;
    this.owed = null;
    this.start(reason);
  }

  stop(): void {
    if (this.timer !== null) this.adapter.clearTimer(this.timer);
    this.timer = null;
    this.owed = null;
  }
}
