/**
 * The CLUSTER subcommands a mock node answers, in Redis 7's formats, from the shared topology as one
 * node sees it: SLOTS, NODES, SHARDS, INFO, MYID, KEYSLOT, COUNTKEYSINSLOT and GETKEYSINSLOT
 * (SETSLOT, which changes the topology, is in slot-commands.ts).
 */
import { keySlot, SLOT_COUNT } from '../cluster/keyslot.js';
import type { ClusterState, Member } from './cluster-state.js';
import type { MockReply } from './mock-reply.js';

/** What a CLUSTER reply depends on besides the topology. */
export interface ClusterView {
  readonly state: ClusterState;
  /** The node answering. */
  readonly myself: Member;
  /** The nodes listen with TLS: SHARDS says `tls-port` instead of `port`. */
  readonly tls: boolean;
}

const SUBCOMMANDS = [
  'SLOTS',
  'NODES',
  'SHARDS',
  'INFO',
  'MYID',
  'KEYSLOT',
  'COUNTKEYSINSLOT',
  'GETKEYSINSLOT',
] as const;

/** A CLUSTER subcommand a mock node knows. */
export type ClusterSubcommand = (typeof SUBCOMMANDS)[number];

/** Whether a mock node knows this CLUSTER subcommand (upper case). */
export function isClusterSubcommand(sub: string): sub is ClusterSubcommand {
  return (SUBCOMMANDS as readonly string[]).includes(sub);
}

/** The reply to `CLUSTER <sub> ...args`; the caller checked the arity. */
export function clusterReply(view: ClusterView, sub: ClusterSubcommand, args: readonly Buffer[]): MockReply {
  switch (sub) {
    case 'SLOTS':
      return clusterSlots(view);
    case 'NODES':
      return { verbatim: clusterNodes(view) };
    case 'SHARDS':
      return clusterShards(view);
    case 'INFO':
      return { verbatim: clusterInfo(view) };
    case 'MYID':
      return view.myself.id;
    case 'KEYSLOT':
      return keySlot(args[0]!);
    case 'COUNTKEYSINSLOT':
    case 'GETKEYSINSLOT': {
      const slot = Number(args[0]!.toString('latin1'));
      if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) return { error: 'ERR Invalid slot' };
      const keys = view.myself.store.keysInSlot(slot);
      if (sub === 'COUNTKEYSINSLOT') return keys.length;
      const count = Number(args[1]!.toString('latin1'));
      if (!Number.isInteger(count) || count < 0) return { error: 'ERR Invalid number of keys' };
      return keys.slice(0, count);
    }
  }
}

/** `[ip, port, id, {}]`: the node entry of CLUSTER SLOTS (no hostname metadata). */
function slotsEntry(member: Member): MockReply {
  return [member.host, member.port, member.id, { map: [] }];
}

function clusterSlots({ state }: ClusterView): MockReply {
  const ranges: MockReply[] = [];
  let slot = 0;
  while (slot < SLOT_COUNT) {
    const owner = state.owner(slot);
    let end = slot;
    while (end + 1 < SLOT_COUNT && state.owner(end + 1) === owner) end++;
    if (owner !== null) {
      const replicas = state.replicasOf(owner).filter((r) => !r.failed);
      ranges.push([slot, end, slotsEntry(owner), ...replicas.map(slotsEntry)]);
    }
    slot = end + 1;
  }
  return ranges;
}

function busPort(port: number): number {
  return port + 10000 <= 65535 ? port + 10000 : 0;
}

function clusterNodes({ state, myself }: ClusterView): string {
  const now = Date.now();
  const lines = state.members.map((member) => {
    const flags = [
      ...(member === myself ? ['myself'] : []),
      member.role === 'master' ? 'master' : 'slave',
      ...(member.failed ? ['fail'] : []),
    ].join(',');
    const epoch = member.primary?.configEpoch ?? member.configEpoch;
    const fields = [
      member.id,
      `${member.host}:${member.port}@${busPort(member.port)}`,
      flags,
      member.primary?.id ?? '-',
      '0',
      member === myself ? '0' : String(now),
      String(epoch),
      member.failed ? 'disconnected' : 'connected',
      ...state.slotsOf(member).map(([start, end]) => (start === end ? `${start}` : `${start}-${end}`)),
    ];
    if (member === myself) {
      for (const m of state.migrating.values())
        if (m.from === myself) fields.push(`[${m.slot}->-${m.to.id}]`);
      for (const m of state.importing.values())
        if (m.to === myself) fields.push(`[${m.slot}-<-${m.from.id}]`);
    }
    return fields.join(' ');
  });
  return `${lines.join('\n')}\n`;
}

function shardNode(member: Member, tls: boolean): MockReply {
  return {
    map: [
      ['id', member.id],
      [tls ? 'tls-port' : 'port', member.port],
      ['ip', member.host],
      ['endpoint', member.host],
      ['role', member.role],
      ['replication-offset', 0],
      ['health', member.failed ? 'failed' : 'online'],
    ],
  };
}

function clusterShards({ state, tls }: ClusterView): MockReply {
  return state.primaries.map((primary) => ({
    map: [
      ['slots', state.slotsOf(primary).flat()],
      ['nodes', [primary, ...state.replicasOf(primary)].map((m) => shardNode(m, tls))],
    ],
  }));
}

function clusterInfo({ state, myself }: ClusterView): string {
  const assigned = state.assignedSlots;
  const size = state.primaries.filter((p) => state.slotsOf(p).length > 0).length;
  const fields: [string, number | string][] = [
    ['cluster_state', assigned === SLOT_COUNT ? 'ok' : 'fail'],
    ['cluster_slots_assigned', assigned],
    ['cluster_slots_ok', assigned],
    ['cluster_slots_pfail', 0],
    ['cluster_slots_fail', 0],
    ['cluster_known_nodes', state.members.length],
    ['cluster_size', size],
    ['cluster_current_epoch', state.currentEpoch],
    ['cluster_my_epoch', myself.primary?.configEpoch ?? myself.configEpoch],
    ['cluster_stats_messages_sent', 0],
    ['cluster_stats_messages_received', 0],
    ['total_cluster_links_buffer_limit_exceeded', 0],
  ];
  return `${fields.map(([name, value]) => `${name}:${value}`).join('\r\n')}\r\n`;
}
