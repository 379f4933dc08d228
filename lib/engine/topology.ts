/**
 * Which node to ask and what each slot maps to: the node entries (one link each, created on first
 * use), the routing table, and slot-map updates — throttled, one at a time, each request bounded by the
 * update timeout (slotmap-request.ts), applied by address so that links survive an update and links to
 * nodes that left are closed.
 */
import type { EventLoopAdapter } from '../../adapters/adapter.js';
import { createNode } from '../cluster/cluster-node.js';
import { SLOT_COUNT } from '../cluster/keyslot.js';
import type { ClusterNode, SlotMap } from '../cluster/slotmap.js';
import { ClusterError, clusterClosing, nodeLeftCluster, otherError, REDIS_ERR_OTHER } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { mappedAddress, mappedNode } from './address-map.js';
import { Connection, type ConnectionEvents } from './connection.js';
import type { Lender } from './lending.js';
import { DedicatedLinks, type LeaseWaiter } from './links.js';
import { ReadRouting, type Shard } from './read-routing.js';
import { RttProbe } from './rtt-probe.js';
import { askOnTemporaryLink, SlotmapRequest } from './slotmap-request.js';

/** hiredis-cluster's SLOTMAP_UPDATE_THROTTLE_USEC: at most one throttled update a second. */
export const UPDATE_THROTTLE_MS = 1000;
/** A node whose last connect attempt is this recent is not chosen to ask for the slot map. */
const RECONNECT_PAUSE_MS = 1000;
/** Failed updates retried at once in a row before waiting for the next trigger (bounds #252's spin). */
const IMMEDIATE_RETRIES = 8;

/** One known node and its link. */
export interface NodeEntry {
  readonly addr: string;
  readonly host: string;
  readonly port: number;
  node: ClusterNode;
  /** The shared command link. */
  link: Connection | null;
  /** Links one user holds alone (blocking commands, WATCH sessions). */
  readonly dedicated: DedicatedLinks;
  lastConnectAttempt: number;
  /** When its command link last failed (adapter clock), -Infinity if never: reads pass it over a while. */
  failedAt: number;
}

/** What the topology tells its owner. */
export interface TopologyEvents {
  slotmapUpdated(version: number): void;
  ready(): void;
  updateFailed(err: ClusterError): void;
  nodeAdded(node: ClusterNode): void;
  nodeRemoved(node: ClusterNode): void;
  /** `dedicated`: one of a node's dedicated links, not its command link. */
  linkConnected(link: Connection, dedicated: boolean): void;
  linkClosed(link: Connection, err: ClusterError | null, connected: boolean, dedicated: boolean): void;
  push(link: Connection, buf: Uint8Array, start: number, end: number): void;
}

/** The rules a topology asks for (a part of the engine's policy, policy.ts). */
export interface TopologyPolicy {
  /** The failure of a connect that timed out; null keeps the transport's. */
  readonly connectTimeoutError: ClusterError | null;
  /** A slot-map update failed. */
  updateFailed(topology: Topology): void;
  /**
   * The server closed a node's command link while nothing was pending on it: true leaves the closed link in
   * place, so the next command written on it fails with the close (hiredis' sync API); false forgets it,
   * so the next command opens a new link.
   */
  keepsIdleClose(): boolean;
  /** Past maxDedicatedLinks, a lease waits for a returned link (true) or fails at once (see SyncPolicy). */
  readonly leaseWaits: boolean;
}

const NO_NODE = () => otherError('no valid server address');

export class Topology implements ConnectionEvents {
  /** Nodes by 'host:port', in insertion order (hiredis' dict order in every test). */
  entries = new Map<string, NodeEntry>();
  map: SlotMap | null = null;
  version = 0;
  /** Set by disconnect/free: no updates, no new links. */
  shutdown = false;
  /**
   * The routing table: per slot, 1 + the index of its shard in `shards`, 0 when unserved. A typed
   * array: a JS array of 16384 references is a large object to V8 (over 1 ms to allocate).
   */
  private route = new Uint16Array(SLOT_COUNT);
  private shards: Shard[] = [];
  /** Where reads go (readFrom). */
  private readonly reads: ReadRouting;
  /** Times each link's round trip for readFrom 'nearest'; null otherwise. */
  private readonly probe: RttProbe | null;
  /** +1 whenever `route` changes (an applied map, a MOVED patch). */
  routeVersion = 0;
  /** The update request on a command link under way (single flight). */
  private request: SlotmapRequest | null = null;
  /** The blocking-style update under way (single flight). */
  private blockingUpdate: Promise<void> | null = null;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  /** Nodes asked since the last update that was not a retry: did each answer? The last asked; the retries. */
  private readonly asked = new Map<string, boolean>();
  private askedLast = '';
  private retries = 0;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly adapter: EventLoopAdapter,
    private readonly events: TopologyEvents,
    private readonly policy: TopologyPolicy,
    /** Lends idle command links to another thread (the blocking context's direct calls), or null. */
    private readonly lender: Lender | null = null,
  ) {
    this.reads = new ReadRouting(options.readFrom, adapter.now.bind(adapter), (entry) => this.linkOf(entry));
    this.probe =
      options.readFrom.mode === 'nearest' ? new RttProbe(adapter, () => this.entries.values()) : null;
    for (const seed of options.seeds) this.entry(seed.host, seed.port, false);
  }

  /** True while an update is on the way. */
  get isUpdating(): boolean {
    return this.request !== null || this.blockingUpdate !== null;
  }

  /** +1 for each update started: tells an update begun during a call from one begun before it. */
  updatesStarted = 0;

  /** The entry serving `slot`, or undefined. */
  ownerOf(slot: number): NodeEntry | undefined {
    const index = this.route[slot]!;
    return index === 0 ? undefined : this.shards[index - 1]!.primary;
  }

  /** The entry a command for `slot` goes to: the owner, or for a read the node readFrom picks. */
  targetOf(slot: number, readOnly: boolean): NodeEntry | undefined {
    const index = this.route[slot]!;
    if (index === 0) return undefined;
    const shard = this.shards[index - 1]!;
    return readOnly ? this.reads.reader(shard) : shard.primary;
  }

  /** The entry for an address (mapped through `addressMap` unless `mapped`), created when new. */
  entry(host: string, port: number, mapped: boolean): NodeEntry {
    const address = mapped ? { host, port } : mappedAddress(this.options.addressMap, { host, port });
    const addr = `${address.host}:${address.port}`;
    let entry = this.entries.get(addr);
    if (entry === undefined) {
      const node = createNode('', address.host, address.port, 'master');
      entry = {
        addr,
        host: address.host,
        port: address.port,
        node,
        link: null,
        dedicated: this.dedicatedLinks(address.host, address.port),
        lastConnectAttempt: -Infinity,
        failedAt: -Infinity,
      };
      this.entries.set(addr, entry);
    }
    return entry;
  }

  /** Points `slot` at `entry` until the next update (after MOVED). */
  patch(slot: number, entry: NodeEntry): void {
    let index = this.shards.findIndex((shard) => shard.primary === entry);
    if (index < 0) index = this.shards.push({ primary: entry, replicas: [], next: 0 }) - 1;
    this.route[slot] = index + 1;
    this.routeVersion++;
  }

  /** Per slot, 1 + the index of its node's address in `owners`, 0 when unserved; read-only views. */
  routeTable(): { slots: Uint16Array; owners: string[] } {
    return { slots: this.route, owners: this.shards.map((shard) => shard.primary.addr) };
  }

  /**
   * The entry's usable link, connecting a new one when needed; a closed link the policy kept in place is
   * handed out once, for the write that discovers the close.
   */
  linkOf(entry: NodeEntry): Connection {
    entry.link?.wake(!this.policy.keepsIdleClose());
    const link = entry.link;
    if (link?.usable) return link;
    if (link?.closedIdle) {
      entry.link = null;
      return link;
    }
    entry.lastConnectAttempt = this.adapter.now();
    const fresh = this.connect(entry.host, entry.port, this, this.lender);
    entry.link = fresh;
    return fresh;
  }

  /** Closes every link: gracefully (replies still come) or at once (pending callbacks get `err`). */
  closeLinks(graceful: boolean, err: ClusterError | null): void {
    this.probe?.stop();
    for (const entry of this.entries.values()) {
      entry.dedicated.closeAll(graceful, err, err ?? clusterClosing());
      const link = entry.link;
      if (link === null) continue;
      if (graceful) link.end();
      else link.destroy(err);
    }
  }

  /** Hands `waiter` a dedicated link to `entry`'s node (see DedicatedLinks). */
  lease(entry: NodeEntry, waiter: LeaseWaiter): void {
    if (this.shutdown) waiter.leaseFailed(clusterClosing());
    else entry.dedicated.lease(waiter, this.policy.leaseWaits, entry.addr);
  }

  /** Gives a dedicated link back to its node's pool (closed when its node left the map). */
  release(link: Connection): void {
    const entry = this.entries.get(link.addr);
    if (entry?.dedicated.has(link)) entry.dedicated.release(link);
    else link.destroy(null);
  }

  /** Starts an update unless one runs or the last began less than a second ago (async policy). */
  throttledUpdate(via?: Connection): void {
    if (this.request !== null || this.adapter.now() - this.lastAttempt < UPDATE_THROTTLE_MS) return;
    this.update(via);
  }

  /** Whether update() (or, `throttled`, throttledUpdate()) would start one now. */
  wouldUpdate(throttled: boolean): boolean {
    if (this.shutdown || this.isUpdating) return false;
    return !throttled || this.adapter.now() - this.lastAttempt >= UPDATE_THROTTLE_MS;
  }

  /** Starts an update now on `via` (or a chosen node), unless one runs already. */
  update(via?: Connection): void {
    if (this.shutdown || this.isUpdating) return;
    this.asked.clear();
    this.retries = 0;
    if (via?.usable) {
      this.ask(via);
      return;
    }
    const entry = this.selectNode(() => true);
    if (entry !== undefined) {
      this.ask(this.linkOf(entry));
      return;
    }
    // An attempt that finds no node to ask counts for the throttle too (hiredis-cluster sets
    // lastSlotmapUpdateAttempt on this path); else every failed command reports another failure.
    this.lastAttempt = this.adapter.now();
    this.events.updateFailed(NO_NODE());
  }

  /**
   * hiredis-cluster #252: after a failed update, another at once (a bounded number in a row) — through a
   * node not asked since the last update that was not a retry, else one that answered other than the last
   * asked, else the last asked if it answered. A node that did not answer is not asked again: one
   * `connect()` waits out a silent node once.
   */
  retryUpdate(): void {
    if (this.shutdown || this.isUpdating || ++this.retries > IMMEDIATE_RETRIES) return;
    const answered = (entry: NodeEntry) => this.asked.get(entry.addr) === true;
    const entry =
      this.selectNode((e) => !this.asked.has(e.addr)) ??
      this.selectNode((e) => answered(e) && e.addr !== this.askedLast) ??
      this.selectNode(answered);
    if (entry !== undefined) this.ask(this.linkOf(entry));
  }

  /** Sends the update request on `link`. */
  private ask(link: Connection): void {
    this.updatesStarted++;
    this.asked.set(link.addr, false);
    this.askedLast = link.addr;
    this.lastAttempt = this.adapter.now();
    const request: SlotmapRequest = new SlotmapRequest(this.adapter, this.options, (done, map, err) => {
      if (request.answered) this.asked.set(done.addr, true);
      this.finishUpdate(map, err);
    });
    this.request = request;
    request.sendOn(link);
  }

  /**
   * hiredis' blocking update (`redisClusterConnect2` / `redisClusterUpdateSlotmap`): asks each node in
   * turn on a new temporary link that is closed right after the reply; stops at the first success.
   */
  updateWithTemporaryLinks(): Promise<void> {
    if (this.blockingUpdate === null) {
      this.updatesStarted++;
      this.blockingUpdate = this.askEachNode().finally(() => {
        this.blockingUpdate = null;
      });
    }
    return this.blockingUpdate;
  }

  private async askEachNode(): Promise<void> {
    if (this.entries.size === 0) throw otherError('servers address does not set up');
    let last: ClusterError = NO_NODE();
    for (const entry of [...this.entries.values()]) {
      if (this.shutdown) break;
      try {
        const open = (events: ConnectionEvents) => this.connect(entry.host, entry.port, events);
        this.apply(await askOnTemporaryLink(this.adapter, this.options, open));
        return;
      } catch (err) {
        last = err instanceof ClusterError ? err : new ClusterError(REDIS_ERR_OTHER, String(err));
      }
    }
    throw last;
  }

  /** Installs a new slot map: entries move by address, links to nodes that left are closed. */
  apply(map: SlotMap): void {
    const previous = this.entries;
    const entries = new Map<string, NodeEntry>();
    const route = new Uint16Array(SLOT_COUNT);
    const shards: Shard[] = [];
    const added: ClusterNode[] = [];
    const carried = (node: ClusterNode): NodeEntry => {
      // One entry per address, even when a map names a node twice (a primary of some slots and a replica,
      // as while a failover is being learned): a second entry would keep a link that closing never reaches.
      const listed = entries.get(node.addr);
      if (listed !== undefined) return listed;
      const old = previous.get(node.addr);
      const entry: NodeEntry = {
        addr: node.addr,
        host: node.host,
        port: node.port,
        node,
        link: old?.link ?? null,
        dedicated: old?.dedicated ?? this.dedicatedLinks(node.host, node.port),
        lastConnectAttempt: old?.lastConnectAttempt ?? -Infinity,
        failedAt: old?.failedAt ?? -Infinity,
      };
      entries.set(node.addr, entry);
      return entry;
    };
    for (const original of map.nodes) {
      const node = mappedNode(this.options.addressMap, original);
      const old = previous.get(node.addr);
      const entry = carried(node);
      if (old === undefined || old.node.name === '') added.push(node);
      // Replicas get entries (and links) only when reads may go to them.
      const replicas = this.reads.toReplicas ? node.replicas.map(carried) : [];
      if (node.slots.length === 0) continue;
      shards.push({ primary: entry, replicas, next: 0 });
      for (const [start, end] of node.slots) route.fill(shards.length, start, end + 1);
    }
    this.entries = entries;
    this.route = route;
    this.shards = shards;
    this.routeVersion++;
    this.map = map;
    map.version = ++this.version;
    for (const old of previous.values()) {
      if (entries.has(old.addr)) continue;
      old.link?.destroy(null);
      old.dedicated.closeAll(false, null, nodeLeftCluster(old.addr, REDIS_ERR_OTHER));
      if (old.node.name !== '' && old.node.role === 'master') this.events.nodeRemoved(old.node);
    }
    for (const node of added) this.events.nodeAdded(node);
    this.probe?.start();
    this.events.slotmapUpdated(this.version);
    if (this.version === 1) this.events.ready();
  }

  /** How an update request ended: its map applied, or its failure reported (the policy may retry). */
  private finishUpdate(map: SlotMap | null, err: ClusterError | null): void {
    this.request = null;
    let failure = err;
    if (map !== null) {
      try {
        this.apply(map);
        return;
      } catch (applyErr) {
        failure = applyErr instanceof ClusterError ? applyErr : otherError(String(applyErr));
      }
    }
    if (this.shutdown || failure === null) return;
    this.events.updateFailed(failure);
    this.policy.updateFailed(this);
  }

  /** hiredis' selectNode among the `eligible` nodes: from a random index, a connected node, else one not tried for a second. */
  private selectNode(eligible: (entry: NodeEntry) => boolean): NodeEntry | undefined {
    const list = [...this.entries.values()].filter(eligible);
    const count = list.length;
    if (count === 0) return undefined;
    const start = Math.floor(this.options.random() * count) % count;
    for (let i = 0; i < count; i++) {
      const entry = list[(start + i) % count]!;
      if (entry.link?.isConnected) return entry;
    }
    const now = this.adapter.now();
    for (let i = 0; i < count; i++) {
      const entry = list[(start + i) % count]!;
      if (now - entry.lastConnectAttempt >= RECONNECT_PAUSE_MS) return entry;
    }
    return undefined;
  }

  private dedicatedLinks(host: string, port: number): DedicatedLinks {
    return new DedicatedLinks(this.options.maxDedicatedLinks, () => this.connect(host, port, this));
  }

  /** A new link with the context's settings. */
  connect(host: string, port: number, events: ConnectionEvents, lender: Lender | null = null): Connection {
    const o = this.options;
    return new Connection(
      this.adapter,
      {
        host,
        port,
        tls: o.tls,
        connectTimeout: o.connectTimeout,
        commandTimeout: o.commandTimeout,
        username: o.username,
        password: o.password,
        resp: o.resp,
        selectDb: o.selectDb,
        limits: o.limits,
        connectTimeoutError: this.policy.connectTimeoutError,
        readOnly: o.readFrom.mode !== 'primary',
        askZone: o.readFrom.mode === 'az',
      },
      events,
      lender,
    );
  }

  onConnect(link: Connection): void {
    this.request?.connected(link);
    this.events.linkConnected(link, this.entries.get(link.addr)?.dedicated.has(link) ?? false);
  }

  onClose(link: Connection, err: ClusterError | null, connected: boolean): void {
    const entry = this.entries.get(link.addr);
    const dedicated = entry?.dedicated.has(link) ?? false;
    if (entry !== undefined && entry.link === link) {
      if (err !== null && !link.closedIdle) entry.failedAt = this.adapter.now();
      if (!link.closedIdle || !this.policy.keepsIdleClose()) entry.link = null;
    } else entry?.dedicated.closed(link);
    this.events.linkClosed(link, err, connected, dedicated);
  }

  onPush(link: Connection, buf: Uint8Array, start: number, end: number): void {
    this.events.push(link, buf, start, end);
  }
}
