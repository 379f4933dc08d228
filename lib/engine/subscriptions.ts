/**
 * Pub/sub in a cluster, for both faces: what the user subscribed to (wanted), and where each
 * subscription lives now — on subscriber links of their own, one per node, that carry nothing else (RESP2
 * and RESP3 alike). Classic channels and patterns live on one node (a cluster broadcasts PUBLISH to every
 * node) and move when it fails or leaves the map; a sharded channel lives on its slot's owner, subscribed
 * with one SSUBSCRIBE of its own (never a CROSSSLOT), and is subscribed again wherever the slot goes: after
 * the server's own `sunsubscribe`, a MOVED, a new map or a lost link; an "every primary" subscription
 * (keyspace notifications: each node publishes only its own) lives on every primary of the map.
 *
 * A message counts only from the link its subscription is placed on now: once a subscription moves, what
 * its old link still says is dropped, so a move may lose messages (pub/sub is at-most-once) but never
 * delivers one twice or one for a channel the user left.
 */
import type { EventLoopAdapter, TimerHandle } from '../../adapters/adapter.js';
import { keySlot } from '../cluster/keyslot.js';
import { parseRedirect } from '../cluster/redirect.js';
import { ClusterError, clusterClosing, REDIS_ERR_OTHER } from '../errors.js';
import {
  ERROR,
  MESSAGE,
  PMESSAGE,
  type PubsubFrame,
  readPubsubFrame,
  SMESSAGE,
} from '../resp/pubsub-frame.js';
import type { Connection, ConnectionEvents } from './connection.js';
import type { NodeEntry, Topology } from './topology.js';

/** What a subscription follows: channels, patterns or sharded channels. */
export type SubscriptionKind = 'channel' | 'pattern' | 'sharded';

/** A message as both faces deliver it. */
export interface PubsubMessage {
  /** `message` (a channel's), `pmessage` (a pattern's) or `smessage` (a sharded channel's). */
  kind: 'message' | 'pmessage' | 'smessage';
  /** The channel it was published on. */
  channel: string;
  /** The pattern that matched (pmessage only). */
  pattern?: string;
  /** What was published. */
  message: string;
}

/** What the subscriptions tell their engine's face. */
export interface PubsubListener {
  /** A message; `pattern` for a pmessage only. Positional: no object per message unless a face keeps one. */
  message(kind: PubsubMessage['kind'], channel: string, message: string, pattern: string | undefined): void;
  /** A subscription is confirmed by the server (`count`: subscriptions of the context of that kind). */
  confirmed?(kind: SubscriptionKind, name: string, count: number): void;
}

/** A link that failed is tried again after this long (its node's slots may be moving meanwhile). */
const RETRY_MS = 100;

/** The server's commands and replies, per kind. */
const COMMANDS: Readonly<Record<SubscriptionKind, { on: string; off: string }>> = {
  channel: { on: 'subscribe', off: 'unsubscribe' },
  pattern: { on: 'psubscribe', off: 'punsubscribe' },
  sharded: { on: 'ssubscribe', off: 'sunsubscribe' },
};
const KIND_OF_REPLY: Readonly<Record<string, SubscriptionKind>> = {
  subscribe: 'channel',
  unsubscribe: 'channel',
  psubscribe: 'pattern',
  punsubscribe: 'pattern',
  ssubscribe: 'sharded',
  sunsubscribe: 'sharded',
};

/** One subscription the user asked for. */
class Wanted {
  /** Told once when every link it is placed on has confirmed it (or with the reason it never will). */
  waiters: ((err: ClusterError | null) => void)[] = [];

  constructor(
    readonly kind: SubscriptionKind,
    readonly name: string,
    /** On every primary (keyspace notifications), not on one node. */
    readonly everyPrimary: boolean,
    /** A sharded channel's slot; -1 otherwise. */
    readonly slot: number,
  ) {}

  settle(err: ClusterError | null): void {
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.waiters = [];
    for (const waiter of waiters) waiter(err);
  }
}

/** A command sent on a subscriber link, waiting for its confirmations (or its one error). */
interface Sent {
  reply: string;
  names: string[];
  remaining: number;
}

/** The subscriber link to one node and what is placed on it: per kind, name -> confirmed yet. */
class SubscriberLink {
  readonly placed: Record<SubscriptionKind, Map<string, boolean>> = {
    channel: new Map(),
    pattern: new Map(),
    sharded: new Map(),
  };
  readonly sent: Sent[] = [];
  /** When the link last failed (adapter time); it is not chosen to host channels for a while. */
  failedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly addr: string,
    public link: Connection | null,
  ) {}

  get empty(): boolean {
    return this.placed.channel.size + this.placed.pattern.size + this.placed.sharded.size === 0;
  }
}

export class Subscriptions implements ConnectionEvents {
  private readonly wanted: Record<SubscriptionKind, Map<string, Wanted>> = {
    channel: new Map(),
    pattern: new Map(),
    sharded: new Map(),
  };
  /** Subscriber links by node address. */
  private readonly links = new Map<string, SubscriberLink>();
  /** The node hosting the classic channels and patterns (not the every-primary ones), or ''. */
  private host = '';
  private reconcileScheduled = false;
  private retryTimer: TimerHandle | null = null;
  private closed = false;
  private readonly frame: PubsubFrame = { kind: 0, name: '', a: '', b: '', c: '' };
  private readonly reconcileNow = () => {
    this.reconcileScheduled = false;
    this.reconcile();
  };

  constructor(
    private readonly topology: Topology,
    private readonly adapter: EventLoopAdapter,
    private readonly listener: PubsubListener,
  ) {}

  /** Subscriptions wanted now, all kinds together. */
  get count(): number {
    return this.wanted.channel.size + this.wanted.pattern.size + this.wanted.sharded.size;
  }

  /** Subscriber links open. */
  get linkCount(): number {
    let open = 0;
    for (const sub of this.links.values()) if (sub.link?.usable) open++;
    return open;
  }

  /**
   * Subscribes to `names` (checked by the caller: at least one); `done` is told once every one is
   * confirmed where it is placed, or why it will not be (the context closed, the server refused).
   */
  subscribe(
    kind: SubscriptionKind,
    names: readonly string[],
    everyPrimary: boolean,
    done: (err: ClusterError | null) => void,
  ): void {
    if (this.closed) {
      done(clusterClosing());
      return;
    }
    const map = this.wanted[kind];
    let waiting = 0;
    let failure: ClusterError | null = null;
    const one = (err: ClusterError | null) => {
      failure ??= err;
      if (--waiting === 0) done(failure);
    };
    const entries: Wanted[] = [];
    for (const name of names) {
      let wanted = map.get(name);
      if (wanted === undefined) {
        wanted = new Wanted(kind, name, everyPrimary, kind === 'sharded' ? keySlot(name) : -1);
        map.set(name, wanted);
      } else if (this.isConfirmed(wanted)) continue;
      if (!entries.includes(wanted)) entries.push(wanted);
    }
    waiting = entries.length;
    if (waiting === 0) {
      done(null);
      return;
    }
    for (const wanted of entries) wanted.waiters.push(one);
    this.scheduleReconcile();
  }

  /** Leaves `names` (null: every subscription of `kind`); their messages stop at once. */
  unsubscribe(kind: SubscriptionKind, names: readonly string[] | null): void {
    const map = this.wanted[kind];
    for (const name of names ?? [...map.keys()]) {
      const wanted = map.get(name);
      if (wanted === undefined) continue;
      map.delete(name);
      wanted.settle(null);
    }
    this.reconcile();
  }

  /** Names subscribed of `kind`. */
  names(kind: SubscriptionKind): string[] {
    return [...this.wanted[kind].keys()];
  }

  /** Which kind `name` is already wanted as on the other placement (one node vs every primary), or null. */
  conflict(kind: SubscriptionKind, name: string, everyPrimary: boolean): boolean {
    const wanted = this.wanted[kind].get(name);
    return wanted !== undefined && wanted.everyPrimary !== everyPrimary;
  }

  /** A new slot map: places follow it. */
  mapChanged(): void {
    if (this.count > 0 || this.links.size > 0) this.scheduleReconcile();
  }

  /** Ends every subscription (their waiters hear `err`) and closes the subscriber links. */
  close(err: ClusterError = clusterClosing()): void {
    for (const map of Object.values(this.wanted)) {
      for (const wanted of map.values()) wanted.settle(err);
      map.clear();
    }
    if (this.retryTimer !== null) this.adapter.clearTimer(this.retryTimer);
    this.retryTimer = null;
    for (const sub of [...this.links.values()]) this.drop(sub);
    this.host = '';
  }

  /** Takes subscriptions again after close (a context opened again). */
  open(): void {
    this.closed = false;
  }

  /** Refuses new subscriptions (the context is closing) and ends the current ones. */
  shutdown(err?: ClusterError): void {
    this.closed = true;
    this.close(err);
  }

  onConnect(): void {}

  onClose(link: Connection, err: ClusterError | null): void {
    const sub = this.links.get(link.addr);
    if (sub === undefined || sub.link !== link) return;
    sub.link = null;
    for (const placed of Object.values(sub.placed)) placed.clear();
    sub.sent.length = 0;
    if (this.closed) return;
    if (err !== null) {
      sub.failedAt = this.adapter.now();
      // A node that fails may have left or handed its slots over: ask for the map, try again soon.
      this.topology.throttledUpdate();
      this.retrySoon();
    }
    this.reconcile();
  }

  onPush(link: Connection, buf: Uint8Array, start: number, end: number): void {
    const sub = this.links.get(link.addr);
    if (sub === undefined || sub.link !== link) return;
    const frame = readPubsubFrame(buf, start, end, this.frame);
    switch (frame.kind) {
      case SMESSAGE:
        if (sub.placed.sharded.has(frame.a)) this.listener.message('smessage', frame.a, frame.b, undefined);
        return;
      case MESSAGE:
        if (sub.placed.channel.has(frame.a)) this.listener.message('message', frame.a, frame.b, undefined);
        return;
      case PMESSAGE:
        if (sub.placed.pattern.has(frame.a)) this.listener.message('pmessage', frame.b, frame.c, frame.a);
        return;
      case ERROR:
        this.refused(sub, frame.a);
        return;
      default: {
        const kind = KIND_OF_REPLY[frame.name];
        if (kind !== undefined) this.confirmation(sub, kind, frame.name, frame.a);
      }
    }
  }

  /** A confirmation of ours, or the server's own unsubscribe (a sharded channel's slot moved away). */
  private confirmation(sub: SubscriberLink, kind: SubscriptionKind, reply: string, name: string): void {
    const head = sub.sent[0];
    const ours = head !== undefined && head.reply === reply;
    if (ours && --head.remaining === 0) sub.sent.shift();
    const placed = sub.placed[kind];
    if (reply === COMMANDS[kind].on) {
      if (!placed.has(name)) return;
      placed.set(name, true);
      const wanted = this.wanted[kind].get(name);
      if (wanted !== undefined && wanted.waiters.length > 0 && this.isConfirmed(wanted)) {
        wanted.settle(null);
        this.listener.confirmed?.(kind, name, this.wanted[kind].size);
      }
      return;
    }
    // An unsubscribe for a name still placed here was not asked for: the server dropped it.
    if (!placed.delete(name)) return;
    if (kind === 'sharded') this.topology.update();
    this.scheduleReconcile();
  }

  /** An error frame answers the oldest command still waiting on the link. */
  private refused(sub: SubscriberLink, text: string): void {
    const sent = sub.sent.shift();
    if (sent === undefined) return;
    const kind = KIND_OF_REPLY[sent.reply]!;
    const placed = sub.placed[kind];
    let redirect = null;
    try {
      redirect = parseRedirect(text, sub.link?.host ?? '');
    } catch {}
    for (const name of sent.names) placed.delete(name);
    if (redirect?.kind === 'MOVED') {
      this.topology.patch(redirect.slot, this.topology.entry(redirect.host, redirect.port, false));
      this.topology.throttledUpdate();
      this.scheduleReconcile();
      return;
    }
    if (redirect !== null) {
      this.retrySoon();
      return;
    }
    // Refused for good (an ACL, an old server): those subscriptions end with the server's words.
    const err = new ClusterError(REDIS_ERR_OTHER, text, sub.addr);
    for (const name of sent.names) {
      const wanted = this.wanted[kind].get(name);
      if (wanted === undefined) continue;
      this.wanted[kind].delete(name);
      wanted.settle(err);
    }
    this.reconcile();
  }

  /** True once every link `wanted` should be on has confirmed it. */
  private isConfirmed(wanted: Wanted): boolean {
    let any = false;
    for (const sub of this.links.values()) {
      const state = sub.placed[wanted.kind].get(wanted.name);
      if (state === false) return false;
      if (state === true) any = true;
    }
    return any;
  }

  private scheduleReconcile(): void {
    if (this.reconcileScheduled) return;
    this.reconcileScheduled = true;
    this.adapter.defer(this.reconcileNow);
  }

  private retrySoon(): void {
    if (this.retryTimer !== null || this.closed) return;
    this.retryTimer = this.adapter.setTimer(RETRY_MS, () => {
      this.retryTimer = null;
      this.reconcile();
    });
  }

  /** Places every wanted subscription where it belongs now, and takes it off where it no longer does. */
  private reconcile(): void {
    if (this.closed) return;
    const target = new Map<string, Record<SubscriptionKind, string[]>>();
    const want = (addr: string, kind: SubscriptionKind, name: string) => {
      let per = target.get(addr);
      if (per === undefined) {
        per = { channel: [], pattern: [], sharded: [] };
        target.set(addr, per);
      }
      per[kind].push(name);
    };
    const map = this.topology.map;
    let needMap = false;
    const primaries = map === null ? [] : map.nodes.filter((node) => node.slots.length > 0);
    for (const kind of ['channel', 'pattern'] as const) {
      for (const wanted of this.wanted[kind].values()) {
        if (wanted.everyPrimary) {
          if (map === null) needMap = true;
          for (const node of primaries) want(this.entryOf(node.host, node.port).addr, kind, wanted.name);
        } else {
          const host = this.classicHost();
          if (host === '') needMap = true;
          else want(host, kind, wanted.name);
        }
      }
    }
    for (const wanted of this.wanted.sharded.values()) {
      const owner = map === null ? undefined : this.topology.ownerOf(wanted.slot);
      if (owner === undefined) needMap = true;
      else want(owner.addr, 'sharded', wanted.name);
    }
    if (needMap) this.topology.throttledUpdate();
    for (const sub of [...this.links.values()]) {
      if (!target.has(sub.addr)) this.drop(sub);
    }
    for (const [addr, per] of target) this.place(addr, per);
  }

  /** The node for classic subscriptions: the current one while it serves, else another that has not failed. */
  private classicHost(): string {
    const current = this.links.get(this.host);
    const known = [...this.topology.entries.values()];
    const stays =
      this.host !== '' &&
      this.topology.entries.has(this.host) &&
      (current === undefined || !this.failedRecently(current));
    if (stays) return this.host;
    // A node with a command link open first (it answers), then any the map names that has not failed lately.
    const ok = (entry: NodeEntry) => {
      const sub = this.links.get(entry.addr);
      return sub === undefined || !this.failedRecently(sub);
    };
    const chosen =
      known.find((entry) => ok(entry) && entry.link?.isConnected === true) ?? known.find(ok) ?? known[0];
    this.host = chosen?.addr ?? '';
    return this.host;
  }

  private failedRecently(sub: SubscriberLink): boolean {
    return sub.link === null && this.adapter.now() - sub.failedAt < 10 * RETRY_MS;
  }

  private entryOf(host: string, port: number): NodeEntry {
    return this.topology.entry(host, port, true);
  }

  /** Brings the link to `addr` to hold exactly `per`: subscribes what is missing, unsubscribes the rest. */
  private place(addr: string, per: Record<SubscriptionKind, string[]>): void {
    let sub = this.links.get(addr);
    if (sub === undefined) {
      sub = new SubscriberLink(addr, null);
      this.links.set(addr, sub);
    }
    if (sub.link === null || !sub.link.usable) {
      // A link that failed a moment ago waits for the retry timer.
      if (this.adapter.now() - sub.failedAt < RETRY_MS) {
        this.retrySoon();
        return;
      }
      const entry = this.topology.entries.get(addr);
      if (entry === undefined) return;
      const link = this.topology.connect(entry.host, entry.port, this);
      link.subscriber = true;
      sub.link = link;
      for (const placed of Object.values(sub.placed)) placed.clear();
      sub.sent.length = 0;
    }
    const link = sub.link;
    for (const kind of ['channel', 'pattern', 'sharded'] as const) {
      const placed = sub.placed[kind];
      const names = per[kind];
      const keep = new Set(names);
      const off: string[] = [];
      for (const name of placed.keys()) if (!keep.has(name)) off.push(name);
      const on = names.filter((name) => !placed.has(name));
      const { on: subscribe, off: unsubscribe } = COMMANDS[kind];
      if (off.length > 0) {
        for (const name of off) placed.delete(name);
        // One channel per sharded command: channels of different slots in one command are a CROSSSLOT.
        for (const group of kind === 'sharded' ? off.map((name) => [name]) : [off])
          this.send(sub, link, unsubscribe, group);
      }
      if (on.length > 0) {
        for (const name of on) placed.set(name, false);
        for (const group of kind === 'sharded' ? on.map((name) => [name]) : [on])
          this.send(sub, link, subscribe, group);
      }
    }
  }

  private send(sub: SubscriberLink, link: Connection, command: string, names: string[]): void {
    sub.sent.push({ reply: command, names, remaining: names.length });
    link.sendUnanswered([command.toUpperCase(), ...names]);
  }

  /** Closes the subscriber link `sub` (nothing wanted on its node any more, or the context closes). */
  private drop(sub: SubscriberLink): void {
    this.links.delete(sub.addr);
    const link = sub.link;
    sub.link = null;
    link?.destroy(null);
  }
}
