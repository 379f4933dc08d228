/**
 * The one join of a split multi-key command's parts, for every face and for pipelines: part outcomes come
 * in any order; the first failure reported decides (the command fails with it, the other parts may have
 * run, as in hiredis); otherwise, once every part is in, the replies merge in key order.
 */
import { ClusterError, REDIS_ERR_OTHER } from '../errors.js';
import type { MergeOps, MultiKeyPlan } from './multikey.js';

export class PartJoin {
  private remaining: number;
  private readonly replies: unknown[];
  private failure: ClusterError | null = null;

  constructor(
    readonly plan: MultiKeyPlan,
    private readonly ops: MergeOps<unknown>,
  ) {
    this.remaining = plan.parts.length;
    this.replies = new Array(this.remaining);
  }

  /** Part `index`'s reply; true when it completes the join. */
  reply(index: number, value: unknown): boolean {
    if (this.failure !== null) return false;
    this.replies[index] = value;
    return --this.remaining === 0;
  }

  /** A part's failure; true when it decides the join (the first failure, before every part was in). */
  fail(err: ClusterError): boolean {
    if (this.failure !== null || this.remaining === 0) return false;
    this.failure = err;
    return true;
  }

  /** The command's reply once decided: the merged replies; a failure (or a part of the wrong shape) is thrown. */
  result(): unknown {
    if (this.failure !== null) throw this.failure;
    try {
      return this.plan.mergeWith(this.replies, this.ops);
    } catch (err) {
      throw err instanceof ClusterError ? err : new ClusterError(REDIS_ERR_OTHER, String(err));
    }
  }
}

/**
 * Joins the parts found at `results[from..]`, in part order, where a failed part is its ClusterError;
 * returns the merged reply or throws the first failure.
 */
export function joinParts(
  plan: MultiKeyPlan,
  results: readonly unknown[],
  from: number,
  ops: MergeOps<unknown>,
): unknown {
  const join = new PartJoin(plan, ops);
  for (let i = 0; i < plan.parts.length; i++) {
    const part = results[from + i];
    if (part instanceof ClusterError) join.fail(part);
    else join.reply(i, part);
  }
  return join.result();
}
