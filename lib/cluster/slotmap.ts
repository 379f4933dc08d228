/**
 * The slot map: which master serves each of the 16384 slots, built from a CLUSTER SLOTS, CLUSTER NODES
 * or CLUSTER SHARDS reply (hiredis-cluster's node dict + slot table, as updateNodesAndSlotmap checks it),
 * and which of the three commands asks for it.
 */

import { otherError } from '../errors.js';
import type { ClusterNode, ParseOptions } from './cluster-node.js';
import { SLOT_COUNT } from './keyslot.js';
import { clusterNodesMasters } from './parse-cluster-nodes.js';
import { clusterShardsMasters } from './parse-cluster-shards.js';
import { clusterSlotsMasters } from './parse-cluster-slots.js';

export type { ClusterNode, OpenSlot, ParseOptions } from './cluster-node.js';

export class SlotMap {
  /** Set by whoever installs the map (hiredis' route_version); 0 until then. */
  version = 0;
  /** Masters in reply order, each with its slot ranges (and replicas / open slots when parsed). */
  readonly nodes: ClusterNode[];
  /** Number of slots that have an owner; 16384 when the cluster covers every slot. */
  readonly coveredSlots: number;
  /** Per slot: index into `nodes` plus one; 0 = no owner. */
  private readonly table = new Uint16Array(SLOT_COUNT);
  private readonly byAddr = new Map<string, ClusterNode>();

  /**
   * Checks the masters as hiredis does: 'Node role must be master', 'The address already exists in the
   * nodes', 'Slot region for node is invalid: ...' (start > end or outside 0-16383), 'Different node holds
   * same slot', and 'No slot information' when no slot is served at all.
   */
  constructor(masters: ClusterNode[]) {
    this.nodes = masters;
    let covered = 0;
    // The highest slot given so far: a region after it overlaps none, and is filled without a look at each
    // slot (CLUSTER SLOTS lists its regions in order). A slot-by-slot loop took a new worker thread ~1 ms.
    let highest = -1;
    for (let n = 0; n < masters.length; n++) {
      const node = masters[n]!;
      if (node.role !== 'master') throw otherError('Node role must be master');
      if (this.byAddr.has(node.addr)) throw otherError('The address already exists in the nodes');
      this.byAddr.set(node.addr, node);
      for (const [start, end] of node.slots) {
        if (!(start >= 0 && start <= end && end < SLOT_COUNT)) {
          throw otherError(`Slot region for node is invalid: ${start}-${end} of ${node.addr}`);
        }
        if (start > highest) this.table.fill(n + 1, start, end + 1);
        else this.fillUnclaimed(start, end, n + 1);
        highest = Math.max(highest, end);
        covered += end - start + 1;
      }
    }
    if (covered === 0) throw otherError('No slot information');
    this.coveredSlots = covered;
  }

  /** Gives slots `start`..`end` to `owner`; throws when one of them has an owner already. */
  private fillUnclaimed(start: number, end: number, owner: number): void {
    for (let slot = start; slot <= end; slot++) {
      if (this.table[slot] !== 0) throw otherError('Different node holds same slot');
      this.table[slot] = owner;
    }
  }

  /** The master serving `slot`, or undefined when no node serves it (or the slot is out of range). */
  owner(slot: number): ClusterNode | undefined {
    const index = this.table[slot];
    return index ? this.nodes[index - 1] : undefined;
  }

  /** The master with this 'host:port' address. */
  master(addr: string): ClusterNode | undefined {
    return this.byAddr.get(addr);
  }
}

/** CLUSTER SLOTS reply (plain reply values) -> SlotMap. A NIL, '' or '?' endpoint means `fromHost`. */
export function parseClusterSlots(reply: unknown, fromHost: string, opts: ParseOptions = {}): SlotMap {
  return new SlotMap(clusterSlotsMasters(reply, fromHost, opts));
}

/** CLUSTER NODES reply (a string, RESP2 bulk or RESP3 verbatim) -> SlotMap. An empty host means `fromHost`. */
export function parseClusterNodes(reply: unknown, fromHost: string, opts: ParseOptions = {}): SlotMap {
  return new SlotMap(clusterNodesMasters(reply, fromHost, opts));
}

/** CLUSTER SHARDS reply (RESP2 flat key/value arrays or RESP3 maps) -> SlotMap. Endpoints as above. */
export function parseClusterShards(reply: unknown, fromHost: string, opts: ParseOptions = {}): SlotMap {
  return new SlotMap(clusterShardsMasters(reply, fromHost, opts));
}

/** The options that say how to ask for the slot map and what to keep of it (ResolvedOptions has them). */
export interface SlotMapSettings {
  /** CLUSTER NODES instead of CLUSTER SLOTS (hiredis-cluster's default). */
  useClusterNodes: boolean;
  /** CLUSTER SHARDS (Redis 7+) instead of CLUSTER SLOTS; never set with `useClusterNodes`. */
  useClusterShards: boolean;
  /** Keep replicas (ParseOptions). */
  parseReplicas: boolean;
  /** Keep CLUSTER NODES' open slots (ParseOptions). */
  parseOpenSlots: boolean;
  /** The links' TLS settings, or undefined for plain TCP (CLUSTER SHARDS lists both ports). */
  tls: object | undefined;
}

const SLOTS_COMMAND: readonly string[] = Object.freeze(['CLUSTER', 'SLOTS']);
const NODES_COMMAND: readonly string[] = Object.freeze(['CLUSTER', 'NODES']);
const SHARDS_COMMAND: readonly string[] = Object.freeze(['CLUSTER', 'SHARDS']);

/** The command that asks for the slot map. */
export function slotMapCommand(settings: SlotMapSettings): readonly string[] {
  if (settings.useClusterShards) return SHARDS_COMMAND;
  return settings.useClusterNodes ? NODES_COMMAND : SLOTS_COMMAND;
}

/** The reply to `slotMapCommand(settings)` from the node at `fromHost` -> SlotMap. */
export function parseSlotMapReply(reply: unknown, fromHost: string, settings: SlotMapSettings): SlotMap {
  const opts: ParseOptions = {
    parseReplicas: settings.parseReplicas,
    parseOpenSlots: settings.parseOpenSlots,
    tls: settings.tls !== undefined,
  };
  if (settings.useClusterShards) return parseClusterShards(reply, fromHost, opts);
  return settings.useClusterNodes
    ? parseClusterNodes(reply, fromHost, opts)
    : parseClusterSlots(reply, fromHost, opts);
}
