/**
 * BlockingClusterContext: hiredis-cluster's `redisClusterContext` with truly synchronous calls. The
 * caller encodes into shared memory and blocks in Atomics.wait; a worker thread owns the links and
 * follows redirects with the sync-API policy. A failure throws ClusterError and sets err/errstr; an
 * error reply is returned as a ReplyError value, as hiredis returns a REDIS_REPLY_ERROR.
 */
import { fileURLToPath } from 'node:url';
import { parseHostPort } from '../cluster/address.js';
import { createNode } from '../cluster/cluster-node.js';
import { ClusterScan, type ClusterScanOptions } from '../cluster/cluster-scan.js';
import { isNoKeys, isUnknownCommand } from '../cluster/command-keys.js';
import {
  type ClusterRoute,
  type FanOutPlan,
  type FanOutRequest,
  routePlan,
  tipPlan,
} from '../cluster/fan-out-plan.js';
import { CommandLearning } from '../cluster/learned-commands.js';
import { multiKeyReplies } from '../cluster/multikey-replies.js';
import type { NodeReplies } from '../cluster/response-policy.js';
import { routeOf } from '../cluster/route.js';
import { type ClusterNode, SlotMap } from '../cluster/slotmap.js';
import type { PubsubOverflow } from '../engine/message-queue.js';
import type { PubsubMessage } from '../engine/subscriptions.js';
import { ClusterError, otherError, ReplyError, slotmapNotAvailable, slotNotServed } from '../errors.js';
import type { EngineEvent, NodeLinks } from '../events.js';
import { ClusterScanIterator } from '../face/cluster-scan.js';
import {
  commandFromArgv,
  commandFromBytes,
  commandFromFormat,
  isCommandOptions,
} from '../face/command-input.js';
import {
  type CommandOptions,
  ContextBase,
  commandTimeoutOption,
  type LinkCallback,
} from '../face/context-base.js';
import type { Method } from '../face/method-argv.js';
import type { CommandMethods } from '../face/methods.generated.js';
import { binaryMethods, installMethods, methodReplies } from '../face/methods.js';
import type { SubscribeOptions } from '../face/pubsub-input.js';
import {
  type BlockingScript,
  defineScript,
  type ScriptHost,
  type ScriptOptions,
  scriptFunction,
} from '../face/scripts.js';
import {
  batchChannel,
  type CommandTrace,
  commandChannel,
  commandTrace,
  connectChannel,
  fanOutTrace,
  type TraceFace,
  traceSync,
} from '../face/tracing.js';
import { type BlockingOptions, type ResolvedBlockingOptions, resolveBlockingOptions } from '../options.js';
import type { CommandArg } from '../resp/encode.js';
import {
  OP_CONNECT,
  OP_DROP_LINKS,
  OP_LINKS,
  OP_SET_TIMEOUT,
  OP_UPDATE,
  ROUTED,
  ROUTED_NO_REDIRECT,
  ROUTED_OWN_RETRIES,
  TO_NODE,
} from './batch.js';
import { BlockingPubsub } from './blocking-pubsub.js';
import { BlockingTransaction, type BlockingWatchSession, watchKeysBlocking } from './blocking-transaction.js';
import { CallerChannel } from './channel.js';
import { DirectCalls } from './direct-call.js';
import { BOARD_BYTES, LinkBoard } from './link-board.js';
import { Pipeline } from './pipeline.js';
import { DirectSpin } from './spin.js';
import { WorkerCalls } from './worker-calls.js';
import { workerFiles } from './worker-files.js';
import { toWorkerOptions, type WorkerData } from './worker-options.js';

export type { BlockingOptions } from '../options.js';

/** hiredis-style sync connect callback: status 0 (REDIS_OK) or -1 (REDIS_ERR). */
export type SyncLinkCallback = LinkCallback;
/** hiredis-style event callback with HIRCLUSTER_EVENT_* numbers. */
export type SyncEventCallback<P = unknown> = (cc: BlockingClusterContext, event: number, privdata: P) => void;

// The build bundles worker.js and its imports into one CommonJS script, which the thread's main script,
// worker-loader.ts, compiles with a V8 code cache (scripts/bundle-worker.mjs): ~35 modules, or an ES module
// loader, would be most of a new context's start-up after the thread itself.
const WORKER_LOADER = new URL('./worker-bundle/worker.cjs', import.meta.url);
const WORKER_BODY = fileURLToPath(new URL('./worker-bundle/worker-body.cjs', import.meta.url));

/** The seeds as nodes, for `nodes()` before the first slot map. */
function seedNodes(options: ResolvedBlockingOptions): ClusterNode[] {
  return options.seeds.map((seed) => createNode('', seed.host, seed.port, 'master'));
}

/** The typed command methods (`cc.get(key)`, `cc.hgetall(key)`, ...), defined on the prototype below. */
export interface BlockingClusterContext extends CommandMethods<'sync', string> {}

/**
 * hiredis-cluster's `redisClusterContext`: every call blocks until its reply is in (a worker thread owns
 * the links); failures throw ClusterError and set `err`/`errstr`; error replies are ReplyError values.
 * The typed methods return the reply and throw an error reply as a ReplyError, as `send` does.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above only types what installMethods defines
export class BlockingClusterContext extends ContextBase<BlockingClusterContext> {
  protected readonly options: ResolvedBlockingOptions;
  private readonly channel: CallerChannel;
  private readonly calls: WorkerCalls;
  private map: SlotMap | null = null;
  private known: ClusterNode[];
  private mapVersion = 0;
  private readonly pipeline: Pipeline;
  /** `batch()`'s own pipeline: it follows redirects, whatever pipelineRedirects says. */
  private readonly batchPipeline: Pipeline;
  private binary: CommandMethods<'sync', Buffer> | null = null;
  private readonly learning = new CommandLearning();
  private readonly pubsub: BlockingPubsub;

  constructor(options: BlockingOptions) {
    super();
    this.options = resolveBlockingOptions(options);
    const o = this.options;
    const spin = new DirectSpin(o.spin);
    const board = spin.goesDirect ? new LinkBoard(new SharedArrayBuffer(BOARD_BYTES)) : null;
    // The thread first: it takes ~50 ms to start, and nothing below needs it.
    this.channel = new CallerChannel(WORKER_LOADER, {
      mainScript: true,
      spin: o.spin,
      bufferBytes: o.bufferBytes,
      data: {
        // Only plain data crosses to the worker: the reply builder stays here, where replies are built.
        options: toWorkerOptions(o),
        body: workerFiles(WORKER_BODY),
        board: board?.memory ?? null,
      } satisfies WorkerData,
    });
    const multiKey = multiKeyReplies(this.options.replyBuilder);
    this.known = seedNodes(this.options);
    this.pipeline = new Pipeline(this.options.pipelineRedirects ? ROUTED : ROUTED_NO_REDIRECT, multiKey.ops);
    this.batchPipeline = new Pipeline(ROUTED_OWN_RETRIES, multiKey.ops);
    this.calls = new WorkerCalls(
      this.channel,
      o.replyBuilder,
      multiKey,
      o.callTimeout,
      (event) => this.onEvent(event),
      board === null ? null : new DirectCalls(board, spin, o, o.limits, o.detectIdleClose),
      o.readFrom.mode !== 'primary',
    );
    this.calls.commands = this.learning.table;
    this.pubsub = new BlockingPubsub(this.channel, this.calls);
  }

  get version(): number {
    return this.mapVersion;
  }

  /** `redisClusterConnect2`: the first slot map, asked on a temporary link per node in turn. */
  connect(): void {
    if (!connectChannel.hasSubscribers) this.control(OP_CONNECT, 0);
    else
      traceSync(connectChannel, { face: 'blocking', nodes: this.seeds() }, () => this.control(OP_CONNECT, 0));
  }

  /** `redisClusterUpdateSlotmap`: a blocking full update. */
  updateSlotmap(): void {
    this.control(OP_UPDATE, 0);
  }

  /** `redisClusterSetOptionTimeout`: the command timeout, applied live to every link. */
  setTimeout(ms: number): void {
    this.options.commandTimeout = this.checkTimeout(ms);
    this.channel.beginRequest(4).writeInt32LE(ms, 0);
    this.control(OP_SET_TIMEOUT, 4);
  }

  links(): NodeLinks[] {
    return this.guard(() => JSON.parse(this.calls.control(OP_LINKS, 0).toString('utf8')) as NodeLinks[]);
  }

  /** `redisClusterCommand`: format string with hiredis' conversions; returns the reply. */
  command(format: string, ...args: unknown[]): unknown {
    return this.guard(() => this.routed(commandFromFormat(format, args), this.options.tipRouting));
  }

  /** `redisClusterCommandArgv`. */
  commandArgv(argv: readonly CommandArg[]): unknown {
    return this.guard(() => this.routed(commandFromArgv(argv), this.options.tipRouting));
  }

  /** `redisClusterFormattedCommand`: pre-encoded RESP. */
  formattedCommand(bytes: Uint8Array): unknown {
    return this.guard(() => {
      const argv = commandFromBytes(bytes);
      return this.traced(argv, () => this.calls.run(argv, bytes));
    });
  }

  /**
   * The JavaScript-native call: `cc.send('GET', key)` returns the reply; an error reply is thrown as a
   * ReplyError (as the async face's `send` rejects). With options first, `timeout` (ms) bounds this call.
   */
  send<T = unknown>(command: string, ...args: CommandArg[]): T;
  send<T = unknown>(options: CommandOptions, command: string, ...args: CommandArg[]): T;
  send(first: string | CommandOptions, ...rest: CommandArg[]): unknown {
    const reply = this.guard(() => {
      this.connectFirst();
      if (!isCommandOptions(first)) return this.routed(commandFromArgv([first, ...rest]), true);
      const argv = commandFromArgv(rest);
      const timeout = commandTimeoutOption(first);
      return this.traced(argv, () =>
        this.calls.run(argv, null, timeout < 0 ? this.calls.callTimeout : timeout),
      );
    });
    if (reply instanceof ReplyError) throw reply;
    return reply;
  }

  /** The typed methods with Buffers for bulk strings in replies: `cc.buffers.get(key)` is a Buffer or null. */
  get buffers(): CommandMethods<'sync', Buffer> {
    this.binary ??= binaryMethods(this) as CommandMethods<'sync', Buffer>;
    return this.binary;
  }

  /** @internal A typed method's call: as `send`, with the method's reply builder and shape. */
  callMethod(method: Method, call: ArrayLike<unknown>, binary: boolean): unknown {
    const reply = this.guard(() => {
      this.connectFirst();
      const argv = commandFromArgv(method.argv(call));
      return this.traced(argv, () =>
        this.calls.run(argv, null, this.calls.callTimeout, methodReplies(binary)),
      );
    });
    if (reply instanceof ReplyError) throw reply;
    return method.reply(reply, call);
  }

  /**
   * Many commands in one round trip, cross-slot and not atomic: each is routed by its keys, follows MOVED and
   * ASK and is retried as a single command is. Returns each one's outcome in order: its reply, or its error
   * (a ReplyError, or a ClusterError for a failure) as a value. The hiredis pipeline is left as it is.
   */
  batch(commands: readonly (readonly CommandArg[])[]): unknown[] {
    if (!batchChannel.hasSubscribers) return this.batchOnce(commands);
    return traceSync(batchChannel, { face: 'blocking', size: commands.length }, () =>
      this.batchOnce(commands),
    );
  }

  private batchOnce(commands: readonly (readonly CommandArg[])[]): unknown[] {
    const pipeline = this.batchPipeline;
    pipeline.clear();
    try {
      this.guard(() => {
        this.connectFirst();
        for (const argv of commands) pipeline.append(commandFromArgv(argv), null);
        this.flushPipeline(pipeline);
      });
      return commands.map(() => {
        try {
          return pipeline.nextReply();
        } catch (err) {
          return err;
        }
      });
    } finally {
      pipeline.clear();
    }
  }

  /**
   * Sends a command on an explicit route (every primary, every node, a random one, a node, the node of a
   * slot or key) in one round trip of the worker, and returns the one reply: several nodes' replies are
   * combined by the command's response tip (see README, "Whole-cluster commands"); a node's error is
   * thrown, naming the node.
   */
  sendTo(route: ClusterRoute, command: string, ...args: CommandArg[]): unknown {
    const reply = this.guard(() => {
      this.connectFirst();
      return this.tracedFanOut(routePlan(route, [command, ...args], this.currentMap(), Math.random, false));
    });
    if (reply instanceof ReplyError) throw reply;
    return reply;
  }

  /** Sends a command on an explicit route; returns each node's reply or error (a value) by address. */
  sendEach(route: ClusterRoute, command: string, ...args: CommandArg[]): NodeReplies {
    return this.guard(() => {
      this.connectFirst();
      return this.tracedFanOut(routePlan(route, [command, ...args], this.currentMap(), Math.random, true));
    }) as NodeReplies;
  }

  /**
   * A Lua script run by its digest: `const incr = cc.defineScript(lua, { keys: 1 }); incr(key, arg)` sends
   * `EVALSHA` to the first key's node (a script without keys: a random primary) and, on `NOSCRIPT`, `EVAL`
   * there, which caches it on that node. `load()` sends `SCRIPT LOAD` to every primary.
   */
  defineScript(lua: string, options: ScriptOptions): BlockingScript {
    const script = defineScript(lua, options);
    const host: ScriptHost<unknown> = {
      exchange: (route, argv) => {
        try {
          return this.sendTo(route, String(argv[0]), ...argv.slice(1));
        } catch (err) {
          return err;
        }
      },
      slotOwner: (slot) => this.slotOwner(slot),
      nodes: () => this.nodes(),
      random: Math.random,
    };
    return scriptFunction<BlockingScript>(
      script,
      (args) => {
        this.guard(() => this.connectFirst());
        return script.call(host, args);
      },
      () => script.loaded(this.sendEach('primaries', 'SCRIPT', 'LOAD', lua)),
    );
  }

  /**
   * A SCAN of the whole cluster: `for (const key of cc.scan({ match, count, type }))`. It follows the slots,
   * so a key that exists for the whole scan is returned even while slots move or a failover happens;
   * duplicates are possible (`dedupe` drops them); the iterator's `cursor` resumes it (`scan({ cursor })`).
   */
  scan(options: ClusterScanOptions = {}): ClusterScanIterator {
    return this.guard(
      () =>
        new ClusterScanIterator(new ClusterScan(options, this.currentMap()), {
          map: () => this.currentMap(),
          exchange: (requests) => this.guard(() => this.exchange(requests)),
          refresh: () => {
            try {
              this.updateSlotmap();
            } catch {
              // The scan retries on the map it has, a bounded number of times.
            }
          },
          sleep: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
        }),
    );
  }

  /** A transaction: `cc.multi().add('SET', k, v).add('INCR', n).exec()`, one round trip (see BlockingTransaction). */
  multi(): BlockingTransaction {
    return new BlockingTransaction(this.calls, null);
  }

  /** Opens a WATCH session on the keys' node (a dedicated link the worker holds) and watches them there. */
  watch(...keys: (string | Uint8Array)[]): BlockingWatchSession {
    return watchKeysBlocking(this.calls, keys);
  }

  /** `redisClusterCommandToNode`: no redirects, no retries. */
  commandToNode(node: ClusterNode | string, format: string, ...args: unknown[]): unknown {
    return this.guard(() => {
      const argv = commandFromFormat(format, args);
      const address = this.addressOf(node);
      const call = () => {
        const writer = this.calls.writer();
        writer.addArgv(TO_NODE, -1, address, argv);
        return this.calls.roundTrip(writer)[0];
      };
      if (!commandChannel.hasSubscribers) return call();
      return traceSync(commandChannel, { ...commandTrace('blocking', argv, null, -1), node: address }, call);
    });
  }

  /** `redisClusterAppendCommand`: queued until `getReply()`. */
  appendCommand(format: string, ...args: unknown[]): void {
    this.guard(() => this.pipeline.append(commandFromFormat(format, args), null));
  }

  /** `redisClusterAppendCommandArgv`. */
  appendCommandArgv(argv: readonly CommandArg[]): void {
    this.guard(() => this.pipeline.append(commandFromArgv(argv), null));
  }

  /** `redisClusterAppendFormattedCommand`. */
  appendFormattedCommand(bytes: Uint8Array): void {
    this.guard(() => this.pipeline.append(commandFromBytes(bytes), bytes));
  }

  /** `redisClusterAppendCommandToNode`. */
  appendCommandToNode(node: ClusterNode | string, format: string, ...args: unknown[]): void {
    this.guard(() => this.pipeline.appendToNode(this.addressOf(node), commandFromFormat(format, args)));
  }

  /**
   * `redisClusterGetReply`: the next reply of the pipeline, in append order. The first call sends
   * every appended command in one round trip to the worker; split commands come back merged.
   */
  getReply(): unknown {
    return this.guard(() => {
      if (!this.pipeline.hasReply && this.pipeline.hasUnsent) this.flushPipeline(this.pipeline);
      return this.pipeline.nextReply();
    });
  }

  /**
   * `redisClusterReset`: sends what was appended but not yet sent, drops the unread replies; after an
   * error, or when called without a pipeline, drops every link too (hiredis "resets all connections").
   */
  reset(): void {
    const hadPipeline = !this.pipeline.isEmpty;
    if (this.err === 0 && this.pipeline.hasUnsent) {
      try {
        this.guard(() => this.flushPipeline(this.pipeline));
      } catch {
        // err is set: the links are dropped below.
      }
    }
    this.pipeline.clear();
    if (this.err !== 0 || !hadPipeline) {
      this.clearError();
      this.control(OP_DROP_LINKS, 0);
    }
  }

  /**
   * Subscribes to channels (PUBLISH's); returns once the server confirmed them. Read messages with
   * getMessage(). Options first, optionally: `{ everyPrimary: true }` subscribes on every primary
   * (keyspace notifications).
   */
  subscribe(...channels: (string | Uint8Array)[]): void;
  subscribe(options: SubscribeOptions, ...channels: (string | Uint8Array)[]): void;
  subscribe(...args: unknown[]): void {
    this.guard(() => this.pubsub.subscribe('channel', args));
  }

  /** Subscribes to patterns (pmessage records). Options as subscribe(). */
  psubscribe(...patterns: (string | Uint8Array)[]): void;
  psubscribe(options: SubscribeOptions, ...patterns: (string | Uint8Array)[]): void;
  psubscribe(...args: unknown[]): void {
    this.guard(() => this.pubsub.subscribe('pattern', args));
  }

  /** Subscribes to sharded channels (SPUBLISH's), each on its slot's primary (smessage records). */
  ssubscribe(...channels: (string | Uint8Array)[]): void {
    this.guard(() => this.pubsub.subscribe('sharded', channels));
  }

  /** Leaves channels (none named: all); their messages stop at once. */
  unsubscribe(...channels: (string | Uint8Array)[]): void {
    this.guard(() => this.pubsub.unsubscribe('channel', channels));
  }

  /** Leaves patterns (none named: all). */
  punsubscribe(...patterns: (string | Uint8Array)[]): void {
    this.guard(() => this.pubsub.unsubscribe('pattern', patterns));
  }

  /** Leaves sharded channels (none named: all). */
  sunsubscribe(...channels: (string | Uint8Array)[]): void {
    this.guard(() => this.pubsub.unsubscribe('sharded', channels));
  }

  /**
   * The next message of the context's subscriptions, waiting up to `timeoutMs` (0: only one already
   * there); null when none came. Messages that arrived between calls were kept, up to 10 000: past that an
   * `{ kind: 'overflow', dropped }` record stands where they were dropped.
   */
  getMessage(timeoutMs: number): PubsubMessage | PubsubOverflow | null {
    return this.guard(() => this.pubsub.getMessage(timeoutMs));
  }

  /** PUBLISH on the first node of the map (the cluster broadcasts it); returns the receivers there. */
  publish(channel: string | Uint8Array, message: string | Uint8Array): unknown {
    return this.guard(() => {
      const node = this.known[0];
      if (node === undefined) throw otherError('slotmap not available');
      const writer = this.calls.writer();
      writer.addArgv(TO_NODE, -1, node.addr, ['PUBLISH', channel, message]);
      return this.calls.roundTrip(writer)[0];
    });
  }

  /** SPUBLISH on the channel's slot's primary; returns the receivers. */
  spublish(channel: string | Uint8Array, message: string | Uint8Array): unknown {
    return this.send('SPUBLISH', channel, message);
  }

  /** `redisClusterFree`: closes the links and the worker, then `free-context`. */
  close(): void {
    if (this.calls.closed) return;
    this.calls.closed = true;
    this.channel.close();
    this.raiseFreed();
  }

  protected get faceName(): string {
    return 'BlockingClusterContext';
  }

  protected get traceFace(): TraceFace {
    return 'blocking';
  }

  protected shownState(): object {
    return {};
  }

  protected knownNodes(): readonly ClusterNode[] {
    return this.known;
  }

  /** @internal */
  slotOwner(slot: number): ClusterNode | ClusterError {
    if (this.map === null) return slotmapNotAvailable();
    return this.map.owner(slot) ?? slotNotServed();
  }

  protected callUser(call: () => void): void {
    call();
  }

  /**
   * A routed command. With `byTips` (the JavaScript-native calls) a keyless one goes by its tips, and one
   * the table does not know is learned from the cluster first (once per name; a command the server does not
   * know either goes to a random primary, which answers with its own error); else hiredis' refusals stand.
   */
  private run(argv: readonly CommandArg[], byTips: boolean): unknown {
    try {
      return this.calls.run(argv, null);
    } catch (err) {
      if (!byTips || !(isNoKeys(err) || isUnknownCommand(err))) throw err;
      if (isNoKeys(err)) return this.fanOut(tipPlan(argv, this.currentMap(), Math.random));
    }
    const name = this.learning.toLearn(argv);
    if (name !== null) {
      const question = routePlan(
        'random-primary',
        this.learning.question(name),
        this.currentMap(),
        Math.random,
        false,
      );
      if (this.learning.learn(name, this.exchange(question.requests)[0])) return this.run(argv, true);
    }
    return this.fanOut(routePlan('random-primary', argv, this.currentMap(), Math.random, false));
  }

  /** A routed command (see run); while someone listens on hircluster:command, traced on this thread. */
  private routed(argv: readonly CommandArg[], byTips: boolean): unknown {
    if (!commandChannel.hasSubscribers) return this.run(argv, byTips);
    return traceSync(commandChannel, this.commandTrace(argv), () => this.run(argv, byTips));
  }

  /** `call` for `argv`, traced as routed() traces. */
  private traced(argv: readonly CommandArg[], call: () => unknown): unknown {
    return commandChannel.hasSubscribers ? traceSync(commandChannel, this.commandTrace(argv), call) : call();
  }

  /**
   * A routed command's trace context: its slot, and the slot's owner in this thread's slot map (the worker
   * follows redirects unseen, so neither the node that answered nor retries and redirects are known here).
   */
  private commandTrace(argv: readonly CommandArg[]): CommandTrace {
    let slot = -1;
    try {
      const route = routeOf(argv, this.learning.table);
      if (route.plan === null) slot = route.slot;
    } catch {
      // A keyless command: it goes by its tips, with no one slot.
    }
    const context = commandTrace('blocking', argv, null, slot);
    const owner = slot < 0 ? null : this.slotOwner(slot);
    if (owner !== null && !(owner instanceof ClusterError)) context.node = `${owner.host}:${owner.port}`;
    return context;
  }

  /** sendTo / sendEach's fan-out, traced as one command. */
  private tracedFanOut(plan: FanOutPlan): unknown {
    if (!commandChannel.hasSubscribers) return this.fanOut(plan);
    return traceSync(commandChannel, fanOutTrace('blocking', plan.requests), () => this.fanOut(plan));
  }

  /** The slot map fan-outs plan on; throws before the first. */
  private currentMap(): SlotMap {
    if (this.map === null) throw slotmapNotAvailable();
    return this.map;
  }

  /** A plan's requests in one round trip; its one outcome, a failure thrown (an error reply is a value). */
  private fanOut(plan: FanOutPlan): unknown {
    const outcome = plan.finish(this.exchange(plan.requests));
    if (outcome instanceof ClusterError) throw outcome;
    return outcome;
  }

  /** Requests to nodes (or routed by slot) in one round trip; each one's outcome, failures as values. */
  private exchange(requests: readonly FanOutRequest[]): unknown[] {
    const writer = this.calls.writer();
    for (const { address, slot, argv } of requests) {
      if (address === '') writer.addArgv(ROUTED, slot, '', argv);
      else writer.addArgv(TO_NODE, -1, address, argv);
    }
    return this.calls.roundTrip(writer, false, true);
  }

  private addressOf(node: ClusterNode | string): string {
    if (typeof node !== 'string') return `${node.host}:${node.port}`;
    const { host, port } = parseHostPort(node);
    return `${host}:${port}`;
  }

  private flushPipeline(pipeline: Pipeline): void {
    pipeline.flush((bytes, count, hasParts) => {
      if (this.calls.closed) throw otherError('context closed');
      this.channel.beginRequest(bytes.length).set(bytes);
      return this.calls.roundTrip({ length: bytes.length, count }, hasParts, true);
    });
  }

  /**
   * The JavaScript-native calls connect by themselves: the first one made before connect() fetches the slot
   * map as connect() does (its failure is the call's). The hiredis-named calls refuse, as in hiredis.
   */
  private connectFirst(): void {
    if (this.map === null) this.calls.control(OP_CONNECT, 0);
  }

  /** A request without commands, with hiredis' err/errstr around it. */
  private control(opcode: number, length: number): void {
    this.guard(() => this.calls.control(opcode, length));
  }

  /** hiredis' err/errstr around a call: cleared before, set (and thrown) on failure. */
  private guard<T>(body: () => T): T {
    this.clearError();
    try {
      return body();
    } catch (err) {
      throw this.setError(err);
    }
  }

  /** An event from the worker; a new slot map is kept here for nodes() and nodeForKey(). */
  private onEvent(event: EngineEvent): void {
    if (event.type === 'slotmap-updated') {
      this.map = new SlotMap(event.nodes);
      this.map.version = event.version;
      this.known = this.map.nodes;
      this.mapVersion = event.version;
    }
    this.deliver(event);
  }
}

installMethods(BlockingClusterContext.prototype);
