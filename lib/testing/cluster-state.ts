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
}

/** A slot on its way from one primary to another: MIGRATING on `from`, IMPORTING on `to`. */
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
  /** Open migrations by slot. */
  readonly migrations = new Map<number, Migration>();
  currentEpoch = 0;
  private readonly owners: (Member | null)[] = new Array<Member | null>(SLOT_COUNT).fill(null);

  get primaries(): Member[] {
    return this.members.filter((m) => m.role === 'master');
  }

  /** The primary serving a slot, or null. */
  owner(slot: number): Member | null {
    return this.owners[slot] ?? null;
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
    for (const m of this.migrations.values()) {
      if (m.from === member || m.to === member)
        throw new Error(`node ${address(member)} is in the migration of slot ${m.slot}`);
    }
    this.members.splice(this.members.indexOf(member), 1);
  }

  /** Opens a migration (CLUSTER SETSLOT MIGRATING / IMPORTING). */
  beginMigration(slot: number, to: Member): Migration {
    const from = this.owner(slot);
    if (from === null) throw new Error(`slot ${slot} has no owner`);
    if (to.role !== 'master') throw new Error(`node ${address(to)} is a replica: migrate to a primary`);
    if (from === to) throw new Error(`slot ${slot} is already served by node ${address(to)}`);
    if (this.migrations.has(slot)) throw new Error(`slot ${slot} is already being migrated`);
    const migration = { slot, from, to };
    this.migrations.set(slot, migration);
    return migration;
  }

  /** Closes a migration: the target owns the slot (CLUSTER SETSLOT NODE) with a new epoch. */
  finishMigration(slot: number): Migration {
    const migration = this.migrations.get(slot);
    if (migration === undefined) throw new Error(`slot ${slot} is not being migrated`);
    this.migrations.delete(slot);
    this.owners[slot] = migration.to;
    migration.to.configEpoch = ++this.currentEpoch;
    return migration;
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
    for (const m of [...this.migrations.values()]) {
      if (m.from === primary) this.migrations.set(m.slot, { ...m, from: promoted });
      if (m.to === primary) this.migrations.set(m.slot, { ...m, to: promoted });
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
