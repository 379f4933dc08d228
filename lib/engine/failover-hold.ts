/**
 * `failoverWait`: a routed command whose node cannot be reached, or whose slot has no owner or is
 * CLUSTERDOWN, waits here — on no link, so no command timeout runs — while the slot map is refreshed with
 * jittered backoff; after each refresh (a map, or none) it is sent again to its slot's owner, without counting against
 * maxRetry. It ends with an outcome there, or fails with its last error once its wait runs out. Each node
 * (or slot without an owner) whose commands wait has an episode, reported when it starts and ends.
 */
import type { EventLoopAdapter, TimerHandle } from '../../adapters/adapter.js';
import type { ClusterError } from '../errors.js';
import type { EngineEvent } from '../events.js';
import type { Command, Receiver } from './command.js';

/** The first refresh after a hold comes within this many ms, then twice as late each round, up to the cap. */
const FIRST_REFRESH_MS = 50;
const MAX_REFRESH_MS = 500;

/** What the hold needs of the engine. */
export interface HoldSteps {
  /** Sends a held command again, to its slot's node as the map says now. */
  resend(cmd: Command): void;
  /** Ends a command with `err`. */
  fail(cmd: Command, err: ClusterError): void;
  /** Starts a slot-map refresh unless one runs. */
  refresh(): void;
  event(event: EngineEvent): void;
}

interface Held {
  err: ClusterError;
  /** The episode it counts in: its node's address, '' for a slot without an owner. */
  key: string;
}

/** Stands in front of a held command's receiver until its outcome: its episode lasts until then. */
class Settles implements Receiver {
  constructor(
    readonly inner: Receiver,
    private readonly hold: FailoverHold,
  ) {}

  reply(cmd: Command, buf: Uint8Array, start: number, end: number): void {
    this.hold.settled(cmd);
    this.inner.reply(cmd, buf, start, end);
  }

  fail(cmd: Command, err: ClusterError): void {
    this.hold.settled(cmd);
    this.inner.fail(cmd, err);
  }
}

interface Episode {
  since: number;
  /** Commands first held in it. */
  held: number;
  expired: number;
}

export class FailoverHold {
  private readonly held = new Map<Command, Held>();
  /** Every command held since its first hold and until its outcome (held now or resent), by episode. */
  private readonly members = new Map<Command, string>();
  private readonly episodes = new Map<string, Episode>();
  private timer: TimerHandle | null = null;
  private rounds = 0;
  private releasing = false;

  constructor(
    /** ms a command may wait here in all; 0 holds nothing. */
    private readonly wait: number,
    private readonly adapter: EventLoopAdapter,
    private readonly random: () => number,
    private readonly steps: HoldSteps,
  ) {}

  /** Whether `cmd` may wait here at all: a routed command (not one for a node, a session or a pipeline). */
  takes(cmd: Command): boolean {
    return this.wait > 0 && !cmd.direct && cmd.session === null;
  }

  /**
   * Holds `cmd`, which just failed with `err` at `address` (null: its slot has no owner). False when its wait
   * has run out: the caller fails it with `err`.
   */
  hold(cmd: Command, err: ClusterError, address: string | null, slot: number): boolean {
    const now = this.adapter.now();
    const first = cmd.heldSince < 0;
    const key = address ?? '';
    if (first) {
      cmd.heldSince = now;
      cmd.receiver = new Settles(cmd.receiver, this);
    } else if (now - cmd.heldSince >= this.wait) {
      const episode = this.episodes.get(key);
      if (episode !== undefined) episode.expired++;
      return false;
    }
    this.held.set(cmd, { err, key });
    this.members.set(cmd, key);
    let episode = this.episodes.get(key);
    if (episode === undefined) {
      episode = { since: now, held: 0, expired: 0 };
      this.episodes.set(key, episode);
      this.steps.event({
        type: 'failover-wait',
        phase: 'start',
        address,
        slot,
        code: err.code,
        message: err.message,
      });
    }
    if (first) episode.held++;
    this.schedule(now);
    return true;
  }

  /** A refresh ended (a slot map came, or none): every held command goes again, once the engine's current step is over. */
  mapChanged(): void {
    if (this.held.size === 0 || this.releasing) return;
    this.releasing = true;
    this.adapter.defer(() => {
      this.releasing = false;
      const commands = [...this.held.keys()];
      this.held.clear();
      for (const cmd of commands) this.steps.resend(cmd);
    });
  }

  /** A command held once has its outcome. */
  settled(cmd: Command): void {
    this.members.delete(cmd);
  }

  /** Fails every held command of `receiver` (a blocking call given up on), or all of them, with `err`. */
  failAll(err: ClusterError, receiver: Receiver | null = null): void {
    for (const cmd of [...this.held.keys()]) {
      if (receiver !== null && (cmd.receiver as Settles).inner !== receiver) continue;
      this.held.delete(cmd);
      this.steps.fail(cmd, err);
    }
    if (receiver === null && this.timer !== null) {
      this.adapter.clearTimer(this.timer);
      this.timer = null;
    }
  }

  private schedule(now: number): void {
    if (this.timer !== null) return;
    const cap = Math.min(MAX_REFRESH_MS, FIRST_REFRESH_MS * 2 ** this.rounds++);
    let delay = Math.ceil(cap * (0.5 + this.random() / 2));
    for (const cmd of this.held.keys()) delay = Math.min(delay, cmd.heldSince + this.wait - now);
    this.timer = this.adapter.setTimer(Math.max(0, delay), () => this.tick());
  }

  /** Fails the commands whose wait ran out, ends the episodes with nothing left, and refreshes the map. */
  private tick(): void {
    this.timer = null;
    const now = this.adapter.now();
    for (const [cmd, held] of this.held) {
      if (now - cmd.heldSince < this.wait) continue;
      this.held.delete(cmd);
      const episode = this.episodes.get(held.key);
      if (episode !== undefined) episode.expired++;
      this.steps.fail(cmd, held.err);
    }
    const waiting = new Set(this.members.values());
    for (const [key, episode] of this.episodes) {
      if (waiting.has(key)) continue;
      this.episodes.delete(key);
      this.steps.event({
        type: 'failover-wait',
        phase: 'end',
        address: key === '' ? null : key,
        held: episode.held,
        expired: episode.expired,
        waitedMs: Math.round(now - episode.since),
      });
    }
    if (this.members.size === 0 && this.episodes.size === 0) {
      this.rounds = 0;
      return;
    }
    if (this.held.size > 0) this.steps.refresh();
    this.schedule(now);
  }
}
