/**
 * A Redis Cluster on the simulated network, for randomized fault runs: a few nodes that share the
 * 16384 slots, answer CLUSTER SLOTS / CLUSTER NODES from the current owners, GET / SET / MGET with
 * Redis' routing (MOVED for a slot served elsewhere, ASK for a key already migrated, TRYAGAIN for a
 * multi-key command split by a migration, ASKING on the importing node), and misbehave on purpose at
 * the rates a seed draws: stray TRYAGAIN / CLUSTERDOWN / MOVED replies, resets, half-closes, stalls,
 * slow replies, failed slot-map requests, nodes going down, failovers to a node at a new address.
 * Built `withReplicas`, each primary has a replica that the slot map lists, which serves reads of its
 * primary's slots on a link that sent READONLY and redirects the rest with MOVED, as a Redis replica does;
 * every node then answers HELLO, naming an availability zone (z0 or z1).
 *
 * Every key holds one value that names it ({@link keyValue}) and SET must write exactly that, so any
 * reply shows which command it answers: a reply delivered to the wrong command cannot go unnoticed.
 */
import { keySlot, SLOT_COUNT } from '../../lib/cluster/keyslot.js';
import type { Prng } from './prng.js';
import { error, type RespValue, status } from './resp-values.js';
import type { SimLink, SimNetwork, SimNode } from './sim-network.js';

/** The one value of `key`. */
export function keyValue(key: string): string {
  return `value-of:${key}`;
}

/** How often each fault happens, per command a node receives (0..1). */
export interface FaultRates {
  tryAgain: number;
  clusterDown: number;
  /** A MOVED to a node that does not own the slot (it sends the client back). */
  strayMoved: number;
  reset: number;
  halfClose: number;
  /** The link goes silent for good (only when the client has a command timeout to get out). */
  stall: number;
  /** The reply leaves after an extra delay of up to `slowMs`. */
  slow: number;
  slowMs: number;
  /** CLUSTER SLOTS / NODES answered with an error. */
  slotsError: number;
  /**
   * The first CLUSTER SLOTS / NODES answer leaves out one node's slots (as a cluster answers while a shard
   * has no primary): the client starts with unserved slots that the next answer serves.
   */
  firstMapHole: boolean;
}

interface Migration {
  from: number;
  to: number;
  /** Keys already on the importing node. */
  moved: Set<string>;
}

export class SimCluster {
  readonly nodes: SimNode[] = [];
  /** Index of the node serving each slot. */
  private readonly owner = new Uint8Array(SLOT_COUNT);
  private readonly migrations = new Map<number, Migration>();
  private readonly asking = new WeakSet<SimLink>();
  /** Replicas (`withReplicas`), and nodes that were failed over: the primary each one replicates. */
  private readonly replicaOf = new Map<number, number>();
  private readonly readOnly = new WeakSet<SimLink>();
  /** The node the next topology answer leaves out (firstMapHole), or -1. */
  private hole: number;

  constructor(
    private readonly net: SimNetwork,
    private readonly random: Prng,
    size: number,
    private readonly faults: FaultRates,
    private readonly withReplicas = false,
  ) {
    this.hole = faults.firstMapHole ? random.int(size) : -1;
    for (let i = 0; i < size; i++) {
      this.addNode();
      this.owner.fill(i, Math.floor((i * SLOT_COUNT) / size), Math.floor(((i + 1) * SLOT_COUNT) / size));
    }
    if (withReplicas) for (let i = 0; i < size; i++) this.replicaOf.set(this.addNode(), i);
  }

  /**
   * A new node at the next address takes over every slot of node `index` (a failover); the old node
   * keeps running as its replica and redirects to it. Returns the new node's index.
   */
  failover(index: number): number {
    const to = this.addNode();
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (this.owner[slot] === index) this.owner[slot] = to;
    for (const migration of this.migrations.values()) {
      if (migration.from === index) migration.from = to;
      if (migration.to === index) migration.to = to;
    }
    // The old primary's replicas follow the new one; it becomes a replica itself.
    for (const [replica, primary] of this.replicaOf) if (primary === index) this.replicaOf.set(replica, to);
    this.replicaOf.set(index, to);
    return to;
  }

  /** The node serving `slot`. */
  ownerOf(slot: number): SimNode {
    return this.nodes[this.owner[slot]!]!;
  }

  /** Starts moving `slot` to node `to` (its keys move one by one with moveKey()). */
  startMigration(slot: number, to: number): void {
    if (this.migrations.has(slot) || this.owner[slot] === to) return;
    this.migrations.set(slot, { from: this.owner[slot]!, to, moved: new Set() });
  }

  /** One more key of a migrating slot is on the importing node. */
  moveKey(slot: number, key: string): void {
    this.migrations.get(slot)?.moved.add(key);
  }

  /** The importing node owns the slot from now on; every node's slot map says so. */
  finishMigration(slot: number): void {
    const migration = this.migrations.get(slot);
    if (migration === undefined) return;
    this.migrations.delete(slot);
    this.owner[slot] = migration.to;
  }

  /** The node stops: its links are reset; it refuses connections, or leaves them hanging. */
  down(index: number, hang: boolean): void {
    const node = this.nodes[index]!;
    if (hang) node.accepting = false;
    else node.listening = false;
    for (const link of node.links) link.reset();
  }

  /** The node is back. */
  up(index: number): void {
    const node = this.nodes[index]!;
    node.listening = true;
    node.accepting = true;
  }

  private addNode(): number {
    const index = this.nodes.length;
    this.nodes.push(
      this.net.node(`127.0.0.1:${7000 + index}`, (argv, link) => this.handle(index, argv, link)),
    );
    return index;
  }

  private handle(index: number, argv: string[], link: SimLink): RespValue | undefined {
    const f = this.faults;
    const r = this.random;
    if (r.chance(f.reset)) {
      link.reset();
      return undefined;
    }
    if (r.chance(f.halfClose)) {
      link.halfClose();
      return undefined;
    }
    if (r.chance(f.stall)) {
      link.blackHole();
      return undefined;
    }
    const asking = this.asking.has(link);
    this.asking.delete(link);
    const reply = this.reply(index, argv, asking, link);
    if (reply === undefined || !r.chance(f.slow)) return reply;
    link.sendLate(r.between(1, f.slowMs), reply);
    return undefined;
  }

  private reply(index: number, argv: string[], asking: boolean, link: SimLink): RespValue | undefined {
    const command = argv[0]!.toUpperCase();
    if (command === 'ASKING') {
      this.asking.add(link);
      return status('OK');
    }
    if (command === 'READONLY') {
      this.readOnly.add(link);
      return status('OK');
    }
    // readFrom 'nearest' times each link with a PING.
    if (command === 'PING') return status('PONG');
    if (command === 'HELLO' && this.withReplicas) {
      return ['server', 'sim', 'proto', 2, 'mode', 'cluster', 'availability_zone', `z${index % 2}`];
    }
    if (command === 'CLUSTER') {
      if (this.random.chance(this.faults.slotsError)) return error('ERR the map is elsewhere today');
      const hole = this.hole;
      this.hole = -1;
      return argv[1]!.toUpperCase() === 'NODES' ? this.clusterNodes(index, hole) : this.clusterSlots(hole);
    }
    const keys = command === 'MGET' ? argv.slice(1) : [argv[1]!];
    const slot = keySlot(keys[0]!);
    if (keys.some((key) => keySlot(key) !== slot)) {
      return error("CROSSSLOT Keys in request don't hash to the same slot");
    }
    const f = this.faults;
    const r = this.random;
    if (r.chance(f.tryAgain)) return error('TRYAGAIN Multiple keys request during rehashing of slot');
    if (r.chance(f.clusterDown)) return error('CLUSTERDOWN The cluster is down');
    if (r.chance(f.strayMoved)) {
      const other = this.nodes[(this.owner[slot]! + 1 + r.int(this.nodes.length - 1)) % this.nodes.length]!;
      return error(`MOVED ${slot} ${other.addr}`);
    }
    const replicaRead =
      command !== 'SET' && this.readOnly.has(link) && this.replicaOf.get(index) === this.owner[slot];
    const refusal = replicaRead ? null : this.route(index, slot, keys, asking);
    if (refusal !== null) return refusal;
    switch (command) {
      case 'GET':
        return keyValue(keys[0]!);
      case 'MGET':
        return keys.map(keyValue);
      case 'SET':
        return argv[2] === keyValue(keys[0]!) ? status('OK') : error(`ERR wrong value for ${keys[0]}`);
      default:
        return error(`ERR unknown command '${argv[0]}'`);
    }
  }

  /** Redis' routing of a key command on node `index`: null to serve it, else the redirect. */
  private route(index: number, slot: number, keys: string[], asking: boolean): RespValue | null {
    const migration = this.migrations.get(slot);
    const moved = migration === undefined ? 0 : keys.filter((key) => migration.moved.has(key)).length;
    if (this.owner[slot] === index) {
      if (moved === 0) return null;
      if (moved < keys.length) return error('TRYAGAIN Multiple keys request during rehashing of slot');
      return error(`ASK ${slot} ${this.nodes[migration!.to]!.addr}`);
    }
    if (migration?.to === index && asking) {
      return moved === keys.length ? null : error('TRYAGAIN Multiple keys request during rehashing of slot');
    }
    return error(`MOVED ${slot} ${this.ownerOf(slot).addr}`);
  }

  /** [start, end, node] for each run of slots one node serves. */
  private ranges(): [number, number, number][] {
    const ranges: [number, number, number][] = [];
    let start = 0;
    for (let slot = 1; slot <= SLOT_COUNT; slot++) {
      if (slot < SLOT_COUNT && this.owner[slot] === this.owner[start]) continue;
      ranges.push([start, slot - 1, this.owner[start]!]);
      start = slot;
    }
    return ranges;
  }

  /** The slot ranges and their owners, but those of node `hole`. */
  private servedRanges(hole: number): [number, number, number][] {
    return this.ranges().filter(([, , i]) => i !== hole);
  }

  private clusterSlots(hole: number): RespValue {
    const entry = (node: SimNode) => [node.host, node.port, `id-${node.name}`];
    return this.servedRanges(hole).map(([start, end, i]) => {
      const replicas = this.withReplicas ? this.replicasOf(i).map(entry) : [];
      return [start, end, entry(this.nodes[i]!), ...replicas];
    });
  }

  private replicasOf(primary: number): SimNode[] {
    return [...this.replicaOf].filter(([, of]) => of === primary).map(([replica]) => this.nodes[replica]!);
  }

  private clusterNodes(index: number, hole: number): string {
    const slots = this.nodes.map(() => [] as string[]);
    for (const [start, end, i] of this.servedRanges(hole))
      slots[i]!.push(start === end ? `${start}` : `${start}-${end}`);
    return this.nodes
      .map((node, i) => {
        const master = this.replicaOf.get(i);
        const role = master === undefined ? 'master -' : `slave id-${this.nodes[master]!.name}`;
        const flags = i === index ? `myself,${role}` : role;
        const bus = `${node.addr}@${node.port + 10000}`;
        return `id-${node.name} ${bus} ${flags} 0 0 ${i + 1} connected ${slots[i]!.join(' ')}`.trimEnd();
      })
      .join('\n')
      .concat('\n');
  }
}
