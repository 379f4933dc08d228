/**
 * AsyncClusterContext: hiredis-cluster's `redisClusterAsyncContext` in JavaScript terms.
 * `command(fn, privdata, format, ...args)` queues a command and calls `fn(acc, reply, privdata)` once
 * with its reply; on failure `reply` is null and `acc.err`/`acc.errstr` describe it during the call.
 */
import { EventEmitter } from 'eventemitter3';
import type { EventLoopAdapter } from '../adapters/adapter.js';
import { NodeAdapter } from '../adapters/node.js';
import { withTimerWheel } from '../adapters/timer-wheel.js';
import { parseHostPort } from './cluster/address.js';
import { keySlot } from './cluster/keyslot.js';
import { type ClusterNode, SlotMap } from './cluster/slotmap.js';
import type { Connection } from './engine/connection.js';
import { type Command, type CommandOwner, Dispatcher } from './engine/dispatch.js';
import { routeOf } from './engine/route.js';
import { Topology, type TopologyEvents } from './engine/topology.js';
import { ClusterError, otherError, ReplyError } from './errors.js';
import {
  type ClusterEvents,
  HIRCLUSTER_EVENT_FREE_CONTEXT,
  HIRCLUSTER_EVENT_READY,
  HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
  type LinkAddress,
} from './events.js';
import { iterateNodes } from './node-iterator.js';
import { type ClusterOptions, type ResolvedOptions, resolveOptions, visibleOptions } from './options.js';
import { buildReply, plainReplies } from './resp/build.js';
import { type CommandArg, checkArgv, formatArgv } from './resp/encode.js';
import { parseCommand } from './resp/parse-command.js';
import { INSPECT, type InspectFunction, type InspectOptions, inspectAs } from './secrets.js';

/** hiredis' `redisClusterCallbackFn`: the reply (null on failure) and the caller's privdata. */
export type AsyncCallback<P = unknown> = (acc: AsyncClusterContext, reply: unknown, privdata: P) => void;
/** hiredis-style connect callback: status 0 (REDIS_OK) or -1 (REDIS_ERR). */
export type LinkCallback = (link: LinkAddress, status: number) => void;
/** hiredis-style event callback with HIRCLUSTER_EVENT_* numbers. */
export type EventCallback<P = unknown> = (acc: AsyncClusterContext, event: number, privdata: P) => void;

/** A node to send to: a node from `nodes()` or a "host:port" address. */
export type NodeRef = ClusterNode | string;

/** How `connect()` fetches the first slot map. */
export interface ConnectMode {
  /**
   * hiredis' blocking-style update (`redisClusterConnect2`): ask each seed in turn on a temporary link
   * that is closed after the reply. Default false: `redisClusterAsyncConnect2`, whose link is kept.
   */
  temporaryLink?: boolean;
}

const REDIS_OK = 0;
const REDIS_ERR = -1;

interface Resolvers {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

function settle(acc: AsyncClusterContext, reply: unknown, p: Resolvers): void {
  if (reply === null && acc.err !== 0) p.reject(new ClusterError(acc.err, acc.errstr));
  else if (reply === null && acc.errstr !== '') p.reject(new ClusterError(0, acc.errstr));
  else if (reply instanceof ReplyError) p.reject(reply);
  else p.resolve(reply);
}

/** Rethrows a user callback's exception outside the engine, which stays consistent. */
function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}

/**
 * hiredis-cluster's `redisClusterAsyncContext`: callbacks (`command(fn, privdata, format, ...args)`),
 * a promise face (`send`), automatic pipelining, and events, on an event-loop adapter (Node's by default).
 */
export class AsyncClusterContext extends EventEmitter<ClusterEvents> implements CommandOwner {
  /** hiredis `acc->err`: set when a call fails and during a failed command's callback. */
  err = 0;
  /** hiredis `acc->errstr`. */
  errstr = '';
  private readonly options: ResolvedOptions;
  private readonly adapter: EventLoopAdapter;
  private readonly topology: Topology;
  private readonly dispatcher: Dispatcher;
  private connectCallback: LinkCallback | null = null;
  private disconnectCallback: LinkCallback | null = null;
  private eventCallback: EventCallback | null = null;
  private eventPrivdata: unknown;
  private freed = false;
  private waiters: Resolvers[] = [];

  constructor(options: ClusterOptions) {
    super();
    this.options = resolveOptions(options);
    this.adapter = withTimerWheel(options.adapter ?? new NodeAdapter(), this.options.timerWheel);
    this.topology = new Topology(this.options, this.adapter, this.topologyEvents());
    this.dispatcher = new Dispatcher(this.options, this.adapter, this.topology, this);
  }

  /** The slot-map version: 0 before the first map, then +1 per update (hiredis' route_version). */
  get version(): number {
    return this.topology.version;
  }

  /** What JSON.stringify shows: the state and the options, the password and TLS secrets hidden. */
  toJSON(): object {
    return {
      err: this.err,
      errstr: this.errstr,
      version: this.version,
      pendingCount: this.pendingCount,
      options: visibleOptions(this.options),
    };
  }

  /** What util.inspect (console.log) shows: the same as {@link toJSON}, never the internals. */
  [INSPECT](depth: number, options: InspectOptions, inspect: InspectFunction): string {
    return inspectAs('AsyncClusterContext', this.toJSON(), depth, options, inspect);
  }

  /** Top-level commands waiting for their outcome. */
  get pendingCount(): number {
    return this.dispatcher.pending;
  }

  /**
   * Fetches the slot map; resolves once it is installed (the first time: at `ready`). Rejects when
   * every node that can be asked now has failed, with the last error; later commands trigger new
   * attempts. As hiredis' `redisClusterConnect2`, it also re-opens a context after `disconnect()`.
   */
  connect(mode: ConnectMode = {}): Promise<void> {
    if (this.freed) return Promise.reject(otherError('context freed'));
    this.dispatcher.closing = false;
    this.topology.shutdown = false;
    if (mode.temporaryLink) return this.topology.updateWithTemporaryLinks();
    const updated = new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve: resolve as (v: unknown) => void, reject });
    });
    this.topology.update();
    return updated;
  }

  /**
   * Installs a slot map fetched elsewhere as if an update had returned it (`slotmap-updated`, and
   * `ready` the first time): what `redisClusterConnect2(acc->cc)` does for an async context in C.
   */
  installSlotmap(masters: ClusterNode[]): void {
    if (this.freed) throw otherError('context freed');
    this.dispatcher.closing = false;
    this.topology.shutdown = false;
    this.topology.apply(new SlotMap(masters));
  }

  /** `redisClusterAsyncCommand`: format string with hiredis' conversions. False when not queued. */
  command<P>(fn: AsyncCallback<P>, privdata: P, format: string, ...args: unknown[]): boolean {
    let argv: (string | Uint8Array)[];
    try {
      argv = formatArgv(format, args);
    } catch (err) {
      return this.refuse(err);
    }
    return this.submit(fn, privdata, argv, null);
  }

  /** `redisClusterAsyncCommandArgv`. */
  commandArgv<P>(fn: AsyncCallback<P>, privdata: P, argv: readonly CommandArg[]): boolean {
    try {
      checkArgv(argv);
    } catch (err) {
      return this.refuse(err);
    }
    return this.submit(fn, privdata, argv, null);
  }

  /** `redisClusterAsyncFormattedCommand`: pre-encoded RESP (copied). */
  formattedCommand<P>(fn: AsyncCallback<P>, privdata: P, bytes: Uint8Array): boolean {
    let argv: Buffer[];
    try {
      argv = parseCommand(bytes);
    } catch (err) {
      return this.refuse(err);
    }
    return this.submit(fn, privdata, argv, Buffer.from(bytes));
  }

  /** `redisClusterAsyncCommandToNode`: to one node, no redirects, no retries. */
  commandToNode<P>(
    node: NodeRef,
    fn: AsyncCallback<P>,
    privdata: P,
    format: string,
    ...args: unknown[]
  ): boolean {
    let argv: (string | Uint8Array)[];
    try {
      argv = formatArgv(format, args);
    } catch (err) {
      return this.refuse(err);
    }
    return this.submitToNode(node, fn, privdata, argv, null);
  }

  /** `redisClusterAsyncCommandArgvToNode`. */
  commandArgvToNode<P>(
    node: NodeRef,
    fn: AsyncCallback<P>,
    privdata: P,
    argv: readonly CommandArg[],
  ): boolean {
    return this.submitToNode(node, fn, privdata, argv, null);
  }

  /** `redisClusterAsyncFormattedCommandToNode`. */
  formattedCommandToNode<P>(node: NodeRef, fn: AsyncCallback<P>, privdata: P, bytes: Uint8Array): boolean {
    try {
      parseCommand(bytes);
    } catch (err) {
      return this.refuse(err);
    }
    return this.submitToNode(node, fn, privdata, null, Buffer.from(bytes));
  }

  /**
   * The promise face: `await acc.send('GET', key)`. An error reply rejects with a ReplyError, a
   * failure with a ClusterError; a command that cannot be queued rejects at once.
   */
  send(command: string, ...args: CommandArg[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const p: Resolvers = { resolve, reject };
      if (!this.submit(settle, p, [command, ...args], null)) reject(new ClusterError(this.err, this.errstr));
    });
  }

  /** The promise face for one node. */
  sendToNode(node: NodeRef, command: string, ...args: CommandArg[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const p: Resolvers = { resolve, reject };
      if (!this.submitToNode(node, settle, p, [command, ...args], null)) {
        reject(new ClusterError(this.err, this.errstr));
      }
    });
  }

  /**
   * Graceful: new commands are refused ("client closing"; ToNode: "disconnecting"), pending replies
   * are still delivered, redirects are no longer followed, no update and no new link starts.
   */
  disconnect(): void {
    if (this.freed) return;
    this.dispatcher.closing = true;
    this.topology.shutdown = true;
    this.topology.closeLinks(true, null);
  }

  /** Immediate: every link closes, pending callbacks get null ("context freed"), then `free-context`. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.dispatcher.closing = true;
    this.topology.shutdown = true;
    this.topology.closeLinks(false, otherError('context freed'));
    this.dispatcher.failBackingOff(otherError('context freed'));
    this.failWaiters(otherError('context freed'));
    this.raise(HIRCLUSTER_EVENT_FREE_CONTEXT, 'free-context');
  }

  /** Applies a new command timeout (ms, 0 = none) to new and existing links. */
  setTimeout(ms: number): void {
    if (!Number.isInteger(ms) || ms < 0)
      throw otherError(`Invalid timeout: must be an integer >= 0, got ${ms}`);
    this.options.commandTimeout = ms;
    for (const entry of this.topology.entries.values()) entry.link?.setCommandTimeout(ms);
  }

  /** hiredis' set-once connect callback (status REDIS_OK / REDIS_ERR); false when already set. */
  setConnectCallback(fn: LinkCallback): boolean {
    if (this.connectCallback !== null) return false;
    this.connectCallback = fn;
    return true;
  }

  /** hiredis' set-once disconnect callback: REDIS_OK when asked for, REDIS_ERR on error. */
  setDisconnectCallback(fn: LinkCallback): boolean {
    if (this.disconnectCallback !== null) return false;
    this.disconnectCallback = fn;
    return true;
  }

  /** hiredis' set-once event callback with HIRCLUSTER_EVENT_* numbers. */
  setEventCallback<P>(fn: EventCallback<P>, privdata?: P): boolean {
    if (this.eventCallback !== null) return false;
    this.eventCallback = fn as EventCallback;
    this.eventPrivdata = privdata;
    return true;
  }

  /**
   * The known nodes (the masters of the slot map; the seeds before it). When the map changes during
   * the walk, it restarts once on the new nodes, then stops (hiredis' node iterator).
   */
  nodes(): IterableIterator<ClusterNode> {
    return iterateNodes(
      () => this.topology.version,
      () => [...this.topology.entries.values()].map((entry) => entry.node),
    );
  }

  /** The slot of a key (CRC16 with hash tags). */
  slotForKey(key: string | Uint8Array): number {
    return keySlot(key);
  }

  /** The node serving a key's slot, or null with `err`/`errstr` set. */
  nodeForKey(key: string | Uint8Array): ClusterNode | null {
    if (this.topology.map === null) return this.fail(otherError('slotmap not available'));
    const entry = this.topology.ownerOf(keySlot(key));
    return entry === undefined ? this.fail(otherError('slot not served by any node')) : entry.node;
  }

  /** @internal The one outcome of a command. */
  complete(cmd: Command, reply: unknown, err: ClusterError | null): void {
    // A reply's callback sees err 0, even when an earlier refused call left its error behind.
    this.err = err === null ? 0 : err.code;
    this.errstr = err === null ? '' : err.message;
    try {
      (cmd.fn as AsyncCallback)(this, err === null ? reply : null, cmd.privdata);
    } catch (callbackErr) {
      rethrowLater(callbackErr);
    }
    if (err !== null) {
      this.err = 0;
      this.errstr = '';
    }
  }

  private submit(
    fn: AsyncCallback<never>,
    privdata: unknown,
    argv: readonly CommandArg[],
    raw: Uint8Array | null,
  ) {
    this.err = 0;
    this.errstr = '';
    let refused: ClusterError | null;
    try {
      const route = routeOf(argv);
      refused = this.dispatcher.submit(argv, raw, route, fn, privdata);
    } catch (err) {
      return this.refuse(err);
    }
    return refused === null || this.refuse(refused);
  }

  private submitToNode(
    node: NodeRef,
    fn: AsyncCallback<never>,
    privdata: unknown,
    argv: readonly CommandArg[] | null,
    raw: Uint8Array | null,
  ): boolean {
    this.err = 0;
    this.errstr = '';
    let refused: ClusterError | null;
    try {
      const { host, port } = typeof node === 'string' ? parseHostPort(node) : node;
      refused = this.dispatcher.submitToNode(this.topology.entry(host, port, true), argv, raw, fn, privdata);
    } catch (err) {
      return this.refuse(err);
    }
    return refused === null || this.refuse(refused);
  }

  private refuse(err: unknown): false {
    const e = err instanceof ClusterError ? err : otherError(String(err));
    this.err = e.code;
    this.errstr = e.message;
    return false;
  }

  private fail(err: ClusterError): null {
    this.refuse(err);
    return null;
  }

  private failWaiters(err: ClusterError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }

  private raise(event: number, name: 'slotmap-updated' | 'ready' | 'free-context', version?: number): void {
    if (this.eventCallback !== null) {
      try {
        this.eventCallback(this, event, this.eventPrivdata);
      } catch (err) {
        rethrowLater(err);
      }
    }
    if (name === 'slotmap-updated') this.emit(name, version!);
    else this.emit(name);
  }

  private linkCallback(fn: LinkCallback | null, link: Connection, status: number): void {
    if (fn === null) return;
    try {
      fn({ host: link.host, port: link.port }, status);
    } catch (err) {
      rethrowLater(err);
    }
  }

  private topologyEvents(): TopologyEvents {
    return {
      slotmapUpdated: (version) => {
        this.raise(HIRCLUSTER_EVENT_SLOTMAP_UPDATED, 'slotmap-updated', version);
        // Resolved after `ready` (raised right after the first update), so awaiting code sees both.
        this.adapter.defer(() => {
          const waiters = this.waiters;
          this.waiters = [];
          for (const w of waiters) w.resolve(undefined);
        });
      },
      ready: () => this.raise(HIRCLUSTER_EVENT_READY, 'ready'),
      updateFailed: (err) => {
        this.emit('update-error', err);
        // Reject connect() once no further attempt is under way (after the retry had its chance).
        if (this.waiters.length > 0) {
          this.adapter.defer(() => {
            if (!this.topology.isUpdating && this.waiters.length > 0) this.failWaiters(err);
          });
        }
      },
      nodeAdded: (node) => this.emit('node-added', node),
      nodeRemoved: (node) => this.emit('node-removed', node),
      linkConnected: (link) => {
        this.linkCallback(this.connectCallback, link, REDIS_OK);
        this.emit('connect', { host: link.host, port: link.port });
      },
      linkClosed: (link, err, connected) => {
        const address = { host: link.host, port: link.port };
        if (!connected) {
          this.linkCallback(this.connectCallback, link, REDIS_ERR);
          this.emit('connect-error', address, err ?? otherError('connection closed'));
          return;
        }
        this.linkCallback(this.disconnectCallback, link, err === null ? REDIS_OK : REDIS_ERR);
        this.emit('disconnect', address, err);
      },
      push: (link, buf, start, end) => {
        if (this.listenerCount('push') === 0) return;
        this.emit('push', buildReply(buf, start, end, plainReplies), { host: link.host, port: link.port });
      },
    };
  }
}
