/**
 * How the replies of several nodes make one (Redis 7 command tips, `response_policy`), as pure functions of
 * the replies in node order. A node's error reply (ReplyError) or failure (ClusterError) is a value here;
 * what fails the whole comes back as a value too, naming its node, and the face throws or rejects with it.
 */
import { atNode, ClusterError, otherError, ReplyError } from '../errors.js';
import type { ResponsePolicy } from './commands.generated.js';

/** One node's outcome: its reply, or its ReplyError / ClusterError. */
export interface NodeReply {
  /** 'host:port' of the node. */
  address: string;
  reply: unknown;
}

/** Each node's outcome keyed by its address, in node order (what `sendEach` returns). */
export type NodeReplies = Map<string, unknown>;

function failed(reply: unknown): reply is ReplyError | ClusterError {
  return reply instanceof ReplyError || reply instanceof ClusterError;
}

/** A node's error, saying which node: a failure keeps its message and gets `address`; a reply is suffixed. */
export function namedError(err: ReplyError | ClusterError, address: string): ReplyError | ClusterError {
  return err instanceof ClusterError
    ? atNode(err, address)
    : new ReplyError(`${err.message} (node ${address})`);
}

/**
 * The one reply of `name` from `replies` by `policy`: one_succeeded takes the first success; the others
 * fail with the first node's error; all_succeeded answers the first node's reply; agg_* combine integers
 * (or arrays of them, element by element: SCRIPT EXISTS); special keeps each node's reply (a Map), and so
 * does no policy unless every reply is an array, which are concatenated (KEYS, SLOWLOG GET).
 */
export function aggregateReplies(
  name: string,
  policy: ResponsePolicy | undefined,
  replies: readonly NodeReply[],
): unknown {
  if (replies.length === 0) return otherError(`${name}: no node to send it to`);
  if (policy === 'one_succeeded') {
    const success = replies.find((r) => !failed(r.reply));
    const first = replies[0]!;
    return success !== undefined ? success.reply : namedError(first.reply as ReplyError, first.address);
  }
  for (const { address, reply } of replies) if (failed(reply)) return namedError(reply, address);
  switch (policy) {
    case 'all_succeeded':
      return replies[0]!.reply;
    case 'agg_sum':
      return combine(name, replies, (a, b) => a + b);
    case 'agg_min':
      return combine(name, replies, (a, b) => Math.min(a, b));
    case 'agg_max':
      return combine(name, replies, (a, b) => Math.max(a, b));
    case 'agg_logical_and':
      return combine(name, replies, (a, b) => (a !== 0 && b !== 0 ? 1 : 0));
    case 'agg_logical_or':
      return combine(name, replies, (a, b) => (a !== 0 || b !== 0 ? 1 : 0));
    case 'special':
      return eachReply(replies);
    default:
      if (replies.every((r) => Array.isArray(r.reply))) return replies.flatMap((r) => r.reply as unknown[]);
      return eachReply(replies);
  }
}

/** Every node's outcome, errors included, by address. */
export function eachReply(replies: readonly NodeReply[]): NodeReplies {
  return new Map(replies.map((r) => [r.address, r.reply]));
}

/** Integers, or equally long arrays of integers, folded with `op`. */
function combine(name: string, replies: readonly NodeReply[], op: (a: number, b: number) => number): unknown {
  const first = replies[0]!.reply;
  if (Array.isArray(first)) {
    const out = first.map((value) => integer(value));
    for (const { address, reply } of replies.slice(1)) {
      if (!Array.isArray(reply) || reply.length !== out.length) return notAggregable(name, address);
      for (let i = 0; i < out.length; i++) out[i] = op(out[i]!, integer(reply[i]));
    }
    return out.some(Number.isNaN) ? notAggregable(name, replies[0]!.address) : out;
  }
  let acc = integer(first);
  for (const { reply } of replies.slice(1)) acc = op(acc, integer(reply));
  return Number.isNaN(acc) ? notAggregable(name, replies[0]!.address) : acc;
}

function integer(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number.NaN;
}

function notAggregable(name: string, address: string): ClusterError {
  return otherError(`${name}: the replies are not integers to aggregate (node ${address})`);
}
