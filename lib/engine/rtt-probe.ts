/**
 * readFrom 'nearest': a PING on every open command link each second, timing its answer, so each link's
 * round trip (smoothed) follows what the node answers now — a node that slows down, or whose link is
 * loaded, loses its reads. The handshake's reply gives the first figure.
 */
import type { EventLoopAdapter, TimerHandle } from '../../adapters/adapter.js';
import type { Connection, Pending } from './connection.js';
import type { NodeEntry } from './topology.js';

const PROBE_EVERY_MS = 1000;
/** Weight of a new sample in the smoothed round trip. */
const NEW_SAMPLE_WEIGHT = 0.3;

class Ping implements Pending {
  constructor(
    private readonly sentAt: number,
    private readonly now: () => number,
  ) {}

  onFrame(link: Connection): void {
    const sample = this.now() - this.sentAt;
    link.rttMs = link.rttMs < 0 ? sample : link.rttMs + NEW_SAMPLE_WEIGHT * (sample - link.rttMs);
  }

  onFail(): void {}
}

export class RttProbe {
  private timer: TimerHandle | null = null;

  constructor(
    private readonly adapter: EventLoopAdapter,
    private readonly entries: () => Iterable<NodeEntry>,
  ) {}

  /** Probes each second from now on (it never keeps the process alive). */
  start(): void {
    if (this.timer !== null) return;
    this.timer = this.adapter.setTimer(PROBE_EVERY_MS, () => {
      this.timer = null;
      this.probe();
      this.start();
    });
    this.adapter.refTimer?.(this.timer, false);
  }

  stop(): void {
    if (this.timer !== null) this.adapter.clearTimer(this.timer);
    this.timer = null;
  }

  private probe(): void {
    const now = () => this.adapter.now();
    for (const entry of this.entries()) {
      const link = entry.link;
      if (link?.isConnected && link.usable) link.send(['PING'], new Ping(now(), now));
    }
  }
}
