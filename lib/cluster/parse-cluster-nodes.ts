/**
 * CLUSTER NODES -> masters with slot ranges, after hiredis-cluster's parse_cluster_nodes. One line per node:
 * `<id> <ip:port@cport[,hostname]> <flags> <master-id> <ping> <pong> <epoch> <link> [slot ...]`.
 *
 * - lines with fewer than 8 fields fail ('split cluster nodes error');
 * - a node without address (':0', or the 'noaddr' flag) is skipped;
 * - '@cport' and ',hostname' are dropped; the host is what precedes the LAST ':' (IPv6), an empty one
 *   (':7000@17000') means the host the reply came from;
 * - the role is the 'master' / 'slave' (or 'replica') flag, whatever else is set ('myself', 'fail', ...);
 * - slots are `a-b` or `a`; `[n->-id]` (migrating) and `[n-<-id]` (importing) are open slots, kept only
 *   with `parseOpenSlots`. hiredis silently skips malformed slot fields; they are rejected here, naming
 *   the field and the node.
 * - replicas are kept only with `parseReplicas`, linked to their master by id; a replica whose master is
 *   not listed as a master is dropped, as in hiredis.
 */

import { otherError } from '../errors.js';
import { parsePort } from './address.js';
import { type ClusterNode, createNode, type ParseOptions } from './cluster-node.js';
import { SLOT_COUNT } from './keyslot.js';
import { replyText } from './reply-values.js';

const PREFIX = 'Command(cluster nodes) reply error: ';
const SLOT_RANGE = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/;
const OPEN_SLOT = /^\[([0-9]{1,5})-([<>])-([0-9a-zA-Z]+)\]$/;

export function clusterNodesMasters(reply: unknown, fromHost: string, opts: ParseOptions): ClusterNode[] {
  const text = replyText(reply);
  if (text === undefined) throw otherError(`${PREFIX}type is not string.`);
  const masters: ClusterNode[] = [];
  const mastersById = new Map<string, ClusterNode>();
  const replicas: { node: ClusterNode; masterId: string }[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '') continue;
    const fields = line.split(' ');
    if (fields.length < 8) throw otherError('split cluster nodes error');
    const [id, addressField, flagsField, masterId] = fields as [string, string, string, string];
    const flags = flagsField.split(',');
    const address = stripBusPort(addressField);
    if (address === ':0' || flags.includes('noaddr')) continue;
    const role = flags.includes('master')
      ? 'master'
      : flags.includes('slave') || flags.includes('replica')
        ? 'replica'
        : null;
    if (role === null || (role === 'replica' && !opts.parseReplicas)) continue;
    const colon = address.lastIndexOf(':');
    if (colon < 0) throw otherError('server address is incorrect, port separator missing.');
    const port = parsePort(address.slice(colon + 1));
    if (port < 0) throw otherError(`${PREFIX}invalid port in address '${addressField}' of node ${id}`);
    const node = createNode(id, colon === 0 ? fromHost : address.slice(0, colon), port, role);
    if (role === 'replica') {
      replicas.push({ node, masterId });
      continue;
    }
    if (mastersById.has(id)) throw otherError('two masters have the same name');
    mastersById.set(id, node);
    masters.push(node);
    for (let f = 8; f < fields.length; f++) addSlotField(node, fields[f]!, opts);
  }
  for (const { node, masterId } of replicas) mastersById.get(masterId)?.replicas.push(node);
  return masters;
}

/** 'ip:port@cport,hostname' -> 'ip:port'. */
function stripBusPort(field: string): string {
  const at = field.indexOf('@');
  if (at >= 0) return field.slice(0, at);
  const comma = field.indexOf(',');
  return comma >= 0 ? field.slice(0, comma) : field;
}

function addSlotField(node: ClusterNode, field: string, opts: ParseOptions): void {
  if (field === '') return; // a trailing space
  const range = SLOT_RANGE.exec(field);
  if (range !== null) {
    const start = Number(range[1]);
    const end = range[2] === undefined ? start : Number(range[2]);
    node.slots.push([start, end]);
    return;
  }
  const open = OPEN_SLOT.exec(field);
  if (open === null || Number(open[1]) >= SLOT_COUNT)
    throw otherError(`${PREFIX}invalid slot '${field}' of node ${node.addr}`);
  if (!opts.parseOpenSlots) return;
  const openSlot = { slot: Number(open[1]), remoteName: open[3]! };
  if (open[2] === '>') node.migrating.push(openSlot);
  else node.importing.push(openSlot);
}
