/**
 * The blocking context's pipeline (hiredis' appendCommand / getReply / reset): commands wait here,
 * routed and formatted at append time, until the first getReply sends them all in one batch; replies
 * are then handed out in append order, split multi-key commands merged back into one reply each.
 */
import type { MergeOps, MultiKeyPlan } from '../cluster/multikey.js';
import { routeOf } from '../engine/route.js';
import { ClusterError, otherError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import { type BatchWriter, TO_NODE } from './batch.js';

/** A command waiting in the pipeline: one part, or the first of a split multi-key command's parts. */
interface Appended {
  kind: number;
  slot: number;
  address: string;
  argv: readonly CommandArg[] | null;
  raw: Uint8Array | null;
  /** Set on the first part of a split command: the plan that merges its parts. */
  plan: MultiKeyPlan | null;
}

/** Merges the parts of a split command found at `results[from..]`; a part's failure is thrown. */
export function mergeParts(
  plan: MultiKeyPlan,
  results: readonly unknown[],
  from: number,
  ops: MergeOps<unknown>,
): unknown {
  const parts = results.slice(from, from + plan.parts.length);
  for (const part of parts) if (part instanceof ClusterError) throw part;
  return plan.mergeWith(parts, ops);
}

export class Pipeline {
  private appended: Appended[] = [];
  private replies: unknown[] = [];
  private next = 0;

  constructor(
    /** ROUTED (follow redirects) or ROUTED_NO_REDIRECT (hiredis: a redirect is the reply). */
    private readonly kind: number,
    private readonly ops: MergeOps<unknown>,
  ) {}

  /** Nothing appended and no reply waiting. */
  get isEmpty(): boolean {
    return this.appended.length === 0 && this.replies.length === 0;
  }

  /** Commands appended but not sent yet. */
  get hasUnsent(): boolean {
    return this.appended.length > 0;
  }

  /** A key-routed command (`raw`: its pre-encoded bytes, when the caller gave them). */
  append(original: readonly CommandArg[], raw: Uint8Array | null): void {
    // hiredis formats at append time: later changes to the caller's Buffers must not reach the wire.
    const argv = original.some((arg) => arg instanceof Uint8Array)
      ? original.map((arg) => (arg instanceof Uint8Array ? Buffer.from(arg) : arg))
      : original;
    const { slot, plan } = routeOf(argv);
    if (plan === null) {
      this.appended.push({ kind: this.kind, slot, address: '', argv, raw, plan });
      return;
    }
    plan.parts.forEach((part, i) => {
      const first = i === 0 ? plan : null;
      this.appended.push({
        kind: this.kind,
        slot: part.slot,
        address: '',
        argv: part.argv,
        raw: null,
        plan: first,
      });
    });
  }

  /** A command for the node at `address`. */
  appendToNode(address: string, argv: readonly CommandArg[]): void {
    this.appended.push({ kind: TO_NODE, slot: -1, address, argv, raw: null, plan: null });
  }

  /**
   * Sends every appended command with `send` (one round trip: a result per command, in order);
   * a failed round trip (deadline, worker gone) becomes every command's outcome.
   */
  flush(writer: BatchWriter, send: (writer: BatchWriter, hasParts: boolean) => unknown[]): void {
    const appended = this.appended;
    this.appended = [];
    let hasParts = false;
    for (const a of appended) {
      if (a.plan !== null) hasParts = true;
      if (a.raw !== null) writer.add(a.kind, a.slot, a.address, a.raw);
      else writer.addArgv(a.kind, a.slot, a.address, a.argv!);
    }
    let results: unknown[];
    try {
      results = send(writer, hasParts);
    } catch (err) {
      results = new Array(appended.length).fill(err);
    }
    const replies: unknown[] = [];
    for (let i = 0; i < appended.length; ) {
      const plan = appended[i]!.plan;
      if (plan === null) {
        replies.push(results[i]);
        i++;
        continue;
      }
      try {
        replies.push(mergeParts(plan, results, i, this.ops));
      } catch (err) {
        replies.push(err);
      }
      i += plan.parts.length;
    }
    this.replies = replies;
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
    this.appended = [];
    this.replies = [];
    this.next = 0;
  }
}
