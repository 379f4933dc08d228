/**
 * Sends commands with redirects: slot -> owner, MOVED / ASK / TRYAGAIN / CLUSTERDOWN with one retry
 * budget per command, optional jittered backoff, and cross-slot multi-key commands split per slot,
 * sent in parallel and merged in key order. Policy is hiredis-cluster's async API unless noted.
 */
import type { EventLoopAdapter, TimerHandle } from '../../adapters/adapter.js';
import type { MultiKeyPlan } from '../cluster/multikey.js';
import { parseRedirect, type Redirect } from '../cluster/redirect.js';
import { ClusterError, otherError, REDIS_ERR_CLUSTER_TOO_MANY_RETRIES, REDIS_ERR_OTHER } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { buildReply, type ReplyBuilder } from '../resp/build.js';
import type { CommandArg } from '../resp/encode.js';
import { type Connection, errorText, type Pending } from './connection.js';
import { type MultiKeyReplies, multiKeyReplies } from './multikey-replies.js';
import type { Route } from './route.js';
import type { NodeEntry, Topology } from './topology.js';

/** Receives the one outcome of each top-level command. */
export interface CommandOwner {
  complete(cmd: Command, reply: unknown, err: ClusterError | null): void;
  /** When present, replies are handed over as frames (valid during the call) instead of built values. */
  frame?(cmd: Command, buf: Uint8Array, start: number, end: number): void;
}

const MINUS = 0x2d;
const BANG = 0x21;
const NO_SLOT = -1;

/** The outcome of a command whose node left the cluster: hiredis gives a NULL reply with err 0. */
export const NODE_LEFT = new ClusterError(0, 'node left the cluster');
/** The same for a sync-API ToNode or pipelined command: a failed sync call never reads err 0. */
const NODE_LEFT_SYNC = new ClusterError(REDIS_ERR_OTHER, 'node left the cluster');

/** Replies nobody waits for (ASKING). */
const IGNORE: Pending = { onFrame() {}, onFail() {} };

/** Counts cluster retries: per command (async API) or per top-level call (sync API). */
export interface RetryBudget {
  retries: number;
}

/** One command on its way: its bytes or argv (kept for resends), slot, retries and the caller's data. */
export class Command implements Pending, RetryBudget {
  retries = 0;
  /** Where retries are counted: the command itself, or its top-level call's budget (sync API). */
  budget: RetryBudget = this;
  asking = false;
  /** Sync API: the one retry after a connect failure has been used. */
  reconnected = false;
  /** Set for the parts of a split multi-key command. */
  parent: MultiKeyCommand | null = null;
  index = 0;

  constructor(
    readonly dispatcher: Dispatcher,
    readonly argv: readonly CommandArg[] | null,
    readonly raw: Uint8Array | null,
    readonly slot: number,
    /** Sent to one node, or a pipelined command: no redirects, no retries. */
    readonly direct: boolean,
    /** The caller's callback and data, opaque here. */
    readonly fn: unknown,
    readonly privdata: unknown,
  ) {}

  onFrame(link: Connection, buf: Uint8Array, start: number, end: number): void {
    this.dispatcher.onFrame(this, link, buf, start, end);
  }

  onFail(link: Connection, err: ClusterError | null): void {
    this.dispatcher.onFail(this, link, err);
  }
}

/** A cross-slot MGET/MSET/DEL/EXISTS/UNLINK/TOUCH: its parts' replies, merged once all are in. */
export class MultiKeyCommand {
  remaining: number;
  done = false;
  readonly replies: unknown[];

  constructor(
    readonly plan: MultiKeyPlan,
    readonly top: Command,
  ) {
    this.remaining = plan.parts.length;
    this.replies = new Array(plan.parts.length);
  }
}

export class Dispatcher {
  /** Top-level commands waiting for their outcome. */
  pending = 0;
  /** Set by disconnect(): nothing new is taken and redirects are no longer followed. */
  closing = false;
  private readonly builder: ReplyBuilder;
  private readonly multiKey: MultiKeyReplies;
  /** Commands waiting out a retry backoff: in no link's FIFO, so free() reaches them here. */
  private readonly backingOff = new Map<Command, TimerHandle>();

  constructor(
    private readonly options: ResolvedOptions,
    private readonly adapter: EventLoopAdapter,
    private readonly topology: Topology,
    private readonly owner: CommandOwner,
    /** hiredis-cluster's sync-API policy (the blocking context's worker) instead of the async one. */
    private readonly sync = false,
  ) {
    this.builder = options.replyBuilder;
    this.multiKey = multiKeyReplies(options.replyBuilder);
  }

  /** Queues a key-routed command; returns the reason when it cannot be queued (callback never runs). */
  submit(
    argv: readonly CommandArg[] | null,
    raw: Uint8Array | null,
    route: Route,
    fn: unknown,
    privdata: unknown,
  ) {
    const refused = this.refusal('client closing');
    if (refused !== null) return refused;
    if (this.topology.map === null) {
      this.topology.throttledUpdate();
      return otherError('slotmap not available');
    }
    const plan = route.plan;
    if (plan === null) {
      const entry = this.topology.ownerOf(route.slot);
      if (entry === undefined) return this.unserved();
      this.pending++;
      this.write(this.topology.linkOf(entry), new Command(this, argv, raw, route.slot, false, fn, privdata));
      return null;
    }
    const entries: NodeEntry[] = [];
    for (const part of plan.parts) {
      const entry = this.topology.ownerOf(part.slot);
      if (entry === undefined) return this.unserved();
      entries.push(entry);
    }
    const top = new Command(this, argv, raw, NO_SLOT, false, fn, privdata);
    const multi = new MultiKeyCommand(plan, top);
    this.pending++;
    for (let i = 0; i < entries.length; i++) {
      const part = plan.parts[i]!;
      const cmd = new Command(this, part.argv, null, part.slot, false, undefined, undefined);
      cmd.parent = multi;
      cmd.index = i;
      this.write(this.topology.linkOf(entries[i]!), cmd);
    }
    return null;
  }

  /**
   * Sync API: queues pre-encoded bytes for `entry` with a shared retry budget (`direct`: no redirects).
   * A scheduled slot-map update is pipelined right after it on the same link.
   */
  submitBytes(
    entry: NodeEntry,
    raw: Uint8Array,
    slot: number,
    direct: boolean,
    budget: RetryBudget,
    fn: unknown,
  ) {
    const cmd = new Command(this, null, raw, slot, direct, fn, undefined);
    cmd.budget = budget;
    this.pending++;
    const link = this.topology.linkOf(entry);
    this.write(link, cmd);
    if (this.topology.needUpdate) {
      this.topology.needUpdate = false;
      this.topology.update(link);
    }
  }

  /** Queues a command for one node: no redirects, no retries. */
  submitToNode(
    entry: NodeEntry,
    argv: readonly CommandArg[] | null,
    raw: Uint8Array | null,
    fn: unknown,
    privdata: unknown,
  ) {
    const refused = this.refusal('disconnecting');
    if (refused !== null) return refused;
    this.pending++;
    this.write(this.topology.linkOf(entry), new Command(this, argv, raw, NO_SLOT, true, fn, privdata));
    return null;
  }

  /** Fails every command waiting out a backoff (free()). */
  failBackingOff(err: ClusterError): void {
    const waiting = [...this.backingOff];
    this.backingOff.clear();
    for (const [cmd, timer] of waiting) {
      this.adapter.clearTimer(timer);
      this.finish(cmd, null, err);
    }
  }

  onFrame(cmd: Command, link: Connection, buf: Uint8Array, start: number, end: number): void {
    const first = buf[start];
    if ((first === MINUS || first === BANG) && !cmd.direct && !this.closing) {
      let redirect: Redirect | null;
      try {
        redirect = maybeRedirect(buf, start, end);
      } catch (err) {
        this.finish(cmd, null, err as ClusterError);
        return;
      }
      if (redirect !== null) {
        this.redirect(cmd, link, redirect);
        return;
      }
    }
    if (this.owner.frame !== undefined) {
      this.pending--;
      this.owner.frame(cmd, buf, start, end);
      return;
    }
    this.finish(
      cmd,
      buildReply(buf, start, end, cmd.parent === null ? this.builder : this.multiKey.builder),
      null,
    );
  }

  onFail(cmd: Command, link: Connection, err: ClusterError | null): void {
    if (this.sync && !this.closing) {
      if (err === null) this.syncNodeLeft(cmd);
      else this.syncFailure(cmd, link, err);
      return;
    }
    this.finish(cmd, null, err ?? NODE_LEFT);
    // A node that left the map or a closing context asks for no update (hiredis clears ac->data).
    if (err !== null && !this.closing && this.topology.entries.has(link.addr))
      this.topology.throttledUpdate();
  }

  /**
   * hiredis' sync API: a link that never connected gets one blocking update on a temporary link and
   * one more attempt; an I/O error fails the command and schedules an update for the next command.
   */
  private syncFailure(cmd: Command, link: Connection, err: ClusterError): void {
    if (link.everConnected || cmd.reconnected || cmd.direct) {
      this.topology.needUpdate = true;
      this.finish(cmd, null, err);
      return;
    }
    cmd.reconnected = true;
    this.topology.updateWithTemporaryLinks().then(
      () => this.resend(cmd, null),
      () => this.finish(cmd, null, err),
    );
  }

  /**
   * hiredis' sync API never loses a command to a slot-map update (updates run between its commands,
   * and the old node would answer MOVED): a routed command whose node left goes to its slot's new
   * owner, as one more retry. A ToNode or pipelined command fails, with an error code (a sync caller
   * reads err 0 as success).
   */
  private syncNodeLeft(cmd: Command): void {
    if (cmd.direct) {
      this.finish(cmd, null, NODE_LEFT_SYNC);
      return;
    }
    if (this.overBudget(cmd)) return;
    cmd.asking = false;
    this.resend(cmd, null);
  }

  /** Counts one more retry; past the budget the command fails with err 100 and this says true. */
  private overBudget(cmd: Command): boolean {
    if (++cmd.budget.retries <= this.options.maxRetry) return false;
    this.finish(cmd, null, new ClusterError(REDIS_ERR_CLUSTER_TOO_MANY_RETRIES, 'too many cluster retries'));
    return true;
  }

  private refusal(closingMessage: string): ClusterError | null {
    if (this.closing || this.topology.shutdown) return otherError(closingMessage);
    if (this.pending >= this.options.maxPending) {
      return otherError(`too many pending commands (maxPending ${this.options.maxPending})`);
    }
    return null;
  }

  private unserved(): ClusterError {
    this.topology.throttledUpdate();
    return otherError('slot not served by any node');
  }

  private write(link: Connection, cmd: Command): void {
    if (cmd.asking) link.send(['ASKING'], IGNORE);
    if (cmd.raw !== null) link.sendRaw(cmd.raw, cmd);
    else link.send(cmd.argv!, cmd);
  }

  private redirect(cmd: Command, link: Connection, redirect: Redirect): void {
    if (this.overBudget(cmd)) return;
    cmd.asking = false;
    switch (redirect.kind) {
      case 'MOVED': {
        const target = this.topology.entry(redirect.host, redirect.port, false);
        this.topology.patch(redirect.slot, target);
        // Sync API: the update goes on the redirecting link at once (no throttle); async: throttled.
        if (this.sync) this.topology.update(link);
        else this.topology.throttledUpdate(link);
        this.write(this.topology.linkOf(target), cmd);
        return;
      }
      case 'ASK':
        cmd.asking = true;
        this.write(this.topology.linkOf(this.topology.entry(redirect.host, redirect.port, false)), cmd);
        return;
      default: {
        const backoff = this.options.retryBackoff;
        if (backoff === undefined) {
          // Async: again on the same link; sync: again from the slot lookup.
          this.resend(cmd, this.sync ? null : link);
          return;
        }
        const cap = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (cmd.budget.retries - 1));
        const timer = this.adapter.setTimer(Math.floor(cap * this.options.random()), () => {
          this.backingOff.delete(cmd);
          this.resend(cmd, null);
        });
        this.backingOff.set(cmd, timer);
      }
    }
  }

  /** Sends again after TRYAGAIN / CLUSTERDOWN: on the same link, else to the slot's owner now. */
  private resend(cmd: Command, link: Connection | null): void {
    if (link?.usable) {
      this.write(link, cmd);
      return;
    }
    const entry = this.topology.shutdown ? undefined : this.topology.ownerOf(cmd.slot);
    if (entry === undefined) {
      this.finish(
        cmd,
        null,
        otherError(this.topology.shutdown ? 'client closing' : 'slot not served by any node'),
      );
      return;
    }
    this.write(this.topology.linkOf(entry), cmd);
  }

  private finish(cmd: Command, reply: unknown, err: ClusterError | null): void {
    const multi = cmd.parent;
    if (multi === null && err !== null && this.owner.frame !== undefined) {
      this.pending--;
      this.owner.complete(cmd, null, err);
      return;
    }
    if (multi === null) {
      this.pending--;
      this.owner.complete(cmd, reply, err);
      return;
    }
    if (multi.done) return;
    if (err !== null) {
      multi.done = true;
      this.pending--;
      this.owner.complete(multi.top, null, err);
      return;
    }
    multi.replies[cmd.index] = reply;
    if (--multi.remaining > 0) return;
    multi.done = true;
    let merged: unknown;
    let failure: ClusterError | null = null;
    try {
      merged = multi.plan.mergeWith(multi.replies, this.multiKey.ops);
    } catch (mergeErr) {
      failure =
        mergeErr instanceof ClusterError ? mergeErr : new ClusterError(REDIS_ERR_OTHER, String(mergeErr));
    }
    this.pending--;
    this.owner.complete(multi.top, failure === null ? merged : null, failure);
  }
}

/** The redirect an error frame asks for; cheap first-letter test before any string is made. */
function maybeRedirect(buf: Uint8Array, start: number, end: number): Redirect | null {
  const c = buf[buf[start] === MINUS ? start + 1 : start + 1 + digitsAfter(buf, start)];
  // M(OVED) A(SK) T(RYAGAIN) C(LUSTERDOWN)
  if (c !== 0x4d && c !== 0x41 && c !== 0x54 && c !== 0x43) return null;
  return parseRedirect(errorText(buf, start, end));
}

/** Length of the `len\r\n` header of a blob error. */
function digitsAfter(buf: Uint8Array, start: number): number {
  let i = start + 1;
  while (buf[i] !== 0x0a) i++;
  return i - start;
}
