/**
 * BlockingClusterContext: hiredis-cluster's `redisClusterContext` with truly synchronous calls. The
 * caller encodes into shared memory and blocks in Atomics.wait; a worker thread owns the links and
 * follows redirects with the sync-API policy. A failure throws ClusterError and sets err/errstr; an
 * error reply is returned as a ReplyError value, as hiredis returns a REDIS_REPLY_ERROR.
 */
import { parseHostPort } from '../cluster/address.js';
import { createNode } from '../cluster/cluster-node.js';
import { joinParts } from '../cluster/multikey-join.js';
import { type MultiKeyReplies, multiKeyReplies } from '../cluster/multikey-replies.js';
import { routeOf } from '../cluster/route.js';
import { type ClusterNode, SlotMap } from '../cluster/slotmap.js';
import {
  ClusterError,
  otherError,
  REDIS_ERR_TIMEOUT,
  slotmapNotAvailable,
  slotNotServed,
} from '../errors.js';
import type { EngineEvent } from '../events.js';
import { commandFromArgv, commandFromBytes, commandFromFormat } from '../face/command-input.js';
import { ContextBase, type LinkCallback } from '../face/context-base.js';
import { type BlockingOptions, type ResolvedBlockingOptions, resolveBlockingOptions } from '../options.js';
import { buildReply, type ReplyBuilder } from '../resp/build.js';
import type { CommandArg } from '../resp/encode.js';
import {
  BatchWriter,
  OP_BATCH,
  OP_CONNECT,
  OP_DROP_LINKS,
  OP_SET_TIMEOUT,
  OP_UPDATE,
  ROUTED,
  ROUTED_NO_REDIRECT,
  readFailure,
  readResults,
  TO_NODE,
} from './batch.js';
import { CallerChannel, STATUS_ERROR, STATUS_OK, STATUS_TIMEOUT } from './channel.js';
import { Pipeline } from './pipeline.js';
import { toWorkerOptions } from './worker-options.js';

export type { BlockingOptions } from '../options.js';

/** hiredis-style sync connect callback: status 0 (REDIS_OK) or -1 (REDIS_ERR). */
export type SyncLinkCallback = LinkCallback;
/** hiredis-style event callback with HIRCLUSTER_EVENT_* numbers. */
export type SyncEventCallback<P = unknown> = (cc: BlockingClusterContext, event: number, privdata: P) => void;

/** The seeds as nodes, for `nodes()` before the first slot map. */
function seedNodes(options: ResolvedBlockingOptions): ClusterNode[] {
  return options.seeds.map((seed) => createNode('', seed.host, seed.port, 'master'));
}

/**
 * hiredis-cluster's `redisClusterContext`: every call blocks until its reply is in (a worker thread owns
 * the links); failures throw ClusterError and set `err`/`errstr`; error replies are ReplyError values.
 */
export class BlockingClusterContext extends ContextBase<BlockingClusterContext> {
  protected readonly options: ResolvedBlockingOptions;
  private readonly channel: CallerChannel;
  private readonly builder: ReplyBuilder;
  private readonly multiKey: MultiKeyReplies;
  private readonly callTimeout: number;
  private map: SlotMap | null = null;
  private known: ClusterNode[];
  private mapVersion = 0;
  private readonly pipeline: Pipeline;
  private closed = false;

  constructor(options: BlockingOptions) {
    super();
    this.options = resolveBlockingOptions(options);
    this.builder = this.options.replyBuilder;
    this.multiKey = multiKeyReplies(this.builder);
    this.known = seedNodes(this.options);
    this.callTimeout = this.options.callTimeout;
    this.pipeline = new Pipeline(
      this.options.pipelineRedirects ? ROUTED : ROUTED_NO_REDIRECT,
      this.multiKey.ops,
    );
    // The build bundles worker.js and its imports into one CommonJS script (scripts/bundle-worker.mjs), run as
    // the thread's main script: ~35 modules, or an ES module loader, would be most of a new context's start-up
    // after the thread itself.
    this.channel = new CallerChannel(new URL('./worker-bundle/worker.cjs', import.meta.url), {
      mainScript: true,
      spin: this.options.spin,
      bufferBytes: this.options.bufferBytes,
      // Only plain data crosses to the worker: the reply builder stays here, where replies are built.
      data: toWorkerOptions(this.options),
    });
  }

  get version(): number {
    return this.mapVersion;
  }

  /** `redisClusterConnect2`: the first slot map, asked on a temporary link per node in turn. */
  connect(): void {
    this.control(OP_CONNECT, 0);
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

  /** `redisClusterCommand`: format string with hiredis' conversions; returns the reply. */
  command(format: string, ...args: unknown[]): unknown {
    return this.guard(() => this.run(commandFromFormat(format, args), null));
  }

  /** `redisClusterCommandArgv`. */
  commandArgv(argv: readonly CommandArg[]): unknown {
    return this.guard(() => this.run(commandFromArgv(argv), null));
  }

  /** `redisClusterFormattedCommand`: pre-encoded RESP. */
  formattedCommand(bytes: Uint8Array): unknown {
    return this.guard(() => this.run(commandFromBytes(bytes), bytes));
  }

  /** `redisClusterCommandToNode`: no redirects, no retries. */
  commandToNode(node: ClusterNode | string, format: string, ...args: unknown[]): unknown {
    return this.guard(() => {
      const writer = this.writer();
      writer.addArgv(TO_NODE, -1, this.addressOf(node), commandFromFormat(format, args));
      return this.send(writer.length, writer.count)[0];
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
      if (!this.pipeline.hasReply && this.pipeline.hasUnsent) this.flushPipeline();
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
        this.guard(() => this.flushPipeline());
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

  /** `redisClusterFree`: closes the links and the worker, then `free-context`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close();
    this.raiseFreed();
  }

  protected get faceName(): string {
    return 'BlockingClusterContext';
  }

  protected shownState(): object {
    return {};
  }

  protected knownNodes(): readonly ClusterNode[] {
    return this.known;
  }

  protected ownerOf(slot: number): ClusterNode | ClusterError {
    if (this.map === null) return slotmapNotAvailable();
    return this.map.owner(slot) ?? slotNotServed();
  }

  protected callUser(call: () => void): void {
    call();
  }

  private writer(): BatchWriter {
    if (this.closed) throw otherError('context closed');
    return new BatchWriter(this.channel.beginRequest(), (min, keep) => this.channel.growRequest(min, keep));
  }

  private addressOf(node: ClusterNode | string): string {
    if (typeof node !== 'string') return `${node.host}:${node.port}`;
    const { host, port } = parseHostPort(node);
    return `${host}:${port}`;
  }

  /** One key-routed command; a cross-slot multi-key command goes as its parts in one batch. */
  private run(argv: readonly CommandArg[], raw: Uint8Array | null): unknown {
    const { slot, plan } = routeOf(argv);
    const writer = this.writer();
    if (plan === null) {
      if (raw !== null) writer.add(ROUTED, slot, '', raw);
      else writer.addArgv(ROUTED, slot, '', argv);
      return this.send(writer.length, writer.count)[0];
    }
    for (const part of plan.parts) writer.addArgv(ROUTED, part.slot, '', part.argv);
    return joinParts(plan, this.send(writer.length, writer.count, true), 0, this.multiKey.ops);
  }

  private flushPipeline(): void {
    this.pipeline.flush((bytes, count, hasParts) => {
      if (this.closed) throw otherError('context closed');
      this.channel.beginRequest(bytes.length).set(bytes);
      return this.send(bytes.length, count, hasParts, true);
    });
  }

  /**
   * One round trip: the worker answers with a reply or failure per command. Failures are thrown
   * unless `keepFailures` (pipelines hand them out in order); `parts` builds with the merge builder.
   */
  private send(length: number, count: number, parts = false, keepFailures = false): unknown[] {
    const status = this.channel.call(OP_BATCH, length, count, this.callTimeout);
    this.deliverEvents();
    if (status === STATUS_TIMEOUT) throw new ClusterError(REDIS_ERR_TIMEOUT, 'Timeout');
    if (status !== STATUS_OK) throw readFailure(this.channel.response());
    const results: unknown[] = new Array(count);
    let failure: ClusterError | null = null;
    const builder = parts ? this.multiKey.builder : this.builder;
    readResults(
      this.channel.responseArea,
      count,
      (area, start, end, i) => {
        results[i] = buildReply(area, start, end, builder);
      },
      (err, i) => {
        results[i] = err;
        failure ??= err;
      },
    );
    if (failure !== null && !keepFailures && !parts) throw failure;
    return results;
  }

  /** Runs a request without commands; a failure is thrown. */
  private control(opcode: number, length: number): void {
    this.guard(() => {
      if (this.closed) throw otherError('context closed');
      const status = this.channel.call(opcode, length, 0, 0);
      this.deliverEvents();
      if (status === STATUS_ERROR) throw readFailure(this.channel.response());
    });
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

  /** Events the worker raised during the call, on this thread, before the call returns. */
  private deliverEvents(): void {
    for (const value of this.channel.takeEvents()) {
      const event = value as EngineEvent;
      if (event.type === 'slotmap-updated') {
        this.map = new SlotMap(event.nodes);
        this.map.version = event.version;
        this.known = this.map.nodes;
        this.mapVersion = event.version;
      }
      this.deliver(event);
    }
  }
}
