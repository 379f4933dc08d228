/**
 * CLUSTER SHARDS (Redis 7) -> masters with slot ranges. hiredis-cluster does not read this reply; the
 * rules mirror its CLUSTER SLOTS handling. Each shard is a map (RESP3) or a flat key/value array (RESP2):
 * `slots` = [start, end, start, end, ...], `nodes` = maps with id, port / tls-port, ip, endpoint,
 * hostname, role ('master' | 'replica'), replication-offset, health.
 *
 * The address is `endpoint` (the server's preferred endpoint), read as CLUSTER SLOTS reads it: an IP or
 * a host name as they are; '' (unknown-endpoint), NIL and '?' (host name preferred, none announced)
 * mean the host the reply came from; a node without `endpoint` (not a Redis 7 server) falls back to
 * `ip`. Fields a later server adds (e.g. Valkey 9.1's `availability-zone`) are skipped. Replicas whose
 * health is 'failed' are left out, as CLUSTER SLOTS leaves them out.
 */

import { otherError } from '../errors.js';
import { endpointHost } from './address.js';
import { type ClusterNode, createNode, type ParseOptions } from './cluster-node.js';
import { isInteger, replyText } from './reply-values.js';

const PREFIX = 'Command(cluster shards) reply error: ';

export function clusterShardsMasters(reply: unknown, fromHost: string, opts: ParseOptions): ClusterNode[] {
  if (!Array.isArray(reply)) throw replyError('reply is not an array.');
  const masters: ClusterNode[] = [];
  for (const shard of reply) {
    const fields = recordOf(shard, 'shard');
    const slots = slotRanges(fields.get('slots'));
    const nodes = fields.get('nodes');
    if (!Array.isArray(nodes)) throw replyError('shard has no nodes array.');
    let master: ClusterNode | undefined;
    const replicas: ClusterNode[] = [];
    for (const entry of nodes) {
      const info = recordOf(entry, 'node');
      const role = replyText(info.get('role'));
      if (role === 'master') {
        if (master !== undefined)
          throw replyError(`shard has two masters: ${master.name} and ${nodeId(info)}`);
        master = nodeOf(info, 'master', fromHost, opts);
      } else if (role === 'replica') {
        if (opts.parseReplicas && replyText(info.get('health')) !== 'failed') {
          replicas.push(nodeOf(info, 'replica', fromHost, opts));
        }
      } else {
        throw replyError(`node ${nodeId(info)} has role '${role}'.`);
      }
    }
    if (master === undefined) {
      if (slots.length > 0)
        throw replyError(`shard serving slots ${slots[0]![0]}-${slots[0]![1]} has no master.`);
      continue;
    }
    master.slots = slots;
    master.replicas = replicas;
    masters.push(master);
  }
  return masters;
}

/** A RESP3 map or a RESP2 flat [key, value, ...] array -> Map keyed by text. */
function recordOf(value: unknown, what: string): Map<string, unknown> {
  if (value instanceof Map) {
    const record = new Map<string, unknown>();
    for (const [key, item] of value) record.set(replyText(key) ?? String(key), item);
    return record;
  }
  if (!Array.isArray(value) || value.length % 2 !== 0) throw replyError(`${what} is not a map.`);
  const record = new Map<string, unknown>();
  for (let i = 0; i < value.length; i += 2) {
    const key = replyText(value[i]);
    if (key === undefined) throw replyError(`${what} is not a map.`);
    record.set(key, value[i + 1]);
  }
  return record;
}

function slotRanges(value: unknown): [number, number][] {
  if (!Array.isArray(value) || value.length % 2 !== 0) throw replyError('slots is not a list of ranges.');
  const ranges: [number, number][] = [];
  for (let i = 0; i < value.length; i += 2) {
    const start: unknown = value[i];
    const end: unknown = value[i + 1];
    if (!isInteger(start) || !isInteger(end)) throw replyError('slots is not a list of ranges.');
    ranges.push([start, end]);
  }
  return ranges;
}

function nodeOf(
  info: Map<string, unknown>,
  role: 'master' | 'replica',
  fromHost: string,
  opts: ParseOptions,
): ClusterNode {
  const plain = info.get('port');
  const tls = info.get('tls-port');
  const port = opts.tls ? (tls ?? plain) : (plain ?? tls);
  if (!isInteger(port) || port < 1 || port > 65535)
    throw replyError(`node ${nodeId(info)} port is not valid.`);
  const endpoint = info.has('endpoint') ? info.get('endpoint') : info.get('ip');
  const text = endpoint === null ? null : replyText(endpoint);
  if (text === undefined) throw replyError(`node ${nodeId(info)} has no endpoint.`);
  return createNode(nodeId(info), endpointHost(text, fromHost), port, role);
}

function nodeId(info: Map<string, unknown>): string {
  return replyText(info.get('id')) ?? '';
}

function replyError(problem: string): Error {
  return otherError(PREFIX + problem);
}
