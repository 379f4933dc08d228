/**
 * The worker side of MockCluster: creates the nodes and their shards, carries out the topology changes
 * and fault hooks a test asks for, and describes the result as a snapshot.
 */
import type { Buffer } from 'node:buffer';
import { address, ClusterState } from './cluster-state.js';
import type { ControlOps, MockCommandRecord, MockSnapshot, WorkerStartOptions } from './control-protocol.js';
import { DataStore, type RedisMockClass } from './data-store.js';
import { InjectedReplies, type Injection } from './injected-replies.js';
import { MockNode, type NodeSettings } from './mock-node.js';
import { PubsubBoard } from './mock-pubsub.js';
import { encodeReply } from './reply-encoder.js';

/** The command history keeps this many entries (the oldest go first). */
const HISTORY_LIMIT = 10_000;

const MISSING_PACKAGES =
  'hircluster/testing needs the packages ioredis-mock (^8) and ioredis (^5): npm install --save-dev ioredis-mock ioredis';

let redisMock: Promise<RedisMockClass> | null = null;

/** Loads ioredis-mock (an optional peer dependency) once, by a name TypeScript does not resolve. */
function loadRedisMock(): Promise<RedisMockClass> {
  const name: string = 'ioredis-mock';
  redisMock ??= import(name).then(
    (module: { default: RedisMockClass }) => module.default,
    (err: Error) => {
      redisMock = null;
      throw new Error(`${MISSING_PACKAGES} (${err.message})`);
    },
  );
  return redisMock;
}

export class MockHost implements ControlOps {
  private readonly state = new ClusterState();
  private readonly injected = new InjectedReplies();
  private readonly pubsub = new PubsubBoard(this.state);
  private readonly nodes: MockNode[] = [];
  private history: MockCommandRecord[] = [];
  private settings: NodeSettings | null = null;
  private RedisMock: RedisMockClass | null = null;

  async start(options: WorkerStartOptions): Promise<void> {
    this.RedisMock = await loadRedisMock();
    this.settings = {
      state: this.state,
      injected: this.injected,
      password: options.password,
      resp3: options.resp3,
      tls: options.tls,
      record: (node, argv) => this.record(node, argv),
      pubsub: this.pubsub,
    };
    const primaries: MockNode[] = [];
    const zones = options.availabilityZones;
    for (let i = 0; i < options.primaries; i++) primaries.push(await this.createNode(null, zones[i] ?? null));
    this.state.assignEvenly(primaries);
    for (let r = 0; r < options.replicasPerPrimary; r++) {
      for (const primary of primaries) await this.createNode(primary, zones[this.nodes.length] ?? null);
    }
  }

  async stop(): Promise<void> {
    this.injected.clear();
    await Promise.all(this.nodes.map((node) => node.shutdown()));
  }

  beginMigration(slot: number, id: string): void {
    const to = this.node(id);
    const from = this.state.owner(slot);
    if (from === null) throw new Error(`slot ${slot} has no owner`);
    if (to.role !== 'master') throw new Error(`node ${address(to)} is a replica: migrate to a primary`);
    if (from === to) throw new Error(`slot ${slot} is already served by node ${address(to)}`);
    if (this.state.migrations.some((m) => m.slot === slot))
      throw new Error(`slot ${slot} is already being migrated`);
    this.state.setImporting(slot, from, to);
    this.state.setMigrating(slot, from, to);
  }

  moveSlotKeys(slot: number, count: number): number {
    const migration = this.state.migrations.find((m) => m.slot === slot);
    if (migration === undefined) throw new Error(`slot ${slot} is not being migrated`);
    const keys = migration.from.store.keysInSlot(slot).slice(0, count);
    for (const key of keys) migration.from.store.moveKey(key, migration.to.store);
    return keys.length;
  }

  finishMigration(slot: number): void {
    this.moveSlotKeys(slot, Number.POSITIVE_INFINITY);
    const { from, to } = this.state.migrations.find((m) => m.slot === slot)!;
    this.state.assign(slot, to, to);
    this.state.assign(slot, to, from);
    this.pubsub.slotsMoved();
  }

  failover(node: string): string {
    const promoted = this.state.failover(this.node(node)).id;
    this.pubsub.slotsMoved();
    return promoted;
  }

  async addNode(replicaOf: string | null, availabilityZone: string | null): Promise<string> {
    const primary = replicaOf === null ? null : this.node(replicaOf);
    return (await this.createNode(primary, availabilityZone)).id;
  }

  setAvailabilityZone(node: string, zone: string | null): void {
    this.node(node).availabilityZone = zone;
  }

  async removeNode(id: string): Promise<void> {
    const node = this.node(id);
    this.state.remove(node);
    this.nodes.splice(this.nodes.indexOf(node), 1);
    await node.shutdown();
  }

  delay(node: string | null, ms: number): void {
    for (const n of node === null ? this.nodes : [this.node(node)]) n.delayMs = ms;
  }

  stall(node: string): void {
    this.node(node).stalled = true;
  }

  resume(node: string): void {
    this.node(node).resume();
  }

  async drop(id: string): Promise<void> {
    const node = this.node(id);
    node.failed = true;
    await node.shutdown();
  }

  async restore(id: string): Promise<void> {
    const node = this.node(id);
    if (!node.failed) throw new Error(`node ${node.host}:${node.port} was not dropped`);
    await node.listen();
    node.failed = false;
  }

  closeLinks(node: string): number {
    return this.node(node).closeLinks();
  }

  replyNext(injections: Injection[]): void {
    for (const injection of injections) {
      if (injection.node !== null) this.node(injection.node);
      encodeReply(injection.reply, 3); // throws on a value RESP cannot carry, before anything is queued
    }
    this.injected.add(injections);
  }

  takeHistory(): MockCommandRecord[] {
    const history = this.history;
    this.history = [];
    return history;
  }

  snapshot(): MockSnapshot {
    const primaries = this.nodes.filter((n) => n.role === 'master');
    const replicas = this.nodes.filter((n) => n.role === 'replica');
    return {
      nodes: [...primaries, ...replicas].map((n) => ({
        id: n.id,
        host: n.host,
        port: n.port,
        address: `${n.host}:${n.port}`,
        role: n.role,
        primaryId: n.primary?.id ?? null,
        slots: this.state.slotsOf(n),
        dropped: n.failed,
        stalled: n.stalled,
        delayMs: n.delayMs,
        availabilityZone: n.availabilityZone,
      })),
      migrations: this.state.migrations.map((m) => ({
        slot: m.slot,
        from: `${m.from.host}:${m.from.port}`,
        to: `${m.to.host}:${m.to.port}`,
      })),
    };
  }

  private async createNode(primary: MockNode | null, availabilityZone: string | null): Promise<MockNode> {
    const store = primary?.store ?? new DataStore(this.RedisMock!);
    const node = new MockNode(this.settings!, store, primary);
    node.availabilityZone = availabilityZone;
    await node.listen();
    this.nodes.push(node);
    this.state.add(node);
    return node;
  }

  private node(id: string): MockNode {
    const node = this.nodes.find((n) => n.id === id);
    if (node === undefined) throw new Error(`no node with id ${id} in this cluster`);
    return node;
  }

  private record(node: MockNode, argv: readonly Buffer[]): void {
    if (this.history.length >= HISTORY_LIMIT) this.history.shift();
    this.history.push({ node: `${node.host}:${node.port}`, argv: argv.map((a) => a.toString('utf8')) });
  }
}
