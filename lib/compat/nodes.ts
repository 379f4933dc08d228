/**
 * The nodes of a context as C code sees them (`redisClusterNode` with a numeric `role`, `slots`,
 * `slaves`, `migrating`, `importing`), the node iterator, and the key -> slot -> node helpers.
 */
import type { AsyncClusterContext } from '../async-context.js';
import type { BlockingClusterContext } from '../blocking/blocking-context.js';
import { keySlot } from '../cluster/keyslot.js';
import { ClusterError, otherError, slotmapNotAvailable } from '../errors.js';
import { type RedisClusterContext, setError } from './context.js';
import { nodeView, type RedisClusterNode } from './node-view.js';

export type {
  RedisClusterNode,
  RedisClusterOpenSlot,
  RedisClusterSlotRange,
  redisClusterNode,
} from './node-view.js';

/**
 * hiredis-cluster's `redisClusterNodeIterator`. C declares one on the stack and hands its address to
 * `redisClusterInitNodeIterator(&ni, cc)`; in TypeScript start from an empty object:
 * `const ni: redisClusterNodeIterator = {}; redisClusterInitNodeIterator(ni, cc);`. The fields belong to
 * the iterator functions.
 */
export interface RedisClusterNodeIterator {
  /** @internal */
  cc?: RedisClusterContext;
  /** @internal The slot-map version the walk started on. */
  version?: number;
  /** @internal */
  nodes?: RedisClusterNode[];
  /** @internal */
  next?: number;
  /** @internal Restarts still allowed when the slot map changes (hiredis `retries_left`). */
  retriesLeft?: number;
}

/** The C type name of {@link RedisClusterNodeIterator}, for code ported from C. */
export type redisClusterNodeIterator = RedisClusterNodeIterator;

/** The address a `...ToNode` function sends to; throws otherError for something that is not a node. */
export function nodeAddress(node: RedisClusterNode | string): string {
  if (typeof node === 'string') return node;
  if (node !== null && typeof node === 'object' && typeof node.addr === 'string') return node.addr;
  throw otherError(
    'Invalid node: expected a node from redisClusterNodeNext / redisClusterGetNodeByKey, or "host:port"',
  );
}

function engineOf(cc: RedisClusterContext): BlockingClusterContext | AsyncClusterContext | null {
  return cc.engine ?? cc.owner?.engine ?? null;
}

/** hiredis' `cc->nodes`: the masters of the slot map, or the added nodes before the first one. */
function currentNodes(cc: RedisClusterContext): RedisClusterNode[] {
  const engine = engineOf(cc);
  if (engine === null || engine.version === 0) return cc.seeds.slice();
  const nodes: RedisClusterNode[] = [];
  for (const node of engine.nodes()) nodes.push(nodeView(node));
  return nodes;
}

function routeVersion(cc: RedisClusterContext): number {
  return engineOf(cc)?.version ?? 0;
}

/** `redisClusterInitNodeIterator(&ni, cc)`: starts a walk over cc's nodes (of `acc.cc` for an async context). */
export function redisClusterInitNodeIterator(iter: RedisClusterNodeIterator, cc: RedisClusterContext): void {
  iter.cc = cc;
  iter.version = routeVersion(cc);
  iter.nodes = currentNodes(cc);
  iter.next = 0;
  iter.retriesLeft = 1;
}

/**
 * `redisClusterNodeNext(&ni)`: the next node, or null at the end. When the slot map changes during the
 * walk it restarts once on the new nodes (a node may be visited twice); after a second change it ends.
 */
export function redisClusterNodeNext(iter: RedisClusterNodeIterator): RedisClusterNode | null {
  const cc = iter.cc;
  if (cc === undefined) throw new TypeError('redisClusterNodeNext: call redisClusterInitNodeIterator first');
  const version = routeVersion(cc);
  if (version !== iter.version) {
    if (iter.retriesLeft! <= 0) return null;
    iter.retriesLeft!--;
    iter.version = version;
    iter.nodes = currentNodes(cc);
    iter.next = 0;
  }
  return iter.nodes![iter.next!++] ?? null;
}

/** `redisClusterGetSlotByKey(key)`: CRC16 of the key (or of its `{hash tag}`) modulo 16384. */
export function redisClusterGetSlotByKey(key: string | Uint8Array): number {
  return keySlot(key);
}

/**
 * `redisClusterGetNodeByKey(cc, key)`: the master serving the key's slot, or null with `cc.err` set
 * ('slotmap not available' before the first slot map, 'slot not served by any node').
 */
export function redisClusterGetNodeByKey(
  cc: RedisClusterContext,
  key: string | Uint8Array,
): RedisClusterNode | null {
  const owner = engineOf(cc)?.slotOwner(keySlot(key)) ?? slotmapNotAvailable();
  if (!(owner instanceof ClusterError)) return nodeView(owner);
  setError(cc, owner.code, owner.message);
  return null;
}
