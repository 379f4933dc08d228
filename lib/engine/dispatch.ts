/**
 * Sends commands with redirects: slot -> owner, MOVED / ASK / TRYAGAIN / CLUSTERDOWN within a retry budget,
 * optional jittered backoff. Where hiredis-cluster's async and sync APIs differ it asks its policy; it
 * never chooses a rule set itself.
 */
import type { EventLoopAdapter, TimerHandle } from '../../adapters/adapter.js';
import { parseRedirect, type Redirect } from '../cluster/redirect.js';
import {
  atNode,
  ClusterError,
  clusterClosing,
  mayHaveBeenApplied,
  nodeLeftCluster,
  otherError,
  REDIS_ERR_OTHER,
  REDIS_ERR_TIMEOUT,
  slotmapNotAvailable,
  slotNotServed,
  tooManyRetries,
} from '../errors.js';
import type { EngineEvent } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { Command, CommandEvents, Receiver } from './command.js';
import type { Connection, Pending } from './connection.js';
import { FailoverHold } from './failover-hold.js';
import { errorText } from './handshake.js';
import type { CommandSteps, Policy } from './policy.js';
import type { NodeEntry, Topology } from './topology.js';

const MINUS = 0x2d;
const BANG = 0x21;

/** Replies nobody waits for (ASKING). */
const IGNORE: Pending = { onFrame() {}, onFail() {} };

export class Dispatcher implements CommandEvents, CommandSteps {
  /** Top-level commands waiting for their outcome; their receivers count them down. */
  pending = 0;
  /** Set while the engine is closed: nothing new is taken and redirects are no longer followed. */
  closing = false;
  /** Commands waiting out a retry backoff: in no link's FIFO, so closing reaches them here. */
  private readonly backingOff = new Map<Command, TimerHandle>();
  /** Commands waiting for their slot's owner (failoverWait). */
  private readonly hold: FailoverHold;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly adapter: EventLoopAdapter,
    private readonly topology: Topology,
    private readonly policy: Policy,
    /** Starts a slot-map refresh for the hold; reports the hold's events. */
    hooks: { refresh(): void; event(event: EngineEvent): void },
  ) {
    this.hold = new FailoverHold(options.failoverWait, adapter, options.random, {
      resend: (cmd) => this.reroute(cmd),
      fail: (cmd, err) => cmd.receiver.fail(cmd, err),
      refresh: hooks.refresh,
      event: hooks.event,
    });
  }

  /** Routed commands wait for their slot's owner instead of failing (failoverWait). */
  get holdsRouted(): boolean {
    return this.options.failoverWait > 0;
  }

  /** Why a face's new command is refused now (closing, too many pending), or null. */
  refusal(closingMessage: string): ClusterError | null {
    if (this.closing || this.topology.shutdown) return otherError(closingMessage);
    if (this.pending >= this.options.maxPending) {
      return otherError(`too many pending commands (maxPending ${this.options.maxPending})`);
    }
    return null;
  }

  /**
   * The entry a command for `slot` goes to (a read: as readFrom says); else the refusal, the update the
   * policy waits for before the owner is looked up once more, or null when `holds` says the command waits
   * for an owner (failoverWait).
   */
  place(slot: number, readOnly = false, holds = false): NodeEntry | ClusterError | Promise<void> | null {
    if (this.topology.map === null) {
      this.policy.noSlotmap(this.topology);
      return slotmapNotAvailable();
    }
    const entry = this.topology.targetOf(slot, readOnly);
    if (entry !== undefined) return entry;
    if (holds) return null;
    return this.policy.unserved(this.topology) ?? slotNotServed();
  }

  /**
   * Routes and sends a new top-level command (or a part, `counted` false). Null once it is on its way; the
   * refusal when it is not (its receiver hears nothing then); or the update it is held for, after which it
   * is routed once more.
   */
  start(cmd: Command, counted = true): ClusterError | Promise<void> | null {
    const place = this.place(cmd.slot, cmd.readOnly, this.hold.takes(cmd));
    if (place instanceof Promise) {
      if (counted) this.pending++;
      return place.then(() => {
        const entry = this.topology.targetOf(cmd.slot, cmd.readOnly);
        if (entry === undefined) cmd.receiver.fail(cmd, slotNotServed());
        else this.send(cmd, entry);
      });
    }
    if (place instanceof ClusterError) return place;
    if (counted) this.pending++;
    if (place === null) this.holdOrFail(cmd, slotNotServed(), null);
    else this.send(cmd, place);
    return null;
  }

  /** Sends a new top-level command to one node. */
  startOn(cmd: Command, entry: NodeEntry): void {
    this.pending++;
    this.send(cmd, entry);
  }

  /** A refresh ended (with a slot map or without): held commands go to their slots' owners again. */
  mapChanged(): void {
    this.hold.mapChanged();
  }

  /** Fails the held commands of `receiver` (a blocking call given up on) with `err`. */
  dropHeld(receiver: Receiver, err: ClusterError): void {
    this.hold.failAll(err, receiver);
  }

  /** Fails every command waiting out a backoff or held for an owner (closing). */
  failWaiting(err: ClusterError): void {
    this.hold.failAll(err);
    const waiting = [...this.backingOff];
    this.backingOff.clear();
    for (const [cmd, timer] of waiting) {
      this.adapter.clearTimer(timer);
      cmd.receiver.fail(cmd, err);
    }
  }

  onFrame(cmd: Command, link: Connection, buf: Uint8Array, start: number, end: number): void {
    const first = buf[start];
    const follows = (first === MINUS || first === BANG) && !cmd.direct && !this.closing;
    if (cmd.frames > 1 && ++cmd.seen < cmd.frames) {
      // A transaction's MULTI or QUEUED reply: a redirect met here is followed once EXEC has answered.
      if (follows && cmd.queuedRedirect === null)
        cmd.queuedRedirect = queuedRedirect(buf, start, end, link.host);
      return;
    }
    if (cmd.link !== null) {
      cmd.link = null;
      if (cmd.dedicated) this.topology.release(link);
    }
    let redirect = cmd.queuedRedirect;
    if (redirect === null && follows) {
      try {
        redirect = maybeRedirect(buf, start, end, link.host);
      } catch (err) {
        cmd.receiver.fail(cmd, atNode(err as ClusterError, link.addr));
        return;
      }
    }
    if (redirect !== null) {
      if (redirect.kind === 'CLUSTERDOWN' && this.hold.takes(cmd)) {
        this.holdOrFail(
          cmd,
          new ClusterError(REDIS_ERR_OTHER, errorText(buf, start, end), link.addr),
          link.addr,
        );
      } else this.redirect(cmd, link, redirect);
      return;
    }
    cmd.node = link.addr;
    cmd.receiver.reply(cmd, buf, start, end);
  }

  onFail(cmd: Command, link: Connection, err: ClusterError | null): void {
    if (cmd.frames > 1 || cmd.dedicated) {
      // One failure per attempt: a transaction's other frames on that link fail too.
      if (cmd.link !== link) return;
      cmd.link = null;
      if (cmd.dedicated) this.topology.release(link);
    }
    if (this.closing) cmd.receiver.fail(cmd, err ?? nodeLeftCluster(link.addr));
    else if (this.rideThrough(cmd, link, err)) return;
    else if (err === null) this.policy.nodeLeft(cmd, link, this);
    else this.policy.linkFailed(cmd, link, err, this, this.topology);
  }

  fail(cmd: Command, err: ClusterError): void {
    cmd.receiver.fail(cmd, err);
  }

  onLeased(cmd: Command, link: Connection): void {
    this.write(link, cmd);
  }

  onLeaseFailed(cmd: Command, err: ClusterError): void {
    cmd.receiver.fail(cmd, err);
  }

  countRetry(cmd: Command): boolean {
    if (++cmd.budget.retries <= this.options.maxRetry) return true;
    cmd.receiver.fail(cmd, tooManyRetries());
    return false;
  }

  reroute(cmd: Command): void {
    if (this.topology.shutdown) {
      cmd.receiver.fail(cmd, clusterClosing());
      return;
    }
    const entry = this.topology.targetOf(cmd.slot, cmd.readOnly);
    if (entry !== undefined) this.sendTo(entry, cmd);
    else if (this.hold.takes(cmd)) this.holdOrFail(cmd, slotNotServed(), null);
    else cmd.receiver.fail(cmd, slotNotServed());
  }

  /**
   * failoverWait: a routed command whose link failed waits for its slot's owner — unless it was written
   * (the link had connected) and is a write: it may have run, so it fails saying so (retryWrites resends
   * it). A command timeout is no failover: it fails as without the option. True when handled here.
   */
  private rideThrough(cmd: Command, link: Connection, err: ClusterError | null): boolean {
    if (!this.hold.takes(cmd)) return false;
    const written = link.everConnected;
    if (written && err?.code === REDIS_ERR_TIMEOUT) return false;
    const failure = err ?? nodeLeftCluster(link.addr);
    if (written && !cmd.readOnly && !this.options.retryWrites) {
      cmd.receiver.fail(cmd, mayHaveBeenApplied(failure));
    } else this.holdOrFail(cmd, failure, link.addr);
    return true;
  }

  /** Holds a routed command for its slot's owner, or fails it with `err` once its wait has run out. */
  private holdOrFail(cmd: Command, err: ClusterError, address: string | null): void {
    if (!this.hold.hold(cmd, err, address, cmd.slot)) cmd.receiver.fail(cmd, err);
  }

  resend(cmd: Command, link: Connection): void {
    if (link.usable && !cmd.dedicated) this.write(link, cmd);
    else this.reroute(cmd);
  }

  /** A new command's first write; the policy may pipeline an update after it. */
  private send(cmd: Command, entry: NodeEntry): void {
    this.sendTo(entry, cmd);
    this.policy.written(this.topology, entry);
  }

  /** To `entry`'s node: on its WATCH session's link, a dedicated link of its own, or the shared link. */
  private sendTo(entry: NodeEntry, cmd: Command): void {
    const session = cmd.session;
    if (session !== null) {
      const unusable = session.unusable;
      if (unusable === null) this.write(session.link!, cmd);
      else cmd.receiver.fail(cmd, unusable);
    } else if (cmd.dedicated) this.topology.lease(entry, cmd);
    else this.write(this.topology.linkOf(entry), cmd);
  }

  private write(link: Connection, cmd: Command): void {
    if (cmd.frames > 1 || cmd.dedicated) {
      cmd.link = link;
      cmd.seen = 0;
      cmd.queuedRedirect = null;
    }
    if (cmd.asking) link.send(['ASKING'], IGNORE);
    if (cmd.raw !== null) link.sendRaw(cmd.raw, cmd, cmd.frames, cmd.timeoutMs);
    else link.send(cmd.argv!, cmd, cmd.frames, cmd.timeoutMs);
  }

  private redirect(cmd: Command, link: Connection, redirect: Redirect): void {
    if (!this.countRetry(cmd)) return;
    cmd.asking = false;
    if (redirect.kind === 'MOVED' || redirect.kind === 'ASK') cmd.redirects++;
    switch (redirect.kind) {
      case 'MOVED': {
        const target = this.topology.entry(redirect.host, redirect.port, false);
        this.topology.patch(redirect.slot, target);
        this.policy.moved(this.topology, link);
        this.sendTo(target, cmd);
        return;
      }
      case 'ASK':
        cmd.asking = true;
        this.sendTo(this.topology.entry(redirect.host, redirect.port, false), cmd);
        return;
      default: {
        const backoff = this.options.retryBackoff;
        if (backoff === undefined) {
          this.policy.tryAgain(cmd, link, this);
          return;
        }
        const cap = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (cmd.budget.retries - 1));
        const timer = this.adapter.setTimer(Math.floor(cap * this.options.random()), () => {
          this.backingOff.delete(cmd);
          this.reroute(cmd);
        });
        this.backingOff.set(cmd, timer);
      }
    }
  }
}

/** The redirect an error frame from `host` asks for; cheap first-letter test before any string is made. */
function maybeRedirect(buf: Uint8Array, start: number, end: number, host: string): Redirect | null {
  const c = buf[buf[start] === MINUS ? start + 1 : start + 1 + digitsAfter(buf, start)];
  // M(OVED) A(SK) T(RYAGAIN) C(LUSTERDOWN)
  if (c !== 0x4d && c !== 0x41 && c !== 0x54 && c !== 0x43) return null;
  return parseRedirect(errorText(buf, start, end), host);
}

/** The redirect a transaction's queued command met; a malformed one is no redirect (EXEC then aborts). */
function queuedRedirect(buf: Uint8Array, start: number, end: number, host: string): Redirect | null {
  try {
    return maybeRedirect(buf, start, end, host);
  } catch {
    return null;
  }
}

/** Length of the `len\r\n` header of a blob error. */
function digitsAfter(buf: Uint8Array, start: number): number {
  let i = start + 1;
  while (buf[i] !== 0x0a) i++;
  return i - start;
}
