/**
 * Where a read-only command goes under `readFrom`: a shard's primary, or one of its replicas — spread round
 * robin, a node whose link failed lately left aside, the lowest measured round trip ('nearest') or the
 * nodes of one availability zone first (`{ az }`). Writes never come here: they go to the primary.
 */
import type { ReadChoice } from '../read-options.js';
import type { NodeEntry } from './topology.js';

/** A node whose command link failed this recently is passed over while another can serve. */
export const FAILED_NODE_PAUSE_MS = 1000;

/** The nodes serving a set of slots: the primary, and its replicas when reads may go to them. */
export interface Shard {
  readonly primary: NodeEntry;
  readonly replicas: NodeEntry[];
  /** The round robin's next replica. */
  next: number;
}

export class ReadRouting {
  constructor(
    private readonly choice: ReadChoice,
    private readonly now: () => number,
    /** Opens `entry`'s command link: its handshake measures the round trip and names the zone. */
    private readonly open: (entry: NodeEntry) => void,
  ) {}

  /** Reads may leave the primary: replicas are kept, and their links send READONLY. */
  get toReplicas(): boolean {
    return this.choice.mode !== 'primary';
  }

  /** The node a read of `shard` goes to. */
  reader(shard: Shard): NodeEntry {
    switch (this.choice.mode) {
      case 'primary':
        return shard.primary;
      case 'preferReplica':
        return this.replica(shard, anyNode) ?? shard.primary;
      case 'replica':
        // A shard that lists no replica is read from its primary; one whose replicas all failed lately
        // still goes to one of them (its failure is the command's, or failoverWait holds it).
        if (shard.replicas.length === 0) return shard.primary;
        return this.replica(shard, anyNode) ?? shard.replicas[shard.next++ % shard.replicas.length]!;
      case 'nearest':
        return this.nearest(shard);
      case 'az':
        return this.inZone(shard);
    }
  }

  /** The next replica (round robin) that has not failed lately and passes `test`, or undefined. */
  private replica(shard: Shard, test: (entry: NodeEntry) => boolean): NodeEntry | undefined {
    const replicas = shard.replicas;
    const count = replicas.length;
    for (let i = 0; i < count; i++) {
      const entry = replicas[shard.next++ % count]!;
      if (this.healthy(entry) && test(entry)) return entry;
    }
    return undefined;
  }

  /** The shard's node with the lowest measured round trip; nodes not measured yet are opened for it. */
  private nearest(shard: Shard): NodeEntry {
    let best: NodeEntry | undefined;
    let bestRtt = Number.POSITIVE_INFINITY;
    const consider = (entry: NodeEntry) => {
      if (!this.healthy(entry)) return;
      const rtt = this.measured(entry);
      if (rtt >= 0 && rtt < bestRtt) {
        best = entry;
        bestRtt = rtt;
      }
    };
    consider(shard.primary);
    for (const replica of shard.replicas) consider(replica);
    return best ?? shard.primary;
  }

  /** Replicas in the zone, then the primary when it is in the zone, else as 'preferReplica'. */
  private inZone(shard: Shard): NodeEntry {
    const zone = this.choice.zone;
    const test = (entry: NodeEntry) => this.zoneOf(entry) === zone;
    const replica = this.replica(shard, test);
    if (replica !== undefined) return replica;
    const primary = shard.primary;
    if (test(primary) && this.healthy(primary)) return primary;
    return this.replica(shard, anyNode) ?? primary;
  }

  /** The link's round trip in ms, -1 while unknown (the link is opened to learn it). */
  private measured(entry: NodeEntry): number {
    if (entry.link === null) this.open(entry);
    return entry.link?.rttMs ?? -1;
  }

  /** The zone the node's HELLO named, '' while unknown (the link is opened to learn it). */
  private zoneOf(entry: NodeEntry): string {
    if (entry.link === null) this.open(entry);
    return entry.link?.zone ?? '';
  }

  private healthy(entry: NodeEntry): boolean {
    return this.now() - entry.failedAt >= FAILED_NODE_PAUSE_MS;
  }
}

function anyNode(): boolean {
  return true;
}
