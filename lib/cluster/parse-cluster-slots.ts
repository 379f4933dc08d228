/**
 * CLUSTER SLOTS -> masters with slot ranges, as hiredis-cluster's parse_cluster_slots reads it:
 * `[[start, end, [endpoint, port, id?, metadata?, ...], replica...], ...]`. The endpoint is the
 * server's preferred one (`cluster-preferred-endpoint-type`): an IP or a host name as they are; NIL
 * (unknown-endpoint), '' (a node that does not know its address) and '?' (host name preferred, none
 * announced) mean the host the reply came from. The fourth field (Redis 7: a map of `ip` / `hostname`,
 * RESP2 a flat array) and any later field or map key (e.g. Valkey 9.1's availability zone) are skipped,
 * whatever their type. Error texts are hiredis' own.
 */

import { otherError } from '../errors.js';
import { endpointHost } from './address.js';
import { type ClusterNode, createNode, type ParseOptions } from './cluster-node.js';
import { isInteger, replyText } from './reply-values.js';

const PREFIX = 'Command(cluster slots) reply error: ';

/** Masters in reply order; a master listed for several ranges appears once with all its ranges. */
export function clusterSlotsMasters(reply: unknown, fromHost: string, opts: ParseOptions): ClusterNode[] {
  // hiredis rejects an empty reply here too: a cluster that serves no slot cannot route anything.
  if (!Array.isArray(reply) || reply.length === 0) throw replyError('reply is not an array.');
  const masters = new Map<string, ClusterNode>();
  for (const range of reply) {
    if (!Array.isArray(range) || range.length < 3) throw replyError('first sub_reply is not an array.');
    const start: unknown = range[0];
    const end: unknown = range[1];
    if (!isInteger(start)) throw replyError('slot begin is not an integer.');
    if (!isInteger(end)) throw replyError('slot end is not an integer.');
    if (start > end) throw replyError('slot begin is bigger than slot end.');
    const parsed = nodeOf(range[2], 'master', fromHost);
    let master = masters.get(parsed.addr);
    if (master === undefined) {
      master = parsed;
      masters.set(master.addr, master);
    }
    master.slots.push([start, end]);
    if (!opts.parseReplicas) continue;
    for (let i = 3; i < range.length; i++) {
      const replica = nodeOf(range[i], 'replica', fromHost);
      if (!master.replicas.some((known) => known.addr === replica.addr)) master.replicas.push(replica);
    }
  }
  return [...masters.values()];
}

function nodeOf(entry: unknown, role: 'master' | 'replica', fromHost: string): ClusterNode {
  if (!Array.isArray(entry) || entry.length < 2) throw replyError('nodes sub_reply is not an correct array.');
  const endpoint = entry[0] === null ? null : replyText(entry[0]);
  const port: unknown = entry[1];
  if (endpoint === undefined || !isInteger(port)) throw replyError('master ip or port is not correct.');
  if (port < 1 || port > 65535) throw replyError('node port is not valid.');
  return createNode(replyText(entry[2]) ?? '', endpointHost(endpoint, fromHost), port, role);
}

function replyError(problem: string): Error {
  return otherError(PREFIX + problem);
}
