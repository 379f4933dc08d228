/**
 * When a topology change is done on the chaos cluster and when each face learned it: the cluster's moment is
 * the first poll at which every live node's CLUSTER SLOTS names the new owner of the watched slots; a face's
 * is the first slot map (async: its 'slotmap-updated' event; sync: the child's owner reports) that does.
 */
import type { AsyncClusterContext } from '../../../lib/async-context.js';
import { ClusterError } from '../../../lib/errors.js';
import { sleep } from '../async-helpers.js';
import { RawClient } from '../raw-client.js';
import type { ChaosCluster } from './chaos-cluster.js';
import { epochMs } from './ledger.js';
import type { OwnerView } from './sync-load.js';

const POLL_MS = 25;

/** The address serving each of `slots` in a CLUSTER SLOTS reply ('' when none). */
function ownersIn(reply: unknown, slots: readonly number[]): string[] {
  const ranges = reply as [number, number, [string, number]][];
  return slots.map((slot) => {
    const range = ranges.find(([start, end]) => slot >= start && slot <= end);
    return range === undefined ? '' : `${range[2][0]}:${range[2][1]}`;
  });
}

/**
 * Resolves with the first moment (epoch ms) every live node says `slots` are served by `addr`; rejects after
 * `limitMs`.
 */
export async function clusterAgrees(
  cluster: ChaosCluster,
  slots: readonly number[],
  addr: string,
  limitMs: number,
): Promise<number> {
  const ports = (await cluster.topology()).filter((n) => !n.failed).map((n) => n.port);
  const clients = await Promise.all(ports.map((port) => RawClient.connect({ host: '127.0.0.1', port })));
  const deadline = epochMs() + limitMs;
  try {
    while (epochMs() < deadline) {
      const at = epochMs();
      const replies = await Promise.all(clients.map((client) => client.call(['CLUSTER', 'SLOTS'])));
      if (replies.every((reply) => ownersIn(reply, slots).every((owner) => owner === addr))) return at;
      await sleep(POLL_MS);
    }
    throw new Error(
      `chaos: the nodes did not all name ${addr} for slots ${slots.join(' ')} in ${limitMs} ms`,
    );
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** Records when the async context's map first names `addr` for every one of `slots`. */
export class AsyncLearning {
  /** Epoch ms, or null while not learned. */
  at: number | null = null;
  private readonly check = () => {
    if (this.at !== null) return;
    const all = this.slots.every((slot) => {
      const owner = this.acc.slotOwner(slot);
      return !(owner instanceof ClusterError) && owner.addr === this.addr;
    });
    if (!all) return;
    this.at = epochMs();
    this.acc.off('slotmap-updated', this.check);
  };

  constructor(
    private readonly acc: AsyncClusterContext,
    private readonly slots: readonly number[],
    private readonly addr: string,
  ) {
    acc.on('slotmap-updated', this.check);
    this.check();
  }

  stop(): void {
    this.acc.off('slotmap-updated', this.check);
  }
}

/**
 * The first of the sync child's reports naming `addr` at each of `positions` (indexes into its watched
 * slots), or null.
 */
export function syncLearnedAt(
  views: readonly OwnerView[],
  positions: readonly number[],
  addr: string,
): number | null {
  return views.find((view) => positions.every((i) => view.owners[i] === addr))?.at ?? null;
}

/** Waits until `learned()` is not null or `limitMs` passed. */
export async function learnedWithin(learned: () => number | null, limitMs: number): Promise<number | null> {
  const deadline = epochMs() + limitMs;
  while (learned() === null && epochMs() < deadline) await sleep(POLL_MS);
  return learned();
}

/**
 * Resolves with the first moment (epoch ms) node `askPort`'s CLUSTER SLOTS no longer lists node `port` (as
 * primary or replica: a failed replica is left out); rejects after `limitMs`.
 */
export async function unlisted(askPort: number, port: number, limitMs: number): Promise<number> {
  const client = await RawClient.connect({ host: '127.0.0.1', port: askPort });
  const deadline = epochMs() + limitMs;
  try {
    while (epochMs() < deadline) {
      const at = epochMs();
      const ranges = (await client.call(['CLUSTER', 'SLOTS'])) as unknown[][];
      const listed = ranges.some((range) => range.slice(2).some((node) => (node as unknown[])[1] === port));
      if (!listed) return at;
      await sleep(POLL_MS);
    }
    throw new Error(`chaos: node ${askPort} still lists node ${port} after ${limitMs} ms`);
  } finally {
    await client.close();
  }
}
