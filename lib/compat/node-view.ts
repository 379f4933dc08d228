/**
 * A node as C code sees it: hiredis-cluster's `redisClusterNode` (a numeric `role`, `slots`, `slaves`,
 * `migrating`, `importing`), made from a slot-map node or an added seed.
 */
import { formatHostPort } from '../cluster/address.js';
import type { ClusterNode } from '../cluster/cluster-node.js';
import { REDIS_ROLE_MASTER, REDIS_ROLE_NULL, REDIS_ROLE_SLAVE } from './constants.js';

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

export function nodeView(node: ClusterNode): RedisClusterNode {
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
