/**
 * The blocking context's pipeline (hiredis' appendCommand / getReply / reset): commands are routed and
 * encoded at append time, as hiredis formats them, straight into the channel's request area; replies are
 * handed out in append order, split multi-key commands merged back into one reply each.
 *
 * A long pipeline is streamed: once STREAM_PART commands wait, they are published to the worker, which puts
 * them on the wire while later ones are still appended (and so on, every STREAM_PART); the first getReply
 * publishes the rest and waits for every reply. A short one goes in one request at the first getReply. Any
 * other request of the context first settles the pipeline (its commands sent, their replies kept in order):
 * they share the request area.
 */
import type { MergeOps, MultiKeyPlan } from '../cluster/multikey.js';
import { joinParts } from '../cluster/multikey-join.js';
import { routeOf } from '../cluster/route.js';
import { ClusterError, otherError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import { type BatchWriter, READ_ONLY, TO_NODE } from './batch.js';

/**
 * Commands appended before the worker is given them. Small enough that the wire is busy early; large enough
 * that the worker, which routes a part at a time and writes each node its share, makes few writes.
 */
const STREAM_PART = 64;
/**
 * A worker that waits for the next part is woken (a system call here, a thread wake-up there) only once this
 * many commands are ready; a busy one takes each part for the cost of a store.
 */
const WAKE_PART = 256;

/** What a pipeline needs of the channel (WorkerCalls). */
export interface PipelineChannel {
  /** A new batch in the request area; whatever held it before is settled first. */
  writer(): BatchWriter;
  /** `holder` keeps commands in the request area: it is settled before any other request (null: none). */
  hold(holder: { settle(): void } | null): void;
  /** Publishes the batch so far as a streamed request (`open`: one is published, this extends it). */
  stream(writer: BatchWriter, open: boolean): void;
  /** Whether the worker sleeps until the published stream moves on. */
  readonly streamWaits: boolean;
  /** Sends the batch, or the rest of its stream, and waits: a result per command, failures as values. */
  finish(writer: BatchWriter, streamed: boolean, hasParts: boolean): unknown[];
}

export class Pipeline {
  /** The batch of appended commands not sent yet, in the request area; null when there are none. */
  private batch: BatchWriter | null = null;
  /** Commands of `batch` already published to the worker (a streamed request); 0 when none. */
  private posted = 0;
  /** A failure met while publishing part of the batch: every command of it ends with it. */
  private postFailure: unknown = null;
  /** The split commands of the batch: the index of each one's first part, and its plan. */
  private splits: { at: number; plan: MultiKeyPlan }[] = [];
  /** Replies owed for `batch`: one per command, split or not. */
  private owed = 0;
  private replies: unknown[] = [];
  private next = 0;
  private readonly holder = { settle: () => this.flush() };

  constructor(
    private readonly channel: PipelineChannel,
    /** ROUTED (follow redirects) or ROUTED_NO_REDIRECT (hiredis: a redirect is the reply). */
    private readonly kind: number,
    private readonly ops: MergeOps<unknown>,
  ) {}

  /** Nothing appended and no reply since the last clear(), read or not. */
  get isEmpty(): boolean {
    return this.owed === 0 && this.replies.length === 0;
  }

  /** Commands appended but not sent yet. */
  get hasUnsent(): boolean {
    return this.owed > 0;
  }

  /** A key-routed command (`raw`: its pre-encoded bytes, when the caller gave them). */
  append(argv: readonly CommandArg[], raw: Uint8Array | null): void {
    const { slot, plan, readOnly } = routeOf(argv);
    const kind = readOnly ? this.kind | READ_ONLY : this.kind;
    const batch = this.open();
    if (plan !== null) {
      this.splits.push({ at: batch.count, plan });
      for (const part of plan.parts) batch.addArgv(kind, part.slot, '', part.argv);
    } else if (raw !== null) batch.add(kind, slot, '', raw);
    else batch.addArgv(kind, slot, '', argv);
    this.appended(batch);
  }

  /** A command for the node at `address`. */
  appendToNode(address: string, argv: readonly CommandArg[]): void {
    const batch = this.open();
    batch.addArgv(TO_NODE, -1, address, argv);
    this.appended(batch);
  }

  /**
   * Sends what was appended (the rest of its stream) and waits for every reply; a failed round trip
   * (deadline, worker gone) becomes every command's outcome. Replies still unread stay first.
   */
  flush(): void {
    const batch = this.batch;
    if (batch === null) return;
    const { count } = batch;
    const { splits, posted, postFailure } = this;
    this.batch = null;
    this.splits = [];
    this.owed = 0;
    this.posted = 0;
    this.postFailure = null;
    this.channel.hold(null);
    let results: unknown[];
    try {
      if (postFailure !== null) throw postFailure;
      results = this.channel.finish(batch, posted > 0, splits.length > 0);
    } catch (err) {
      results = new Array(count).fill(err);
    }
    const replies = this.replies.slice(this.next);
    this.next = 0;
    this.replies = replies;
    let from = 0;
    for (const { at, plan } of splits) {
      while (from < at) replies.push(results[from++]);
      let merged: unknown;
      try {
        merged = joinParts(plan, results, from, this.ops);
      } catch (err) {
        merged = err;
      }
      replies.push(merged);
      from += plan.parts.length;
    }
    while (from < count) replies.push(results[from++]);
  }

  /** True while replies of the last flush are unread. */
  get hasReply(): boolean {
    return this.next < this.replies.length;
  }

  /** The next reply in append order; its failure is thrown. */
  nextReply(): unknown {
    if (!this.hasReply) throw otherError('no pending replies (append a command first)');
    const reply = this.replies[this.next];
    this.replies[this.next++] = undefined;
    if (reply instanceof ClusterError) throw reply;
    return reply;
  }

  /** Forgets unread replies and what was appended (a part the worker was given is still waited for). */
  clear(): void {
    if (this.posted > 0) this.flush();
    if (this.batch !== null) {
      this.batch = null;
      this.splits = [];
      this.owed = 0;
      this.postFailure = null;
      this.channel.hold(null);
    }
    this.replies = [];
    this.next = 0;
  }

  /** The batch to append to: a new one in the request area when none is open. */
  private open(): BatchWriter {
    if (this.batch !== null) return this.batch;
    const batch = this.channel.writer();
    this.batch = batch;
    this.channel.hold(this.holder);
    return batch;
  }

  /** One more command owed; every STREAM_PART, what was appended is published. */
  private appended(batch: BatchWriter): void {
    this.owed++;
    const ready = batch.count - this.posted;
    if (ready < STREAM_PART || this.postFailure !== null) return;
    if (this.posted > 0 && ready < WAKE_PART && this.channel.streamWaits) return;
    try {
      this.channel.stream(batch, this.posted > 0);
      this.posted = batch.count;
    } catch (err) {
      this.postFailure = err;
    }
  }
}
