/**
 * NAT: the `addressMap` option applied to every address the client learns (seeds, slot maps, redirects)
 * before it dials it; a node of a slot map is mapped with its replicas.
 */
import type { HostPort } from '../cluster/address.js';
import type { ClusterNode } from '../cluster/slotmap.js';

export type AddressMap = ((address: HostPort) => HostPort) | undefined;

/** The address dialled for `address`. */
export function mappedAddress(map: AddressMap, address: HostPort): HostPort {
  return map === undefined ? address : map(address);
}

/** `node` as dialled: its address (and its replicas') mapped. */
export function mappedNode(map: AddressMap, node: ClusterNode): ClusterNode {
  if (map === undefined) return node;
  const { host, port } = map({ host: node.host, port: node.port });
  return {
    ...node,
    host,
    port,
    addr: `${host}:${port}`,
    replicas: node.replicas.map((replica) => mappedNode(map, replica)),
  };
}
