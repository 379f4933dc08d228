/**
 * MockCluster: a whole Redis Cluster inside a test, on loopback sockets, with its data in ioredis-mock.
 * The nodes run in a worker thread, so both contexts work against them (a BlockingClusterContext
 * blocks its own thread). Every method that changes the cluster is async: it returns once the worker
 * has done it, and the getters (`nodes`, `addresses`, ...) then show the new topology. (A change made
 * by command, e.g. CLUSTER SETSLOT, shows in the getters after the next method call.)
 *
 *   const cluster = await MockCluster.start({ primaries: 3, replicasPerPrimary: 1 });
 *   const acc = new AsyncClusterContext({ nodes: cluster.addresses });
 *   await cluster.migrateSlot(keySlot('foo'), cluster.primaries[2]!);
 *   await cluster.stop();
 */
import type { TlsOptions } from 'node:tls';
import { keySlot, SLOT_COUNT } from '../cluster/keyslot.js';
import type {
  ControlOps,
  MockCommandRecord,
  MockMigration,
  MockNodeInfo,
  MockSnapshot,
} from './control-protocol.js';
import { MockChannel } from './mock-channel.js';
import type { MockReply } from './mock-reply.js';

/** How to build the cluster. */
export interface MockClusterOptions {
  /** Primaries, 1 to 100; the 16384 slots are spread evenly over them. Default 3. */
  primaries?: number;
  /** Replicas of each primary, 0 to 5. Default 0. */
  replicasPerPrimary?: number;
  /** Every link must `AUTH` (user `default`) with this password first. Default: none. */
  password?: string;
  /**
   * Whether the nodes know `HELLO` (and so RESP3). Default true; false makes them answer like Redis 5
   * (`-ERR unknown command 'HELLO'`).
   */
  resp3?: boolean;
  /**
   * Listen with TLS, with these server options (`key`, `cert`, `ca`, `requestCert`, ...). They cross to
   * the worker thread, so they must be plain data: strings and Buffers, no functions or SecureContext.
   */
  tls?: TlsOptions;
  /**
   * The availability zone of each node, which it reports in `HELLO` as `availability_zone` (as Valkey
   * 8.1 does), by position in `nodes`: the primaries, then the first replica of each primary, then the
   * second, and so on. null, or a position past the end: the node reports no zone. Default: none.
   */
  availabilityZones?: readonly (string | null)[];
}

/** A node: its info, its id, or its `host:port`. */
export type MockNodeRef = MockNodeInfo | string;

/** Which commands a queued reply answers. */
export interface ReplyNextOptions {
  /** Only commands to this node. Default: the first matching command on any node. */
  node?: MockNodeRef;
  /**
   * The command name (`GET`, or `CLUSTER SLOTS` for a subcommand; any case), or `*` for any command.
   * Default: any command that has keys, which is what faults usually target.
   */
  command?: string;
}

let clusterCount = 0;

function integerIn(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `MockCluster: invalid option '${name}': must be an integer ${min}..${max}, got ${String(value)}`,
    );
  }
  return value;
}

/** A zone is a non-empty string, or null for none. */
function checkZone(name: string, zone: unknown): void {
  if (zone !== null && zone !== undefined && (typeof zone !== 'string' || zone === '')) {
    throw new Error(`MockCluster: invalid ${name}: must be a non-empty string or null, got ${String(zone)}`);
  }
}

function checkSlot(slot: number): number {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) {
    throw new Error(`MockCluster: invalid slot: must be an integer 0..16383, got ${String(slot)}`);
  }
  return slot;
}

/**
 * A Redis Cluster in the test's process: `MockCluster.start()` it, point a context at `addresses`,
 * change its topology or inject faults, `stop()` it. See the module comment and README.md.
 */
export class MockCluster {
  private snapshot: MockSnapshot = { nodes: [], migrations: [] };
  private readonly id = ++clusterCount;
  private readonly channel = MockChannel.get();
  private stopped = false;

  private constructor() {}

  /** Starts the nodes on ephemeral loopback ports and resolves once every one is listening. */
  static async start(options: MockClusterOptions = {}): Promise<MockCluster> {
    if (options === null || typeof options !== 'object')
      throw new Error('MockCluster: options must be an object');
    const known = new Set([
      'primaries',
      'replicasPerPrimary',
      'password',
      'resp3',
      'tls',
      'availabilityZones',
    ]);
    for (const key of Object.keys(options)) {
      if (!known.has(key)) throw new Error(`MockCluster: unknown option '${key}'`);
    }
    if (options.password !== undefined && typeof options.password !== 'string') {
      throw new Error("MockCluster: invalid option 'password': must be a string");
    }
    if (options.resp3 !== undefined && typeof options.resp3 !== 'boolean') {
      throw new Error("MockCluster: invalid option 'resp3': must be a boolean");
    }
    const primaries = integerIn('primaries', options.primaries, 1, 100, 3);
    const replicasPerPrimary = integerIn('replicasPerPrimary', options.replicasPerPrimary, 0, 5, 0);
    const zones = options.availabilityZones ?? [];
    if (!Array.isArray(zones) || zones.length > primaries * (1 + replicasPerPrimary)) {
      throw new Error(
        "MockCluster: invalid option 'availabilityZones': must be a list with at most one entry per node",
      );
    }
    for (const [i, zone] of zones.entries()) checkZone(`availabilityZones[${i}]`, zone);
    const start = {
      primaries,
      replicasPerPrimary,
      password: options.password ?? '',
      resp3: options.resp3 ?? true,
      tls: options.tls,
      availabilityZones: zones.map((zone) => zone ?? null),
    };
    const cluster = new MockCluster();
    await cluster.call('start', start);
    return cluster;
  }

  /** Every node's `host:port`, primaries first: the seed list for a context's `nodes` option. */
  get addresses(): string[] {
    return this.snapshot.nodes.map((n) => n.address);
  }

  /** Every node, primaries first (in the order they joined), then replicas. */
  get nodes(): readonly MockNodeInfo[] {
    return this.snapshot.nodes;
  }

  /** The primaries (nodes with role `master`). */
  get primaries(): MockNodeInfo[] {
    return this.snapshot.nodes.filter((n) => n.role === 'master');
  }

  /** The replicas. */
  get replicas(): MockNodeInfo[] {
    return this.snapshot.nodes.filter((n) => n.role === 'replica');
  }

  /** Slots being migrated now. */
  get migrations(): readonly MockMigration[] {
    return this.snapshot.migrations;
  }

  /** The node a reference names; throws when there is none. */
  node(ref: MockNodeRef): MockNodeInfo {
    const key = typeof ref === 'string' ? ref : ref.id;
    const node = this.snapshot.nodes.find((n) => n.id === key || n.address === key);
    if (node === undefined) throw new Error(`MockCluster: no node ${key} in this cluster`);
    return node;
  }

  /** The replicas of a primary. */
  replicasOf(primary: MockNodeRef): MockNodeInfo[] {
    const id = this.node(primary).id;
    return this.snapshot.nodes.filter((n) => n.primaryId === id);
  }

  /** The primary serving a slot. */
  nodeForSlot(slot: number): MockNodeInfo {
    checkSlot(slot);
    const owner = this.snapshot.nodes.find((n) =>
      n.slots.some(([start, end]) => slot >= start && slot <= end),
    );
    if (owner === undefined) throw new Error(`MockCluster: slot ${slot} has no owner`);
    return owner;
  }

  /** The primary serving a key's slot. */
  nodeForKey(key: string | Uint8Array): MockNodeInfo {
    return this.nodeForSlot(keySlot(key));
  }

  /**
   * Opens the migration of `slot` to primary `to` (CLUSTER SETSLOT MIGRATING / IMPORTING): the owner
   * answers `-ASK` for keys it no longer has, the target serves them after `ASKING`, and commands on
   * several keys of which only some have moved get `-TRYAGAIN`.
   */
  async beginMigration(slot: number, to: MockNodeRef): Promise<void> {
    await this.call('beginMigration', checkSlot(slot), this.node(to).id);
  }

  /** Moves up to `count` keys (default all) of a migrating slot to its target; returns how many moved. */
  async moveSlotKeys(slot: number, count = Number.POSITIVE_INFINITY): Promise<number> {
    if (!(count >= 0)) throw new Error(`MockCluster: invalid key count: must be >= 0, got ${count}`);
    return (await this.call('moveSlotKeys', checkSlot(slot), count)) as number;
  }

  /** Moves the remaining keys and gives the slot to the target (CLUSTER SETSLOT NODE): `-MOVED` from then on. */
  async finishMigration(slot: number): Promise<void> {
    await this.call('finishMigration', checkSlot(slot));
  }

  /** A whole migration at once: begin, move every key, finish. */
  async migrateSlot(slot: number, to: MockNodeRef): Promise<void> {
    await this.beginMigration(slot, to);
    await this.finishMigration(slot);
  }

  /**
   * Promotes the first replica of `primary` (CLUSTER FAILOVER): it takes the slots and the data, the
   * old primary and the other replicas become its replicas. Links stay open; commands sent to the old
   * primary get `-MOVED`. Returns the new primary.
   */
  async failover(primary: MockNodeRef): Promise<MockNodeInfo> {
    return this.node((await this.call('failover', this.node(primary).id)) as string);
  }

  /**
   * A new node: an empty primary without slots, or a replica of `replicaOf` (sharing its data), in
   * `availabilityZone` if given.
   */
  async addNode(options: { replicaOf?: MockNodeRef; availabilityZone?: string } = {}): Promise<MockNodeInfo> {
    const replicaOf = options.replicaOf === undefined ? null : this.node(options.replicaOf).id;
    checkZone("option 'availabilityZone'", options.availabilityZone);
    const id = await this.call('addNode', replicaOf, options.availabilityZone ?? null);
    return this.node(id as string);
  }

  /**
   * Moves a node to another availability zone (null: none), as `CONFIG SET availability-zone` does on
   * Valkey: `HELLO` reports it from then on.
   */
  async setAvailabilityZone(node: MockNodeRef, zone: string | null): Promise<void> {
    checkZone('availability zone', zone);
    await this.call('setAvailabilityZone', this.node(node).id, zone);
  }

  /** Takes a node out (CLUSTER FORGET): it must serve no slot and have no replica. Its port closes. */
  async removeNode(node: MockNodeRef): Promise<void> {
    await this.call('removeNode', this.node(node).id);
  }

  /** Every reply of `node` (default: of every node) leaves `ms` after its command ran; 0 ends the delay. */
  async delayReplies(ms: number, node?: MockNodeRef): Promise<void> {
    if (!Number.isInteger(ms) || ms < 0)
      throw new Error(`MockCluster: invalid delay: must be an integer >= 0, got ${ms}`);
    await this.call('delay', node === undefined ? null : this.node(node).id, ms);
  }

  /** The node stops running commands (as under SIGSTOP): they wait, unanswered, until `resume()`. */
  async stall(node: MockNodeRef): Promise<void> {
    await this.call('stall', this.node(node).id);
  }

  /** A stalled node runs the commands that waited, then carries on. */
  async resume(node: MockNodeRef): Promise<void> {
    await this.call('resume', this.node(node).id);
  }

  /** The node goes down: its links close, connects are refused, CLUSTER NODES flags it `fail`. */
  async drop(node: MockNodeRef): Promise<void> {
    await this.call('drop', this.node(node).id);
  }

  /** A dropped node listens again on the same port. */
  async restore(node: MockNodeRef): Promise<void> {
    await this.call('restore', this.node(node).id);
  }

  /** Closes every client connection of a node (the node stays up); returns how many were closed. */
  async closeLinks(node: MockNodeRef): Promise<number> {
    return (await this.call('closeLinks', this.node(node).id)) as number;
  }

  /**
   * The next matching commands get these replies, one each, in order, instead of running: e.g.
   * `replyNext([mockError('TRYAGAIN Multiple keys request during rehashing of slot')])`. Always a list,
   * since an array is itself a reply.
   */
  async replyNext(replies: readonly MockReply[], options: ReplyNextOptions = {}): Promise<void> {
    if (!Array.isArray(replies)) throw new Error('MockCluster: replyNext takes a list of replies');
    const node = options.node === undefined ? null : this.node(options.node).id;
    const command = options.command === undefined ? null : options.command.toUpperCase();
    await this.call(
      'replyNext',
      replies.map((reply) => ({ node, command, reply })),
    );
  }

  /** The commands the nodes received since the start or the previous call, oldest first (at most 10 000). */
  async takeHistory(): Promise<MockCommandRecord[]> {
    return (await this.call('takeHistory')) as MockCommandRecord[];
  }

  /** Closes every node (their ports refuse connections from then on). Calls after this reject. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.channel.call(this.id, 'stop', [], (snapshot) => {
      this.snapshot = snapshot;
    });
  }

  private call(op: keyof ControlOps, ...args: unknown[]): Promise<unknown> {
    if (this.stopped) return Promise.reject(new Error('MockCluster: the cluster is stopped'));
    return this.channel.call(this.id, op, args, (snapshot) => {
      this.snapshot = snapshot;
    });
  }
}
