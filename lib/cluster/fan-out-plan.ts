/**
 * Where a command goes when it goes to more than one node, or to a node its keys do not name: by the
 * server's command tips for a keyless command (request_policy), or by an explicit route; and how the
 * outcomes come back as one (response-policy.ts). Pure: the faces send the requests (the blocking face in
 * one round trip of its worker, the async face all at once) and hand the outcomes to `finish`.
 */
import { otherError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import { formatHostPort, parseHostPort } from './address.js';
import type { ClusterNode } from './cluster-node.js';
import { type CommandTips, commandTips } from './command-keys.js';
import { keySlot } from './keyslot.js';
import { aggregateReplies, eachReply } from './response-policy.js';
import type { SlotMap } from './slotmap.js';

/**
 * An explicit route: every primary, every node (primaries and the replicas the slot map holds, see
 * `parseReplicas`), a random primary or node, one node, or the node serving a slot or a key (followed
 * through redirects).
 */
export type ClusterRoute =
  | 'primaries'
  | 'all-nodes'
  | 'random-primary'
  | 'random-node'
  | {
      /** A node from `nodes()`, or its 'host:port'. */
      readonly node: ClusterNode | string;
    }
  | {
      /** The node serving this slot (0-16383). */
      readonly slot: number;
    }
  | {
      /** The node serving this key's slot. */
      readonly key: string | Uint8Array;
    };

/** One command of a fan-out: to `address`, or routed by `slot` when `address` is ''. */
export interface FanOutRequest {
  address: string;
  slot: number;
  argv: readonly CommandArg[];
}

export interface FanOutPlan {
  requests: FanOutRequest[];
  /**
   * The outcome from the requests' outcomes in order (replies, ReplyError or ClusterError values): the
   * one reply, or the error (a value, naming its node) the face throws or rejects with.
   */
  finish(outcomes: readonly unknown[]): unknown;
}

/** The plan of a keyless command by its tips; throws the table's errors for an unknown command. */
export function tipPlan(argv: readonly CommandArg[], map: SlotMap, random: () => number): FanOutPlan {
  const tips = commandTips(argv);
  switch (tips.name === 'RANDOMKEY' ? undefined : tips.request) {
    case 'all_shards':
    case 'multi_shard':
      return multiPlan(argv, tips, primaries(map));
    case 'all_nodes':
      return multiPlan(argv, tips, allNodes(map));
    case 'special':
      throw otherError(`${tips.name} has no cluster-wide reply: use scan(), or send it to a node`);
    default:
      return singlePlan(argv, pick(primaries(map), random));
  }
}

/** The plan of an explicit route; `each` keeps every node's outcome (a Map by address) instead of one. */
export function routePlan(
  route: ClusterRoute,
  argv: readonly CommandArg[],
  map: SlotMap,
  random: () => number,
  each: boolean,
): FanOutPlan {
  let addresses: string[];
  if (route === 'primaries') addresses = primaries(map);
  else if (route === 'all-nodes') addresses = allNodes(map);
  else if (route === 'random-primary') addresses = [pick(primaries(map), random)];
  else if (route === 'random-node') addresses = [pick(allNodes(map), random)];
  else if (typeof route === 'object' && route !== null && 'node' in route)
    addresses = [addressOf(route.node)];
  else if (typeof route === 'object' && route !== null && 'slot' in route) {
    if (!(Number.isInteger(route.slot) && route.slot >= 0 && route.slot < 16384))
      throw otherError(`Invalid route: slot ${String(route.slot)} is not in 0-16383`);
    return routedPlan(argv, route.slot, map, each);
  } else if (typeof route === 'object' && route !== null && 'key' in route)
    return routedPlan(argv, keySlot(route.key), map, each);
  else throw otherError(`Invalid route: ${JSON.stringify(route)}`);
  if (each) return eachPlan(argv, addresses);
  if (addresses.length === 1) return singlePlan(argv, addresses[0]!);
  return multiPlan(argv, tipsOrNone(argv), addresses);
}

function singlePlan(argv: readonly CommandArg[], address: string): FanOutPlan {
  return { requests: [{ address, slot: -1, argv }], finish: (outcomes) => outcomes[0] };
}

function routedPlan(argv: readonly CommandArg[], slot: number, map: SlotMap, each: boolean): FanOutPlan {
  // A redirect may take it elsewhere: `each` keys its reply by the slot's owner when it was sent.
  const address = map.owner(slot)?.addr ?? '';
  return {
    requests: [{ address: '', slot, argv }],
    finish: (outcomes) => (each ? new Map([[address, outcomes[0]]]) : outcomes[0]),
  };
}

function eachPlan(argv: readonly CommandArg[], addresses: string[]): FanOutPlan {
  return {
    requests: addresses.map((address) => ({ address, slot: -1, argv })),
    finish: (outcomes) => eachReply(addresses.map((address, i) => ({ address, reply: outcomes[i] }))),
  };
}

function multiPlan(argv: readonly CommandArg[], tips: CommandTips, addresses: string[]): FanOutPlan {
  return {
    requests: addresses.map((address) => ({ address, slot: -1, argv })),
    finish: (outcomes) =>
      aggregateReplies(
        tips.name,
        tips.response,
        addresses.map((address, i) => ({ address, reply: outcomes[i] })),
      ),
  };
}

/** The tips of a command the table knows; none for another (a module's command sent on an explicit route). */
function tipsOrNone(argv: readonly CommandArg[]): CommandTips {
  try {
    return commandTips(argv);
  } catch {
    return { name: String(argv[0] ?? '').toUpperCase(), request: undefined, response: undefined };
  }
}

function primaries(map: SlotMap): string[] {
  return map.nodes.map((node) => node.addr);
}

function allNodes(map: SlotMap): string[] {
  return map.nodes.flatMap((node) => [node.addr, ...node.replicas.map((replica) => replica.addr)]);
}

function pick(addresses: string[], random: () => number): string {
  return addresses[Math.min(addresses.length - 1, Math.floor(random() * addresses.length))]!;
}

function addressOf(node: ClusterNode | string): string {
  if (typeof node !== 'string') return node.addr;
  const { host, port } = parseHostPort(node);
  return formatHostPort(host, port);
}
