/**
 * The engine as a face sees it: the slot map and its updates (Topology), the dispatcher, batches, and one
 * policy — hiredis-cluster's async or sync rules — behind a few calls. A face translates calls and results;
 * it never reaches past this class.
 */
import type { EventLoopAdapter } from '../../adapters/adapter.js';
import { blockingDeadline, NOT_BLOCKING } from '../cluster/blocking-commands.js';
import type { Route } from '../cluster/route.js';
import type { ClusterNode, SlotMap } from '../cluster/slotmap.js';
import { ClusterError, otherError, slotmapNotAvailable, slotNotServed } from '../errors.js';
import type { EngineEvent, NodeLinks, RefreshReason } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { CommandArg } from '../resp/encode.js';
import type { ReplyBuilder } from '../resp/reply-builder.js';
import { BackgroundRefresh } from './background-refresh.js';
import { Batches, type BatchItem, type BatchSink } from './batch.js';
import { Command, NO_SLOT } from './command.js';
import type { Connection } from './connection.js';
import { Dispatcher } from './dispatch.js';
import type { Adopted, Lender } from './lending.js';
import type { Policy } from './policy.js';
import { Session } from './session.js';
import { type PubsubListener, type SubscriptionKind, Subscriptions } from './subscriptions.js';
import { type NodeEntry, Topology, type TopologyEvents } from './topology.js';
import { type CommandOwner, SplitCommand, ValueOutcomes } from './value-outcomes.js';

/** What an engine tells its face. */
export interface EngineListener {
  event(event: EngineEvent): void;
  /** A RESP3 push frame from the link to `host:port`, valid only during the call. */
  push(buf: Uint8Array, start: number, end: number, host: string, port: number): void;
  /** A message of one of the context's subscriptions (a face without pub/sub leaves it out). */
  message?: PubsubListener['message'];
}

export class Engine {
  private readonly topology: Topology;
  private readonly dispatcher: Dispatcher;
  private readonly batches: Batches;
  /** Pub/sub: the subscriptions and their links. */
  readonly subscriptions: Subscriptions;
  /** Outcomes as values, for a face on this thread; null for a face that takes frames in batches. */
  private readonly values: ValueOutcomes | null;
  private readonly refresh: BackgroundRefresh;

  constructor(
    private readonly options: ResolvedOptions,
    adapter: EventLoopAdapter,
    private readonly policy: Policy,
    private readonly listener: EngineListener,
    owner: CommandOwner | null,
    /** Lends idle command links to another thread (the blocking context's direct calls), or null. */
    lender: Lender | null = null,
  ) {
    this.topology = new Topology(options, adapter, this.topologyEvents(), policy, lender);
    this.dispatcher = new Dispatcher(options, adapter, this.topology, policy, {
      refresh: () => this.refreshNow('failover-wait'),
      event: (event) => listener.event(event),
    });
    this.batches = new Batches(this.dispatcher, this.topology, policy, options, () => this.refresh.idle());
    this.refresh = new BackgroundRefresh(
      options.refreshInterval,
      adapter,
      (reason) => this.refreshNow(reason),
      () => this.batches.serving,
    );
    this.subscriptions = new Subscriptions(this.topology, adapter, {
      message: listener.message?.bind(listener) ?? (() => {}),
    });
    this.values = owner === null ? null : new ValueOutcomes(owner, options.replyBuilder, this.dispatcher);
  }

  /** The slot-map version: 0 before the first map, then +1 per update. */
  get version(): number {
    return this.topology.version;
  }

  /** Top-level commands waiting for their outcome. */
  get pending(): number {
    return this.dispatcher.pending;
  }

  /** True while a slot-map update is under way. */
  get isUpdating(): boolean {
    return this.topology.isUpdating;
  }

  /** True while an update is under way or owed to the next command: that command has to come through here. */
  get updateOwed(): boolean {
    return this.topology.isUpdating || this.policy.updateDue();
  }

  /** +1 whenever the slot → node route changes. */
  get routeVersion(): number {
    return this.topology.routeVersion;
  }

  /** The route: per slot, 1 + the index of its node's address in `owners`, 0 when unserved (read-only). */
  routeTable(): { slots: Uint16Array; owners: string[] } {
    return this.topology.routeTable();
  }

  /** Replies due on all links together (commands, updates, ASKING). */
  get repliesDue(): number {
    let due = 0;
    for (const entry of this.topology.entries.values()) due += entry.link?.pendingCount ?? 0;
    return due;
  }

  /** The links of every known node: its command link, its dedicated links and how many are held. */
  links(): NodeLinks[] {
    return [...this.topology.entries.values()].map((entry) => ({
      address: entry.addr,
      command: entry.link?.usable ?? false,
      ...entry.dedicated.counts,
    }));
  }

  /**
   * Every node the engine knows (the slot map's masters, the seeds before it, nodes named since), in order;
   * not the replicas readFrom reads from (they are in their masters' `replicas`).
   */
  nodes(): ClusterNode[] {
    const nodes: ClusterNode[] = [];
    for (const entry of this.topology.entries.values()) {
      if (entry.node.role === 'master') nodes.push(entry.node);
    }
    return nodes;
  }

  /** The slot map in use, or null before the first. */
  get slotMap(): SlotMap | null {
    return this.topology.map;
  }

  /** The node serving `slot`, or why there is none. */
  nodeOf(slot: number): ClusterNode | ClusterError {
    if (this.topology.map === null) return slotmapNotAvailable();
    return this.topology.ownerOf(slot)?.node ?? slotNotServed();
  }

  /** Starts a slot-map update on a command link (hiredis' async connect); its outcome comes as events. */
  update(): void {
    this.topology.update();
  }

  /** hiredis' blocking update: each node in turn on a temporary link, until one answers. */
  updateWithTemporaryLinks(): Promise<void> {
    return this.topology.updateWithTemporaryLinks();
  }

  /** Installs a slot map fetched elsewhere, as if an update had returned it. */
  install(map: SlotMap): void {
    this.topology.apply(map);
  }

  /**
   * Routes a command by its `route` (a split one as its parts); its outcome goes to the owner. A blocking
   * command runs on a dedicated link of its node (see blockingDeadline for its deadline); `timeoutMs` is
   * the command's own deadline on its link (-1: the command timeout); `builder` builds its reply in place
   * of the context's. Returns the refusal when it cannot be queued (the owner then hears nothing of it).
   */
  submit(
    argv: readonly CommandArg[],
    raw: Uint8Array | null,
    route: Route,
    fn: unknown,
    privdata: unknown,
    timeoutMs = -1,
    builder: ReplyBuilder | null = null,
  ): ClusterError | null {
    const values = this.owned();
    const refused = this.dispatcher.refusal('client closing');
    if (refused !== null) return refused;
    const plan = route.plan;
    if (plan === null) {
      const cmd = new Command(this.dispatcher, argv, raw, route.slot, false, values, 0, fn, privdata);
      cmd.builder = builder;
      this.deadline(cmd, route.blockMs, timeoutMs);
      cmd.readOnly = route.readOnly;
      const started = this.dispatcher.start(cmd);
      return started instanceof Promise ? null : started;
    }
    // hiredis refuses the whole command, sending nothing, when a part's slot has no owner.
    for (const part of plan.parts) {
      const place = this.dispatcher.place(part.slot, false, this.dispatcher.holdsRouted);
      if (place instanceof ClusterError) return place;
    }
    const top = new Command(this.dispatcher, argv, raw, NO_SLOT, false, values, 0, fn, privdata);
    top.builder = builder;
    const split = new SplitCommand(plan, top, values);
    this.dispatcher.pending++;
    for (let i = 0; i < plan.parts.length; i++) {
      const part = plan.parts[i]!;
      const cmd = new Command(
        this.dispatcher,
        part.argv,
        null,
        part.slot,
        false,
        split,
        i,
        undefined,
        undefined,
      );
      cmd.timeoutMs = timeoutMs;
      cmd.readOnly = route.readOnly;
      const started = this.dispatcher.start(cmd, false);
      if (started !== null && !(started instanceof Promise)) split.fail(cmd, started);
    }
    return null;
  }

  /**
   * Sends a transaction (MULTI, its commands, EXEC as one write: TransactionPlan) to the owner of `slot`,
   * or on `session`'s link; the owner gets EXEC's reply. A redirect met while it was queued sends the whole
   * transaction again, to the new node (not within a session). Returns the refusal, if any.
   */
  submitTransaction(
    bytes: Uint8Array,
    frames: number,
    slot: number,
    session: Session | null,
    fn: unknown,
    privdata: unknown,
  ): ClusterError | null {
    const values = this.owned();
    const refused = this.dispatcher.refusal('client closing');
    if (refused !== null) return refused;
    const cmd = new Command(this.dispatcher, null, bytes, slot, session !== null, values, 0, fn, privdata);
    cmd.frames = frames;
    if (session === null) {
      const started = this.dispatcher.start(cmd);
      return started instanceof Promise ? null : started;
    }
    cmd.session = session;
    this.dispatcher.startOn(cmd, session.entry);
    return null;
  }

  /**
   * Opens a WATCH session on the node serving `slot`: `opened` gets it once it holds a dedicated link, or
   * the reason it will not. Returns the refusal when it cannot start.
   */
  openSession(
    slot: number,
    opened: (session: Session | null, err: ClusterError | null) => void,
  ): ClusterError | null {
    const refused = this.dispatcher.refusal('client closing');
    if (refused !== null) return refused;
    const place = this.dispatcher.place(slot) ?? slotNotServed();
    if (place instanceof ClusterError) return place;
    const lease = (entry: NodeEntry) => {
      const session: Session = new Session(entry, this.topology, (err) =>
        opened(err === null ? session : null, err),
      );
      this.topology.lease(entry, session);
    };
    if (!(place instanceof Promise)) lease(place);
    else {
      void place.then(() => {
        const entry = this.topology.ownerOf(slot);
        if (entry === undefined) opened(null, slotNotServed());
        else lease(entry);
      });
    }
    return null;
  }

  /** A command on `session`'s link (no redirects, no retries). Returns the refusal, if any. */
  submitOnSession(
    session: Session,
    argv: readonly CommandArg[] | null,
    raw: Uint8Array | null,
    fn: unknown,
    privdata: unknown,
  ): ClusterError | null {
    return this.direct(() => session.entry, session, argv, raw, fn, privdata, 'client closing');
  }

  /** Ends a WATCH session: UNWATCH, and its link goes back to the pool (then `returned` is called). */
  closeSession(session: Session, returned?: () => void): void {
    session.close(returned);
  }

  /** Sends a command to the node at `host:port`: no redirects, no retries. Returns the refusal, if any. */
  submitToNode(
    host: string,
    port: number,
    argv: readonly CommandArg[] | null,
    raw: Uint8Array | null,
    fn: unknown,
    privdata: unknown,
  ): ClusterError | null {
    return this.direct(
      () => this.topology.entry(host, port, true),
      null,
      argv,
      raw,
      fn,
      privdata,
      'disconnecting',
    );
  }

  /**
   * Subscribes to `names` of `kind` (on every primary with `everyPrimary`); `done` is told once they are
   * confirmed, or why not. Returns the refusal when the context is closing, or when a name is subscribed
   * already on the other placement (one node / every primary: its messages would come twice).
   */
  subscribe(
    kind: SubscriptionKind,
    names: readonly string[],
    everyPrimary: boolean,
    done: (err: ClusterError | null) => void,
  ): ClusterError | null {
    const refused = this.dispatcher.refusal('client closing');
    if (refused !== null) return refused;
    for (const name of names) {
      if (this.subscriptions.conflict(kind, name, everyPrimary))
        return otherError(
          `${name} is already subscribed ${everyPrimary ? 'on one node' : 'on every primary'}: unsubscribe it first`,
        );
    }
    this.subscriptions.subscribe(kind, names, everyPrimary, done);
    return null;
  }

  /** PUBLISH on a node whose command link is open (any node hears it: the cluster broadcasts it). */
  publish(channel: CommandArg, message: CommandArg, fn: unknown, privdata: unknown): ClusterError | null {
    let target: NodeEntry | undefined;
    for (const entry of this.topology.entries.values()) {
      if (entry.link?.isConnected) {
        target = entry;
        break;
      }
    }
    target ??= this.topology.entries.values().next().value;
    if (target === undefined) return slotmapNotAvailable();
    const entry = target;
    return this.direct(
      () => entry,
      null,
      ['PUBLISH', channel, message],
      null,
      fn,
      privdata,
      'client closing',
    );
  }

  /** Serves one top-level blocking call's commands; outcomes go to `sink` (see Batches). */
  serveBatch(items: readonly BatchItem[], sink: BatchSink): Promise<void> {
    return this.batches.serve(items, sink);
  }

  /**
   * Serves a routed command its caller wrote itself on a lent link (`link`) and handed over with what it
   * met there: the command is adopted on that link, or routed afresh when none of it went out.
   */
  serveAdopted(item: BatchItem, link: Connection, adopted: Adopted, sink: BatchSink): Promise<void> {
    return this.batches.adopt(item, link, adopted, sink);
  }

  /** The caller gave up on the batch being served: its late outcomes are dropped. */
  abandonBatch(): void {
    this.batches.abandon();
  }

  /** Takes commands and updates again after close(true) (hiredis' connect on a disconnected context). */
  open(): void {
    this.dispatcher.closing = false;
    this.topology.shutdown = false;
    this.subscriptions.open();
  }

  /**
   * Stops taking commands and following redirects, and closes every link: gracefully (pending replies still
   * come) or at once, when every pending command and one waiting out a backoff fails with `err`.
   */
  close(graceful: boolean, err: ClusterError | null = null): void {
    this.dispatcher.closing = true;
    this.refresh.stop();
    this.topology.shutdown = true;
    this.subscriptions.shutdown(err ?? undefined);
    this.topology.closeLinks(graceful, err);
    if (!graceful) this.dispatcher.failWaiting(err ?? otherError('context closed'));
  }

  /** Drops every link, failing what is pending on them with `err` (hiredis' redisClusterReset). */
  dropLinks(err: ClusterError): void {
    this.topology.closeLinks(false, err);
  }

  /** A new command timeout (ms, 0 = none) for new and existing links, applied at once. */
  setCommandTimeout(ms: number): void {
    this.options.commandTimeout = ms;
    for (const entry of this.topology.entries.values()) {
      entry.link?.setCommandTimeout(ms);
      entry.dedicated.setCommandTimeout(ms);
    }
  }

  /** A command for one node (or a session's link): no redirects, no retries. Returns the refusal, if any. */
  private direct(
    entry: () => NodeEntry,
    session: Session | null,
    argv: readonly CommandArg[] | null,
    raw: Uint8Array | null,
    fn: unknown,
    privdata: unknown,
    closingMessage: string,
  ): ClusterError | null {
    const values = this.owned();
    const refused = this.dispatcher.refusal(closingMessage);
    if (refused !== null) return refused;
    const cmd = new Command(this.dispatcher, argv, raw, NO_SLOT, true, values, 0, fn, privdata);
    cmd.session = session;
    this.dispatcher.startOn(cmd, entry());
    return null;
  }

  /** Starts a background refresh (single flight; a closed engine starts none) and reports it. */
  private refreshNow(reason: RefreshReason): void {
    const throttled = reason === 'link-closed';
    if (!this.topology.wouldUpdate(throttled)) return;
    this.listener.event({ type: 'refresh', reason });
    if (throttled) this.topology.throttledUpdate();
    else this.topology.update();
  }

  /** A blocking command goes on a dedicated link with its own deadline; any other keeps `timeoutMs`. */
  private deadline(cmd: Command, blockMs: number, timeoutMs: number): void {
    if (blockMs === NOT_BLOCKING) cmd.timeoutMs = timeoutMs;
    else {
      cmd.dedicated = true;
      cmd.timeoutMs = blockingDeadline(blockMs, this.options.commandTimeout, timeoutMs);
    }
  }

  private owned(): ValueOutcomes {
    if (this.values === null) throw otherError('this engine serves batches only');
    return this.values;
  }

  private topologyEvents(): TopologyEvents {
    const listener = this.listener;
    const linkEvent = (
      type: 'connect-error' | 'disconnect',
      link: Connection,
      err: ClusterError | null,
      dedicated: boolean,
    ) => {
      listener.event({
        type,
        host: link.host,
        port: link.port,
        dedicated,
        code: err?.code ?? 0,
        message: err?.message ?? '',
      });
    };
    return {
      slotmapUpdated: (version) => {
        this.refresh.mapApplied();
        this.dispatcher.mapChanged();
        listener.event({ type: 'slotmap-updated', version, nodes: this.topology.map!.nodes });
        this.subscriptions.mapChanged();
        // Soon, not now: the map is applied inside a link's read, which may still lend that link.
        this.batches.settleSoon();
      },
      ready: () => listener.event({ type: 'ready' }),
      updateFailed: (err) => {
        listener.event({ type: 'update-error', code: err.code, message: err.message, address: err.address });
        // Held commands go again all the same: an owner that was only unreachable may be back, and the
        // next refresh may be a second away (no node to ask: each was tried within the last second).
        this.dispatcher.mapChanged();
        this.batches.settleSoon();
      },
      nodeAdded: (node) => listener.event({ type: 'node-added', node }),
      nodeRemoved: (node) => listener.event({ type: 'node-removed', node }),
      linkConnected: (link, dedicated) =>
        listener.event({ type: 'connect', host: link.host, port: link.port, dedicated }),
      linkClosed: (link, err, connected, dedicated) => {
        if (connected) linkEvent('disconnect', link, err, dedicated);
        else linkEvent('connect-error', link, err ?? otherError('connection closed'), dedicated);
        // A node's command link closed unasked: its node may have failed or left.
        if (err !== null && !dedicated && this.refresh.enabled) {
          this.refresh.request('link-closed');
        }
      },
      push: (link, buf, start, end) => listener.push(buf, start, end, link.host, link.port),
    };
  }
}
