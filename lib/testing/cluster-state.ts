/**
 * The topology every mock node shares: members (primaries and replicas), which primary owns each slot,
 * the slots being migrated, and the epochs. Real nodes learn changes by gossip; here every node reads
 * this one object, so a change is seen by all nodes at once. No sockets and no data here: the host
 * moves keys and opens listeners.
 */
import { SLOT_COUNT } from '../cluster/keyslot.js';
import type { DataStore } from './data-store.js';

/** A node as the topology sees it. */
export interface Member {
  /** 40 hex characters. */
  readonly id: string;
  readonly host: string;
  port: number;
  role: 'master' | 'replica';
  /** The primary of a replica; null for a primary. */
  primary: Member | null;
  /** The keyspace: a replica shares its primary's. */
  store: DataStore;
  configEpoch: number;
  /** Dropped by a fault hook: flagged `fail` in CLUSTER NODES. */
  failed: boolean;
  /** Reported in HELLO as Valkey 8.1 does (not in CLUSTER SHARDS / NODES); null for none. */
  availabilityZone: string | null;
}

/** A slot on its way from one primary to another. */
export interface Migration {
  readonly slot: number;
  readonly from: Member;
  readonly to: Member;
}

/** 'host:port' of a member, for messages and redirects. */
export function address(member: Member): string {
  return `${member.host}:${member.port}`;
}

export class ClusterState {
  /** Every node, in the order it joined. */
  readonly members: Member[] = [];
  /** Slots their owner sends away (CLUSTER SETSLOT MIGRATING on `from`), by slot. */
  readonly migrating = new Map<number, Migration>();
  /** Slots a node receives (CLUSTER SETSLOT IMPORTING on `to`), by slot. */
  readonly importing = new Map<number, Migration>();
  currentEpoch = 0;
  private readonly owners: (Member | null)[] = new Array<Member | null>(SLOT_COUNT).fill(null);

  get primaries(): Member[] {
    return this.members.filter((m) => m.role === 'master');
  }

  /** The primary serving a slot, or null. */
  owner(slot: number): Member | null {
    return this.owners[slot] ?? null;
  }

  /** Every open migration, one per slot, whichever of its halves is set. */
  get migrations(): Migration[] {
    const bySlot = new Map(this.importing);
    for (const [slot, m] of this.migrating) bySlot.set(slot, m);
    return [...bySlot.values()].sort((a, b) => a.slot - b.slot);
  }

  /** Slots that have an owner. */
  get assignedSlots(): number {
    let count = 0;
    for (const owner of this.owners) if (owner !== null) count++;
    return count;
  }

  /** A member's slot ranges, ascending. */
  slotsOf(member: Member): [number, number][] {
    const ranges: [number, number][] = [];
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      if (this.owners[slot] !== member) continue;
      const last = ranges[ranges.length - 1];
      if (last !== undefined && last[1] === slot - 1) last[1] = slot;
      else ranges.push([slot, slot]);
    }
    return ranges;
  }

  /** The replicas of a primary, in the order they joined. */
  replicasOf(primary: Member): Member[] {
    return this.members.filter((m) => m.primary === primary);
  }

  /** Adds a node; a primary gets a config epoch of its own. */
  add(member: Member): void {
    if (member.role === 'master') member.configEpoch = ++this.currentEpoch;
    this.members.push(member);
  }

  /** Spreads every slot over the primaries as redis-cli does (0-5460, 5461-10922, 10923-16383 for 3). */
  assignEvenly(primaries: readonly Member[]): void {
    const per = SLOT_COUNT / primaries.length;
    let first = 0;
    let cursor = 0;
    primaries.forEach((primary, i) => {
      let last = Math.round(cursor + per - 1);
      if (last > SLOT_COUNT - 1 || i === primaries.length - 1) last = SLOT_COUNT - 1;
      for (let slot = first; slot <= last; slot++) this.owners[slot] = primary;
      first = last + 1;
      cursor += per;
    });
  }

  /** Removes a node that serves no slot and has no replicas. Throws naming the reason otherwise. */
  remove(member: Member): void {
    if (this.slotsOf(member).length > 0)
      throw new Error(`node ${address(member)} still serves slots: migrate them first`);
    if (this.replicasOf(member).length > 0)
      throw new Error(`node ${address(member)} still has replicas: remove them first`);
    for (const m of this.migrations) {
      if (m.from === member || m.to === member)
        throw new Error(`node ${address(member)} is in the migration of slot ${m.slot}`);
    }
    this.members.splice(this.members.indexOf(member), 1);
  }

  /** CLUSTER SETSLOT slot MIGRATING on the owner `from`. */
  setMigrating(slot: number, from: Member, to: Member): void {
    this.migrating.set(slot, { slot, from, to });
  }

  /** CLUSTER SETSLOT slot IMPORTING on `to`. */
  setImporting(slot: number, from: Member, to: Member): void {
    this.importing.set(slot, { slot, from, to });
  }

  /** CLUSTER SETSLOT slot STABLE on `node`: its half of a migration is forgotten. */
  stable(slot: number, node: Member): void {
    if (this.migrating.get(slot)?.from === node) this.migrating.delete(slot);
    if (this.importing.get(slot)?.to === node) this.importing.delete(slot);
  }

  /**
   * CLUSTER SETSLOT slot NODE `owner`, sent to `node`: the owner changes for everyone (gossip is
   * instant here); `node` forgets its half of a migration; a node taking a slot it imported gets a new
   * config epoch.
   */
  assign(slot: number, owner: Member, node: Member): void {
    this.owners[slot] = owner;
    if (this.migrating.get(slot)?.from === node) this.migrating.delete(slot);
    if (this.importing.get(slot)?.to === node) {
      this.importing.delete(slot);
      if (owner === node) node.configEpoch = ++this.currentEpoch;
    }
  }

  /**
   * Promotes the first replica of `primary`: it takes the slots, the old primary becomes its replica,
   * and so do the other replicas (CLUSTER FAILOVER on the replica). Returns the new primary.
   */
  failover(primary: Member): Member {
    if (primary.role !== 'master')
      throw new Error(`node ${address(primary)} is a replica: fail over its primary`);
    const replicas = this.replicasOf(primary);
    const promoted = replicas[0];
    if (promoted === undefined) throw new Error(`node ${address(primary)} has no replica to fail over to`);
    for (let slot = 0; slot < SLOT_COUNT; slot++)
      if (this.owners[slot] === primary) this.owners[slot] = promoted;
    for (const halves of [this.migrating, this.importing]) {
      for (const m of [...halves.values()]) {
        if (m.from === primary) halves.set(m.slot, { ...m, from: promoted });
        if (m.to === primary) halves.set(m.slot, { ...m, to: promoted });
      }
    }
    promoted.role = 'master';
    promoted.primary = null;
    promoted.configEpoch = ++this.currentEpoch;
    for (const node of [primary, ...replicas.slice(1)]) {
      node.role = 'replica';
      node.primary = promoted;
    }
    return promoted;
  }
}
