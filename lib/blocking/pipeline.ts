/**
 * The blocking context's pipeline (hiredis' appendCommand / getReply / reset): commands are routed and
 * encoded at append time, as hiredis formats them, into one private batch; the first getReply sends it
 * whole in one round trip; replies are then handed out in append order, split multi-key commands merged
 * back into one reply each.
 */
import type { MergeOps, MultiKeyPlan } from '../cluster/multikey.js';
import { joinParts } from '../cluster/multikey-join.js';
import { routeOf } from '../cluster/route.js';
import { ClusterError, otherError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import { BatchWriter, READ_ONLY, TO_NODE } from './batch.js';

/** Initial size of a pipeline's private batch; it doubles as needed and is reused after each flush. */
const INITIAL_BATCH_BYTES = 16 * 1024;

export class Pipeline {
  private bytes = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
  private readonly batch = new BatchWriter(this.bytes, (minBytes, keepBytes) =>
    this.grow(minBytes, keepBytes),
  );
  /** Replies owed for what was appended: one per command, split or not. */
  private owed = 0;
  /** The split commands of the batch: the index of each one's first part, and its plan. */
  private splits: { at: number; plan: MultiKeyPlan }[] = [];
  private replies: unknown[] = [];
  private next = 0;

  constructor(
    /** ROUTED (follow redirects) or ROUTED_NO_REDIRECT (hiredis: a redirect is the reply). */
    private readonly kind: number,
    private readonly ops: MergeOps<unknown>,
  ) {}

  /** Nothing appended and no reply waiting. */
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
    if (plan !== null) {
      this.splits.push({ at: this.batch.count, plan });
      for (const part of plan.parts) this.batch.addArgv(kind, part.slot, '', part.argv);
    } else if (raw !== null) this.batch.add(kind, slot, '', raw);
    else this.batch.addArgv(kind, slot, '', argv);
    this.owed++;
  }

  /** A command for the node at `address`. */
  appendToNode(address: string, argv: readonly CommandArg[]): void {
    this.batch.addArgv(TO_NODE, -1, address, argv);
    this.owed++;
  }

  /**
   * Sends the batch with `send` (one round trip: a result per command, in order); a failed round trip
   * (deadline, worker gone) becomes every command's outcome.
   */
  flush(send: (bytes: Buffer, count: number, hasParts: boolean) => unknown[]): void {
    const { count, length } = this.batch;
    const splits = this.splits;
    const owed = this.owed;
    this.batch.reset();
    this.splits = [];
    this.owed = 0;
    let results: unknown[];
    try {
      results = send(this.bytes.subarray(0, length), count, splits.length > 0);
    } catch (err) {
      results = new Array(count).fill(err);
    }
    if (splits.length === 0) {
      this.replies = results;
    } else {
      const replies: unknown[] = new Array(owed);
      let from = 0;
      let to = 0;
      for (const { at, plan } of splits) {
        while (from < at) replies[to++] = results[from++];
        let merged: unknown;
        try {
          merged = joinParts(plan, results, from, this.ops);
        } catch (err) {
          merged = err;
        }
        replies[to++] = merged;
        from += plan.parts.length;
      }
      while (from < count) replies[to++] = results[from++];
      this.replies = replies;
    }
    this.next = 0;
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

  /** Forgets appended commands and unread replies. */
  clear(): void {
    this.batch.reset();
    this.splits = [];
    this.owed = 0;
    this.replies = [];
    this.next = 0;
  }

  private grow(minBytes: number, keepBytes: number): Buffer {
    const grown = Buffer.allocUnsafe(Math.max(minBytes, this.bytes.length * 2));
    this.bytes.copy(grown, 0, 0, keepBytes);
    this.bytes = grown;
    return grown;
  }
}
