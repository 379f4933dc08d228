/**
 * The nodes of a context as C code sees them (`redisClusterNode` with a numeric `role`, `slots`,
 * `slaves`, `migrating`, `importing`), the node iterator, and the key -> slot -> node helpers.
 */
import type { AsyncClusterContext } from '../async-context.js';
import type { BlockingClusterContext } from '../blocking/blocking-context.js';
import { formatHostPort } from '../cluster/address.js';
import type { ClusterNode } from '../cluster/cluster-node.js';
import { keySlot } from '../cluster/keyslot.js';
import { otherError, REDIS_ERR_OTHER } from '../errors.js';
import { REDIS_ROLE_MASTER, REDIS_ROLE_NULL, REDIS_ROLE_SLAVE } from './constants.js';
import { type RedisClusterContext, setError } from './context.js';

/** One slot range of a master (hiredis `cluster_slot`), inclusive. */
export interface RedisClusterSlotRange {
  /** First slot. */
  start: number;
  /** Last slot (inclusive). */
  end: number;
}

/** A slot being moved (hiredis `copen_slot`): `migrate` 1 for migrating, 0 for importing. */
export interface RedisClusterOpenSlot {
  /** The slot. */
  slot_num: number;
  /** 1 for a slot this node sends away (migrating), 0 for one it receives (importing). */
  migrate: number;
  /** Id of the node the slot goes to (migrating) or comes from (importing). */
  remote_name: string;
}

/** hiredis-cluster's `redisClusterNode`: pass it to the `...ToNode` functions. */
export interface RedisClusterNode {
  /** Node id; '' for a node added with redisClusterSetOptionAddNode or learned from CLUSTER SLOTS without ids. */
  name: string;
  /** 'host:port' (IPv6 without brackets). */
  addr: string;
  /** Host (IPv6 without brackets). */
  host: string;
  /** TCP port. */
  port: number;
  /** REDIS_ROLE_MASTER, REDIS_ROLE_SLAVE, or REDIS_ROLE_NULL for an added node before the first slot map. */
  role: number;
  /** The slot ranges a master serves. */
  slots: RedisClusterSlotRange[];
  /** With HIRCLUSTER_FLAG_ADD_SLAVE. */
  slaves: RedisClusterNode[];
  /** With HIRCLUSTER_FLAG_ADD_OPENSLOT (CLUSTER NODES only). */
  migrating: RedisClusterOpenSlot[];
  /** With HIRCLUSTER_FLAG_ADD_OPENSLOT (CLUSTER NODES only): slots this node receives. */
  importing: RedisClusterOpenSlot[];
}

/** The C type name of {@link RedisClusterNode}, for code ported from C. */
export type redisClusterNode = RedisClusterNode;

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

/** An added node before the first slot map: role REDIS_ROLE_NULL, as hiredis leaves it. */
export function seedNode(host: string, port: number): RedisClusterNode {
  const addr = formatHostPort(host, port);
  return {
    name: '',
    addr,
    host,
    port,
    role: REDIS_ROLE_NULL,
    slots: [],
    slaves: [],
    migrating: [],
    importing: [],
  };
}

// One view per slot-map node, so the iterator and redisClusterGetNodeByKey hand out the same object.
const views = new WeakMap<ClusterNode, RedisClusterNode>();

function nodeView(node: ClusterNode): RedisClusterNode {
  let view = views.get(node);
  if (view === undefined) {
    view = {
      name: node.name,
      addr: node.addr,
      host: node.host,
      port: node.port,
      role: node.role === 'master' ? REDIS_ROLE_MASTER : REDIS_ROLE_SLAVE,
      slots: node.slots.map(([start, end]) => ({ start, end })),
      slaves: node.replicas.map(nodeView),
      migrating: node.migrating.map((o) => ({ slot_num: o.slot, migrate: 1, remote_name: o.remoteName })),
      importing: node.importing.map((o) => ({ slot_num: o.slot, migrate: 0, remote_name: o.remoteName })),
    };
    views.set(node, view);
  }
  return view;
}

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
  const engine = engineOf(cc);
  if (engine === null || engine.version === 0) {
    setError(cc, REDIS_ERR_OTHER, 'slotmap not available');
    return null;
  }
  const slot = keySlot(key);
  for (const node of engine.nodes()) {
    for (const [start, end] of node.slots) if (start <= slot && slot <= end) return nodeView(node);
  }
  setError(cc, REDIS_ERR_OTHER, 'slot not served by any node');
  return null;
}
