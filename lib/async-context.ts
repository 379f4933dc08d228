/**
 * AsyncClusterContext: hiredis-cluster's `redisClusterAsyncContext` in JavaScript terms.
 * `command(fn, privdata, format, ...args)` queues a command and calls `fn(acc, reply, privdata)` once
 * with its reply; on failure `reply` is null and `acc.err`/`acc.errstr` describe it during the call.
 */
import type { EventLoopAdapter } from '../adapters/adapter.js';
import { NodeAdapter } from '../adapters/node.js';
import { withTimerWheel } from '../adapters/timer-wheel.js';
import { parseHostPort } from './cluster/address.js';
import { ClusterScan, type ClusterScanOptions } from './cluster/cluster-scan.js';
import { isNoKeys, isUnknownCommand } from './cluster/command-keys.js';
import { type ClusterRoute, type FanOutPlan, routePlan, tipPlan } from './cluster/fan-out-plan.js';
import type { NodeReplies } from './cluster/response-policy.js';
import { type Route, routeOf } from './cluster/route.js';
import { type ClusterNode, SlotMap } from './cluster/slotmap.js';
import type { Command } from './engine/command.js';
import { Engine } from './engine/engine.js';
import type { PubsubOverflow } from './engine/message-queue.js';
import { AsyncPolicy } from './engine/policy.js';
import type { PubsubMessage } from './engine/subscriptions.js';
import type { CommandOwner } from './engine/value-outcomes.js';
import { ClusterError, otherError } from './errors.js';
import type { NodeLinks } from './events.js';
import { AsyncFanOut } from './face/async-fan-out.js';
import { AsyncPubsub, type MessagesOptions } from './face/async-pubsub.js';
import { engineTransactions, Transaction, type WatchSession, watchKeys } from './face/async-transaction.js';
import { AsyncClusterScanIterator } from './face/cluster-scan.js';
import {
  commandFromArgv,
  commandFromBytes,
  commandFromFormat,
  commandOrPubsubFromArgv,
  commandOrPubsubFromBytes,
  commandOrPubsubFromFormat,
  isCommandOptions,
  type PubsubCall,
  replyCallback,
} from './face/command-input.js';
import { ConnectWaiters } from './face/connect-waiters.js';
import {
  type CommandOptions,
  ContextBase,
  commandTimeoutOption,
  type LinkCallback,
} from './face/context-base.js';
import type { Method } from './face/method-argv.js';
import type { CommandMethods } from './face/methods.generated.js';
import { binaryMethods, installMethods, methodReplies } from './face/methods.js';
import { OfflineQueue, resolveOfflineQueue } from './face/offline-queue.js';
import { promised, rethrowLater, settle, shaped } from './face/promised.js';
import type { SubscribeOptions } from './face/pubsub-input.js';
import {
  type AsyncScript,
  defineScript,
  type ScriptHost,
  type ScriptOptions,
  scriptFunction,
} from './face/scripts.js';
import {
  batchChannel,
  commandChannel,
  commandTrace,
  connectChannel,
  endCall,
  settleCall,
  startCall,
  TracedCall,
  type TraceFace,
} from './face/tracing.js';
import { type ClusterOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { buildReply, plainReplies } from './resp/build.js';
import type { CommandArg } from './resp/encode.js';
import type { ReplyBuilder } from './resp/reply-builder.js';

export type { LinkCallback } from './face/context-base.js';

/** hiredis' `redisClusterCallbackFn`: the reply (null on failure) and the caller's privdata. */
export type AsyncCallback<P = unknown> = (acc: AsyncClusterContext, reply: unknown, privdata: P) => void;
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

/** The typed command methods (`await acc.get(key)`, ...), defined on the prototype below. */
export interface AsyncClusterContext extends CommandMethods<'async', string> {}

/**
 * hiredis-cluster's `redisClusterAsyncContext`: callbacks (`command(fn, privdata, format, ...args)`),
 * a promise face (`send`, typed methods), automatic pipelining, and events, on an event-loop adapter
 * (Node's by default).
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above only types what installMethods defines
export class AsyncClusterContext extends ContextBase<AsyncClusterContext> implements CommandOwner {
  protected readonly options: ResolvedOptions;
  private readonly adapter: EventLoopAdapter;
  private readonly engine: Engine;
  private freed = false;
  /** disconnect() was called and no connect() since: calls are refused, not queued. */
  private closed = false;
  private readonly connects: ConnectWaiters;
  private readonly offline: OfflineQueue;
  /** Whole-cluster requests and the commands learned from the cluster. */
  private readonly wholeCluster: AsyncFanOut;
  private binary: CommandMethods<'async', Buffer> | null = null;
  private readonly pubsub: AsyncPubsub = new AsyncPubsub({
    engine: () => this.engine,
    emitMessage: (kind, channel, message, pattern) => {
      if (pattern !== undefined) this.emit('pmessage', pattern, channel, message);
      else this.emit(kind as 'message' | 'smessage', channel, message);
    },
    callback: (fn, privdata, reply, err) => {
      if (err !== null) this.setError(err);
      this.callUser(() => fn(reply, privdata));
      if (err !== null) this.clearError();
    },
  });

  constructor(options: ClusterOptions) {
    super();
    this.options = resolveOptions(options);
    this.adapter = withTimerWheel(options.adapter ?? new NodeAdapter(), this.options.timerWheel);
    this.offline = new OfflineQueue(this.adapter, resolveOfflineQueue(options.offlineQueue));
    this.engine = new Engine(
      this.options,
      this.adapter,
      new AsyncPolicy(),
      {
        event: (event) => {
          this.deliver(event);
          this.connects.onEvent(event);
          // After `ready`'s listeners and the connect() promises' own deferral: awaiting code sees both.
          if (event.type === 'slotmap-updated') this.adapter.defer(() => this.offline.release());
        },
        push: (...frame) => this.onPush(...frame),
        message: (kind, channel, message, pattern) => this.pubsub.message(kind, channel, message, pattern),
      },
      this,
    );
    this.connects = new ConnectWaiters(this.adapter, () => this.engine.isUpdating);
    this.wholeCluster = new AsyncFanOut(this.engine, this.options.random);
  }

  get version(): number {
    return this.engine.version;
  }

  links(): NodeLinks[] {
    return this.engine.links();
  }

  /** Top-level commands waiting for their outcome. */
  get pendingCount(): number {
    return this.engine.pending;
  }

  /**
   * Fetches the slot map; resolves once it is installed (the first time: at `ready`). Rejects when
   * every node that can be asked now has failed, with the last error; later commands trigger new
   * attempts. As hiredis' `redisClusterConnect2`, it also re-opens a context after `disconnect()`.
   */
  connect(mode: ConnectMode = {}): Promise<void> {
    if (!connectChannel.hasSubscribers) return this.connectOnce(mode);
    const context = { face: 'async' as const, nodes: this.seeds() };
    return connectChannel.tracePromise(() => this.connectOnce(mode), context);
  }

  private connectOnce(mode: ConnectMode): Promise<void> {
    if (this.freed) return Promise.reject(otherError('context freed'));
    this.closed = false;
    this.engine.open();
    let updated: Promise<void>;
    if (mode.temporaryLink) updated = this.engine.updateWithTemporaryLinks();
    else {
      updated = this.connects.wait();
      this.engine.update();
    }
    // The calls waiting for this slot map fail with connect()'s error, unless a map came meanwhile.
    updated.catch((err: unknown) => {
      if (this.engine.slotMap === null)
        this.offline.failAll(err instanceof ClusterError ? err : otherError(String(err)));
    });
    return updated;
  }

  /**
   * Installs a slot map fetched elsewhere as if an update had returned it (`slotmap-updated`, and
   * `ready` the first time): what `redisClusterConnect2(acc->cc)` does for an async context in C.
   */
  installSlotmap(masters: ClusterNode[]): void {
    if (this.freed) throw otherError('context freed');
    this.closed = false;
    this.engine.open();
    this.engine.install(new SlotMap(masters));
  }

  /**
   * `redisClusterAsyncCommand`: format string with hiredis' conversions. False when not queued. A null
   * `fn` (hiredis' NULL callback) runs the command and drops its reply.
   */
  command<P>(fn: AsyncCallback<P> | null, privdata: P, format: string, ...args: unknown[]): boolean {
    this.clearError();
    let argv: readonly CommandArg[] = [];
    try {
      const command = commandOrPubsubFromFormat(format, args);
      if (!Array.isArray(command)) return this.pubsubCommand(command as PubsubCall, fn, privdata);
      argv = command;
      return this.submit(fn, privdata, argv, null);
    } catch (err) {
      return this.keyless(err, fn, privdata, argv, this.options.tipRouting);
    }
  }

  /** `redisClusterAsyncCommandArgv`. */
  commandArgv<P>(fn: AsyncCallback<P> | null, privdata: P, argv: readonly CommandArg[]): boolean {
    return this.argvCommand(fn, privdata, argv, this.options.tipRouting, true);
  }

  /** `redisClusterAsyncFormattedCommand`: pre-encoded RESP (copied). */
  formattedCommand<P>(fn: AsyncCallback<P> | null, privdata: P, bytes: Uint8Array): boolean {
    this.clearError();
    try {
      const command = commandOrPubsubFromBytes(bytes);
      if (!Array.isArray(command)) return this.pubsubCommand(command as PubsubCall, fn, privdata);
      return this.submit(fn, privdata, command, Buffer.from(bytes));
    } catch (err) {
      return this.refuse(err);
    }
  }

  /** `redisClusterAsyncCommandToNode`: to one node, no redirects, no retries. */
  commandToNode<P>(
    node: NodeRef,
    fn: AsyncCallback<P> | null,
    privdata: P,
    format: string,
    ...args: unknown[]
  ): boolean {
    return this.submitToNode(node, fn, privdata, () => commandFromFormat(format, args), null);
  }

  /** `redisClusterAsyncCommandArgvToNode`. */
  commandArgvToNode<P>(
    node: NodeRef,
    fn: AsyncCallback<P> | null,
    privdata: P,
    argv: readonly CommandArg[],
  ): boolean {
    return this.submitToNode(node, fn, privdata, () => commandFromArgv(argv), null);
  }

  /** `redisClusterAsyncFormattedCommandToNode`. */
  formattedCommandToNode<P>(
    node: NodeRef,
    fn: AsyncCallback<P> | null,
    privdata: P,
    bytes: Uint8Array,
  ): boolean {
    const checked = () => {
      commandFromBytes(bytes);
      return null;
    };
    return this.submitToNode(node, fn, privdata, checked, Buffer.from(bytes));
  }

  /**
   * The promise face: `await acc.send('GET', key)`. An error reply rejects with a ReplyError, a
   * failure with a ClusterError; a command that cannot be queued rejects at once.
   */
  send<T = unknown>(command: string, ...args: CommandArg[]): Promise<T>;
  /** The same with options for this command: `timeout` (ms) is its own deadline, in place of the command timeout. */
  send<T = unknown>(options: CommandOptions, command: string, ...args: CommandArg[]): Promise<T>;
  send(first: string | CommandOptions, ...rest: CommandArg[]): Promise<unknown> {
    if (this.offlineWaits) return this.whenMapped(() => this.send(first as string, ...rest));
    if (!isCommandOptions(first))
      return promised(this, (p) => this.argvCommand(settle, p, [first, ...rest], true, false));
    return promised(this, (p) =>
      this.queued(() => {
        const argv = commandFromArgv(rest);
        const route = routeOf(argv, this.wholeCluster.learning.table);
        return this.routed(argv, null, route, settle, p, commandTimeoutOption(first));
      }),
    );
  }

  /** The typed methods with Buffers for bulk strings in replies: `await acc.buffers.get(key)` is a Buffer or null. */
  get buffers(): CommandMethods<'async', Buffer> {
    this.binary ??= binaryMethods(this) as CommandMethods<'async', Buffer>;
    return this.binary;
  }

  /** @internal A typed method's call: as `send`, with the method's reply builder and shape. */
  callMethod(method: Method, call: ArrayLike<unknown>, binary: boolean): Promise<unknown> {
    if (this.offlineWaits) return this.whenMapped(() => this.callMethod(method, call, binary));
    const builder = methodReplies(binary).builder;
    return promised(this, (p) =>
      this.queued(() => {
        const argv = commandFromArgv(method.argv(call));
        const resolvers = method.shapes ? shaped(p, (reply) => method.reply(reply, call)) : p;
        return this.routed(
          argv,
          null,
          routeOf(argv, this.wholeCluster.learning.table),
          settle,
          resolvers,
          -1,
          builder,
        );
      }),
    );
  }

  /**
   * Many commands at once, cross-slot and not atomic: each is sent as `send` sends it (routed by its keys,
   * following MOVED and ASK, retried; those queued in one tick go out in one write per node). Resolves,
   * once all are in, with each one's outcome in order: its reply, or its error (a ReplyError, or a
   * ClusterError for a failure) as a value. Never rejects.
   */
  batch(commands: readonly (readonly CommandArg[])[]): Promise<unknown[]> {
    if (!batchChannel.hasSubscribers) return this.batchOnce(commands);
    const context = { face: 'async' as const, size: commands.length };
    return batchChannel.tracePromise(() => this.batchOnce(commands), context);
  }

  private batchOnce(commands: readonly (readonly CommandArg[])[]): Promise<unknown[]> {
    if (this.offlineWaits) return this.whenMapped(() => this.batchOnce(commands));
    return Promise.all(
      commands.map((argv) =>
        promised(this, (p) => this.commandArgv(settle, p, argv)).catch((err: unknown) => err),
      ),
    );
  }

  /**
   * Sends a command on an explicit route (every primary, every node, a random one, a node, the node of a
   * slot or key) and settles with the one reply: several nodes' replies are combined by the command's
   * response tip (see README, "Whole-cluster commands"); a node's error rejects, naming the node.
   */
  sendTo(route: ClusterRoute, command: string, ...args: CommandArg[]): Promise<unknown> {
    if (this.offlineWaits) return this.whenMapped(() => this.sendTo(route, command, ...args));
    return promised(this, (p) =>
      this.fanOut(
        () =>
          routePlan(route, [command, ...args], this.wholeCluster.currentMap(), this.options.random, false),
        settle,
        p,
      ),
    );
  }

  /** Sends a command on an explicit route; settles with each node's reply or error (a value) by address. */
  sendEach(route: ClusterRoute, command: string, ...args: CommandArg[]): Promise<NodeReplies> {
    if (this.offlineWaits) return this.whenMapped(() => this.sendEach(route, command, ...args));
    return promised(this, (p) =>
      this.fanOut(
        () => routePlan(route, [command, ...args], this.wholeCluster.currentMap(), this.options.random, true),
        settle,
        p,
      ),
    ) as Promise<NodeReplies>;
  }

  /**
   * A Lua script run by its digest: `const incr = acc.defineScript(lua, { keys: 1 }); await incr(key, arg)`
   * sends `EVALSHA` to the first key's node (a script without keys: a random primary) and, on `NOSCRIPT`,
   * `EVAL` there, which caches it on that node. `load()` sends `SCRIPT LOAD` to every primary.
   */
  defineScript(lua: string, options: ScriptOptions): AsyncScript {
    const script = defineScript(lua, options);
    const host: ScriptHost<Promise<unknown>> = {
      exchange: (route, argv) =>
        this.sendTo(route, String(argv[0]), ...argv.slice(1)).catch((err: unknown) => err),
      slotOwner: (slot) => this.slotOwner(slot),
      nodes: () => this.nodes(),
      random: this.options.random,
    };
    return scriptFunction<AsyncScript>(
      script,
      (args) => this.whenMapped(() => script.call(host, args)),
      () => this.sendEach('primaries', 'SCRIPT', 'LOAD', lua).then((replies) => script.loaded(replies)),
    );
  }

  /**
   * A SCAN of the whole cluster: `for await (const key of acc.scan({ match, count, type }))`. It follows the
   * slots, so a key that exists for the whole scan is returned even while slots move or a failover happens;
   * duplicates are possible (`dedupe` drops them); the iterator's `cursor` resumes it (`scan({ cursor })`).
   * Throws at once before the first slot map.
   */
  scan(options: ClusterScanOptions = {}): AsyncClusterScanIterator {
    return new AsyncClusterScanIterator(new ClusterScan(options, this.wholeCluster.currentMap()), {
      map: () => this.wholeCluster.currentMap(),
      exchange: (requests) => Promise.all(requests.map((request) => this.wholeCluster.exchange(request))),
      refresh: () => this.connect().catch(() => undefined),
      sleep: (ms) => new Promise((resolve) => this.adapter.setTimer(ms, resolve)),
    });
  }

  /**
   * Subscribes to channels (PUBLISH's); resolves once the server confirms them. Messages come as `message`
   * events (channel, message) and through messages(). Options first, optionally: `{ everyPrimary: true }`
   * subscribes on every primary (keyspace notifications).
   */
  subscribe(...channels: (string | Uint8Array)[]): Promise<void>;
  subscribe(options: SubscribeOptions, ...channels: (string | Uint8Array)[]): Promise<void>;
  subscribe(...args: unknown[]): Promise<void> {
    return this.pubsub.subscribe('channel', args);
  }

  /** Subscribes to patterns: `pmessage` events (pattern, channel, message). Options as subscribe(). */
  psubscribe(...patterns: (string | Uint8Array)[]): Promise<void>;
  psubscribe(options: SubscribeOptions, ...patterns: (string | Uint8Array)[]): Promise<void>;
  psubscribe(...args: unknown[]): Promise<void> {
    return this.pubsub.subscribe('pattern', args);
  }

  /** Subscribes to sharded channels (SPUBLISH's), each on its slot's primary: `smessage` events (channel, message). */
  ssubscribe(...channels: (string | Uint8Array)[]): Promise<void> {
    return this.pubsub.subscribe('sharded', channels);
  }

  /** Leaves channels (none named: all); their messages stop at once. */
  unsubscribe(...channels: (string | Uint8Array)[]): Promise<void> {
    return this.pubsub.unsubscribe('channel', channels);
  }

  /** Leaves patterns (none named: all). */
  punsubscribe(...patterns: (string | Uint8Array)[]): Promise<void> {
    return this.pubsub.unsubscribe('pattern', patterns);
  }

  /** Leaves sharded channels (none named: all). */
  sunsubscribe(...channels: (string | Uint8Array)[]): Promise<void> {
    return this.pubsub.unsubscribe('sharded', channels);
  }

  /** PUBLISH on a node the context has a link to (the cluster broadcasts it): resolves with the receivers there. */
  publish(channel: string | Uint8Array, message: string | Uint8Array): Promise<unknown> {
    return promised(this, (p) => this.queued(() => this.engine.publish(channel, message, settle, p)));
  }

  /** SPUBLISH on the channel's slot's primary: resolves with the receivers. */
  spublish(channel: string | Uint8Array, message: string | Uint8Array): Promise<unknown> {
    return this.send('SPUBLISH', channel, message);
  }

  /**
   * Every message from now on, as an async iterator over a bounded queue: past `capacity` unread messages,
   * new ones are dropped and an `{ kind: 'overflow', dropped }` record stands where they were. It ends
   * when the context is freed or disconnected; `break` (return()) stops it.
   */
  messages(options?: MessagesOptions): AsyncIterableIterator<PubsubMessage | PubsubOverflow> {
    return this.pubsub.messages(options);
  }

  /** A transaction: `await acc.multi().add('SET', k, v).add('INCR', n).exec()` (see Transaction). */
  multi(): Transaction {
    return new Transaction(this.transactions, null);
  }

  /** Opens a WATCH session on the keys' node (a dedicated link) and watches them there. */
  watch(...keys: (string | Uint8Array)[]): Promise<WatchSession> {
    return watchKeys(this.transactions, keys);
  }

  /** The promise face for one node. */
  sendToNode(node: NodeRef, command: string, ...args: CommandArg[]): Promise<unknown> {
    return promised(this, (p) =>
      this.submitToNode(node, settle, p, () => commandFromArgv([command, ...args]), null),
    );
  }

  /**
   * Graceful: new commands are refused ("client closing"; ToNode: "disconnecting"), pending replies
   * are still delivered, redirects are no longer followed, no update and no new link starts.
   */
  disconnect(): void {
    if (this.freed) return;
    this.closed = true;
    this.engine.close(true);
    this.pubsub.close();
    this.offline.failAll(otherError('client closing'));
  }

  /** Immediate: every link closes, pending callbacks get null ("context freed"), then `free-context`. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.engine.close(false, otherError('context freed'));
    this.pubsub.close();
    this.connects.failAll(otherError('context freed'));
    this.offline.failAll(otherError('context freed'));
    this.raiseFreed();
  }

  /** Applies a new command timeout (ms, 0 = none) to new and existing links. */
  setTimeout(ms: number): void {
    this.engine.setCommandTimeout(this.checkTimeout(ms));
  }

  /** hiredis' set-once disconnect callback: REDIS_OK when asked for, REDIS_ERR on error. */
  setDisconnectCallback(fn: LinkCallback): boolean {
    if (this.disconnectCallback !== null) return false;
    this.disconnectCallback = fn;
    return true;
  }

  /** @internal The one outcome of a command. */
  complete(cmd: Command, reply: unknown, err: ClusterError | null): void {
    // A reply's callback sees err 0, even when an earlier refused call left its error behind.
    if (err === null) this.clearError();
    else this.setError(err);
    const traced = cmd.privdata instanceof TracedCall ? cmd.privdata : null;
    if (traced !== null) settleCall(traced, cmd, reply, err);
    try {
      const privdata = traced === null ? cmd.privdata : traced.privdata;
      (cmd.fn as AsyncCallback)(this, err === null ? reply : null, privdata);
    } catch (callbackErr) {
      rethrowLater(callbackErr);
    }
    if (traced !== null) commandChannel.asyncEnd.publish(traced.context);
    if (err !== null) this.clearError();
  }

  protected get faceName(): string {
    return 'AsyncClusterContext';
  }

  protected get traceFace(): TraceFace {
    return 'async';
  }

  protected shownState(): object {
    return { pendingCount: this.pendingCount };
  }

  protected knownNodes(): readonly ClusterNode[] {
    return this.engine.nodes();
  }

  /** @internal */
  slotOwner(slot: number): ClusterNode | ClusterError {
    return this.engine.nodeOf(slot);
  }

  protected callUser(call: () => void): void {
    try {
      call();
    } catch (err) {
      rethrowLater(err);
    }
  }

  /**
   * Queues a checked command (`raw`: its bytes as given); false, with err set, when it is refused. The
   * calls run it inside their own try, with no closure: it is every command's path, and per-command
   * closures cost allocation and, until the JIT has inlined them, calls.
   */
  private submit(
    fn: AsyncCallback<never> | null,
    privdata: unknown,
    command: readonly CommandArg[],
    raw: Uint8Array | null,
  ): boolean {
    const route = routeOf(command, this.wholeCluster.learning.table);
    const refused = this.routed(command, raw, route, replyCallback(fn), privdata);
    return refused === null || this.refuse(refused);
  }

  /** engine.submit; while someone listens on hircluster:command, between its `start` and `end`. */
  private routed(
    argv: readonly CommandArg[],
    raw: Uint8Array | null,
    route: Route,
    fn: unknown,
    privdata: unknown,
    timeoutMs = -1,
    builder: ReplyBuilder | null = null,
  ): ClusterError | null {
    if (!commandChannel.hasSubscribers)
      return this.engine.submit(argv, raw, route, fn, privdata, timeoutMs, builder);
    const call = startCall(commandTrace('async', argv, raw, route.slot), privdata);
    return endCall(call, this.engine.submit(argv, raw, route, fn, call, timeoutMs, builder));
  }

  /** An argv command; a keyless one goes by its tips when `byTips`, else it is refused as in hiredis. */
  private argvCommand(
    fn: AsyncCallback<never> | null,
    privdata: unknown,
    argv: readonly CommandArg[],
    byTips: boolean,
    pubsub: boolean,
  ): boolean {
    this.clearError();
    try {
      const command = pubsub ? commandOrPubsubFromArgv(argv) : commandFromArgv(argv);
      if (!Array.isArray(command)) return this.pubsubCommand(command as PubsubCall, fn, privdata);
      return this.submit(fn, privdata, command, null);
    } catch (err) {
      return this.keyless(err, fn, privdata, argv, byTips);
    }
  }

  /**
   * A command refused at routing. With `byTips` (the JavaScript-native calls) a keyless one fans out by its
   * tips, and one the table does not know is learned from the cluster first; else the refusal stands.
   */
  private keyless(
    err: unknown,
    fn: AsyncCallback<never> | null,
    privdata: unknown,
    argv: readonly CommandArg[],
    byTips: boolean,
  ): boolean {
    if (byTips && isUnknownCommand(err)) return this.learnThenSend(argv, fn, privdata);
    if (!byTips || !isNoKeys(err)) return this.refuse(err);
    return this.fanOut(
      () => tipPlan(argv, this.wholeCluster.currentMap(), this.options.random),
      fn,
      privdata,
    );
  }

  /**
   * Asks the cluster about a command the table lacks (once per name: a second caller waits for the same
   * answer), then sends it by its keys; a command the server does not know either goes to a random
   * primary, which answers with its own error.
   */
  private learnThenSend(
    argv: readonly CommandArg[],
    fn: AsyncCallback<never> | null,
    privdata: unknown,
  ): boolean {
    const toRandomPrimary = () => this.wholeCluster.randomPrimaryPlan(argv);
    let flight: Promise<boolean> | null;
    try {
      flight = this.wholeCluster.learned(argv);
    } catch (err) {
      return this.refuse(err);
    }
    if (flight === null) return this.fanOut(toRandomPrimary, fn, privdata);
    void flight.then((known) => {
      const sent = known
        ? this.argvCommand(fn, privdata, argv, true, false)
        : this.fanOut(toRandomPrimary, fn, privdata);
      if (!sent) this.callOnce(replyCallback(fn) as AsyncCallback, privdata, this.failure!);
    });
    return true;
  }

  /** Calls `callback` once with an outcome: a reply, or null with err set for a failure. */
  private callOnce(callback: AsyncCallback, privdata: unknown, outcome: unknown): void {
    if (outcome instanceof ClusterError) this.setError(outcome);
    try {
      callback(this, outcome instanceof ClusterError ? null : outcome, privdata);
    } catch (callbackErr) {
      rethrowLater(callbackErr);
    }
    if (outcome instanceof ClusterError) this.clearError();
  }

  /**
   * Sends a plan's requests at once and calls `fn` once with the one outcome: a reply (a ReplyError as a
   * value, as hiredis hands out error replies), or null with err set for a failure. False when refused.
   */
  private fanOut(plan: () => FanOutPlan, fn: AsyncCallback<never> | null, privdata: unknown): boolean {
    this.clearError();
    let planned: FanOutPlan;
    try {
      planned = plan();
    } catch (err) {
      return this.refuse(err);
    }
    const callback = replyCallback(fn) as AsyncCallback;
    this.wholeCluster.send(planned, (outcome) => this.callOnce(callback, privdata, outcome));
    return true;
  }

  /** Whether a JavaScript-native call made now waits in the offline queue. */
  private get offlineWaits(): boolean {
    return !this.closed && this.offline.holds(this.engine.slotMap !== null);
  }

  /**
   * `start()`'s promise, once the offline queue lets calls through (at once when there is a slot map and no
   * call waits for one); a throw from `start` rejects.
   */
  private whenMapped<T>(start: () => Promise<T>): Promise<T> {
    const run = () => {
      try {
        return start();
      } catch (err) {
        return Promise.reject(err);
      }
    };
    if (!this.offlineWaits) return run();
    return new Promise<T>((resolve, reject) => this.offline.add(() => run().then(resolve, reject), reject));
  }

  /** Runs `queue` with err cleared; a refusal (returned or thrown) sets err and says false. */
  private queued(queue: () => ClusterError | null): boolean {
    this.clearError();
    let refused: ClusterError | null;
    try {
      refused = queue();
    } catch (err) {
      return this.refuse(err);
    }
    return refused === null || this.refuse(refused);
  }

  /** How transactions and sessions reach the engine. */
  private readonly transactions = engineTransactions(
    () => this.engine,
    (queue) => promised(this, (p) => this.queued(() => queue(settle, p))),
  );

  private submitToNode(
    node: NodeRef,
    fn: AsyncCallback<never> | null,
    privdata: unknown,
    argv: () => readonly CommandArg[] | null,
    raw: Uint8Array | null,
  ): boolean {
    return this.queued(() => {
      const command = argv();
      const { host, port } = typeof node === 'string' ? parseHostPort(node) : node;
      if (!commandChannel.hasSubscribers)
        return this.engine.submitToNode(host, port, command, raw, replyCallback(fn), privdata);
      const call = startCall(commandTrace('async', command, raw, -1), privdata);
      return endCall(call, this.engine.submitToNode(host, port, command, raw, replyCallback(fn), call));
    });
  }

  /** A subscribe-family command given to command() or commandArgv(): hiredis' way (see AsyncPubsub.command). */
  private pubsubCommand(call: PubsubCall, fn: AsyncCallback<never> | null, privdata: unknown): boolean {
    const callback = replyCallback(fn) as AsyncCallback;
    const refused = this.pubsub.command(
      call.pubsub,
      call.argv.slice(1),
      (reply, p) => callback(this, reply, p),
      privdata,
    );
    return refused === null || this.refuse(refused);
  }

  private refuse(err: unknown): false {
    this.setError(err);
    return false;
  }

  private onPush(buf: Uint8Array, start: number, end: number, host: string, port: number): void {
    if (this.listenerCount('push') === 0) return;
    this.emit('push', buildReply(buf, start, end, plainReplies), { host, port });
  }
}

installMethods(AsyncClusterContext.prototype);
