/** Helpers for MockCluster specs: raw connections to its nodes that afterEach closes, and small lookups. */
import type { ConnectionOptions } from 'node:tls';
import { keySlot } from '../../lib/cluster/keyslot.js';
import type { MockCluster, MockNodeInfo } from '../../lib/testing/index.js';
import { RawClient } from './raw-client.js';

const open: RawClient[] = [];

/** A raw connection to a node (closed by `closeRawClients`). */
export async function rawTo(node: MockNodeInfo | string, tls?: ConnectionOptions): Promise<RawClient> {
  const address = typeof node === 'string' ? node : node.address;
  const colon = address.lastIndexOf(':');
  const client = await RawClient.connect({
    host: address.slice(0, colon),
    port: Number(address.slice(colon + 1)),
    ...(tls === undefined ? {} : { tls }),
  });
  open.push(client);
  return client;
}

/** Closes every raw connection opened since the last call. */
export async function closeRawClients(): Promise<void> {
  await Promise.all(open.splice(0).map((c) => c.close()));
}

/** A key of `prefix` whose owner passes `test` (found by trying suffixes). */
function keyWhere(cluster: MockCluster, prefix: string, test: (owner: MockNodeInfo) => boolean): string {
  for (let i = 0; i < 1000; i++) {
    const key = `${prefix}:${i}`;
    if (test(cluster.nodeForSlot(keySlot(key)))) return key;
  }
  throw new Error(`no key of ${prefix} found`);
}

/** A key of `prefix` that `node` serves. */
export function keyOn(cluster: MockCluster, node: MockNodeInfo, prefix: string): string {
  return keyWhere(cluster, prefix, (owner) => owner.id === node.id);
}

/** A key of `prefix` that a primary other than `not` serves. */
export function keyOnOtherNode(cluster: MockCluster, not: MockNodeInfo, prefix: string): string {
  return keyWhere(cluster, prefix, (owner) => owner.id !== not.id);
}

/** FLUSHALL on every primary. */
export async function flushAll(cluster: MockCluster): Promise<void> {
  for (const primary of cluster.primaries) {
    const raw = await rawTo(primary);
    await raw.call(['FLUSHALL']);
  }
}
