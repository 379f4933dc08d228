/**
 * A node of the cluster as a topology reply describes it (hiredis-cluster's redisClusterNode without the
 * connections: the engine keeps those, keyed by `addr`).
 */

import { formatHostPort } from './address.js';

/** A slot being moved: `remoteName` is the id of the node it goes to (migrating) or comes from (importing). */
export interface OpenSlot {
  /** The slot. */
  slot: number;
  /** The id of the node at the other end of the move. */
  remoteName: string;
}

/** A node of the cluster: a master with its slots (and, when parsed, replicas and open slots). */
export interface ClusterNode {
  /** Node id (40 hex characters); '' when the reply does not carry it (old CLUSTER SLOTS). */
  name: string;
  /** Host as the topology reply gives it (IPv6 without brackets). */
  host: string;
  /** TCP port. */
  port: number;
  /** 'host:port' without brackets (hiredis style): the identity of a node across slot map updates. */
  addr: string;
  /** `master`, or `replica` for the entries of `replicas`. */
  role: 'master' | 'replica';
  /** Inclusive slot ranges, in reply order. Empty for replicas. */
  slots: [number, number][];
  /** Filled only when parsing with `parseReplicas`. */
  replicas: ClusterNode[];
  /** Filled only when parsing CLUSTER NODES with `parseOpenSlots`. */
  migrating: OpenSlot[];
  /** Slots this node is receiving; filled like `migrating`. */
  importing: OpenSlot[];
}

export interface ParseOptions {
  /** Keep replicas (hiredis HIRCLUSTER_FLAG_ADD_SLAVE). */
  parseReplicas?: boolean;
  /** Keep CLUSTER NODES' open slots `[n->-id]` / `[n-<-id]` (hiredis HIRCLUSTER_FLAG_ADD_OPENSLOT). */
  parseOpenSlots?: boolean;
  /** CLUSTER SHARDS lists 'port' and 'tls-port': take 'tls-port' first when the links use TLS. */
  tls?: boolean;
}

export function createNode(
  name: string,
  host: string,
  port: number,
  role: 'master' | 'replica',
): ClusterNode {
  return {
    name,
    host,
    port,
    addr: formatHostPort(host, port),
    role,
    slots: [],
    replicas: [],
    migrating: [],
    importing: [],
  };
}
