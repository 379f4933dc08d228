/**
 * Chaos (issue #17): `refreshInterval: 1000` under load from both faces that sends nothing to the first
 * primary's slots. Slots moved by `redis-cli --cluster reshard`, then a manual CLUSTER FAILOVER on that
 * primary's replica: each face's slot map names the new owners within 2 s of every node naming them — no
 * MOVED needed (the servers answered none), no command failed.
 */
import { expect } from 'chai';
import type { RefreshReason } from '../../lib/events.js';
import { RELAXED_COMMAND_TIMEOUT_MS } from '../support/chaos/client-settings.js';
import type { MixedLoad } from '../support/chaos/mixed-load.js';
import { describeChaos, expectResilient, runScenario } from '../support/chaos/scenario.js';
import { AsyncLearning, clusterAgrees, learnedWithin, syncLearnedAt } from '../support/chaos/slot-watch.js';

const REFRESH_INTERVAL_MS = 1000;
/** A change must be learned within the interval plus a round trip: this long after every node names it. */
const LEARN_LIMIT_MS = 2000;
/** The first primary's slots, which no command of the load goes to. */
const QUIET: [number, number] = [0, 5460];
/** The slots the reshard moves (redis-cli takes the first primary's lowest slots). */
const MOVED = Array.from({ length: 10 }, (_, i) => i);
/** Slots the failover hands to the replica. */
const FAILED_OVER = [MOVED.length, QUIET[1]];
/** The sync child reports its owners of these: MOVED, then FAILED_OVER. */
const WATCHED = [...MOVED, ...FAILED_OVER];
const CHANGE_LIMIT_MS = 60_000;

/** When a change was done on the cluster and when each face learned it (epoch ms, null: not learned). */
interface Learned {
  what: string;
  changedAt: number;
  asyncAt: number | null;
  syncAt: number | null;
}

/**
 * Runs `change` while watching every node and both faces for `slots` served by `addr`; `positions` are
 * `slots`' indexes in WATCHED.
 */
async function learn(
  what: string,
  load: MixedLoad,
  slots: number[],
  addr: string,
  change: () => Promise<unknown>,
  agreed: Promise<number>,
): Promise<Learned> {
  const positions = slots.map((slot) => WATCHED.indexOf(slot));
  const asyncLearning = new AsyncLearning(load.acc, slots, addr);
  try {
    await change();
    const changedAt = await agreed;
    const asyncAt = await learnedWithin(() => asyncLearning.at, CHANGE_LIMIT_MS / 10);
    const syncAt = await learnedWithin(
      () => syncLearnedAt(load.syncOwnerViews, positions, addr),
      CHANGE_LIMIT_MS / 10,
    );
    return { what, changedAt, asyncAt, syncAt };
  } finally {
    asyncLearning.stop();
  }
}

function after(ms: number | null, from: number): string {
  return ms === null ? 'never' : `${(ms - from).toFixed(0)} ms`;
}

describeChaos('chaos: refreshInterval learns changes to slots no command goes to', (cluster) => {
  it('a reshard and a manual failover are learned within 2 s by both faces, with no MOVED', async () => {
    const learned: Learned[] = [];
    const refreshes = new Map<RefreshReason, number>();
    const report = await runScenario({
      name: `refreshInterval ${REFRESH_INTERVAL_MS}: reshard and manual failover of quiet slots`,
      cluster,
      load: {
        avoid: QUIET,
        watchSlots: WATCHED,
        client: { refreshInterval: REFRESH_INTERVAL_MS, commandTimeout: RELAXED_COMMAND_TIMEOUT_MS },
      },
      fault: async (ctx) => {
        ctx.load.acc.on('refresh', (reason) => refreshes.set(reason, (refreshes.get(reason) ?? 0) + 1));
        const [from, to] = await cluster.primaries();
        expect(from!.slots[0], 'the first primary starts at slot 0').to.deep.equal(QUIET);
        const replica = await cluster.replicaOf(from!.port);
        ctx.affectSlots([QUIET]);
        const toAddr = `127.0.0.1:${to!.port}`;
        ctx.mark(`reshard ${MOVED.length} slots ${from!.port} -> ${to!.port}`);
        learned.push(
          await learn(
            'reshard',
            ctx.load,
            MOVED,
            toAddr,
            () => cluster.fault('reshard', from!.port, to!.port, MOVED.length),
            clusterAgrees(cluster, MOVED, toAddr, CHANGE_LIMIT_MS),
          ),
        );
        ctx.mark(`CLUSTER FAILOVER on ${replica}`);
        const replicaAddr = `127.0.0.1:${replica}`;
        learned.push(
          await learn(
            'manual failover',
            ctx.load,
            FAILED_OVER,
            replicaAddr,
            () => cluster.fault('failover', replica),
            clusterAgrees(cluster, FAILED_OVER, replicaAddr, CHANGE_LIMIT_MS),
          ),
        );
        ctx.mark('both learned');
      },
    });
    const stats = await cluster.redirectStats();
    for (const l of learned) {
      console.log(
        `    ${l.what}: every node names the new owner; learned after async ${after(l.asyncAt, l.changedAt)}, ` +
          `sync ${after(l.syncAt, l.changedAt)}`,
      );
    }
    console.log(
      `    async refreshes: ${[...refreshes].map(([reason, n]) => `${reason} ${n}`).join(', ')}; ` +
        `servers: ${stats.moved} MOVED, ${stats.ask} ASK`,
    );
    expectResilient(report, { allowed: [] });
    expect(learned.length, 'changes watched').to.equal(2);
    for (const l of learned) {
      for (const [face, at] of [
        ['async', l.asyncAt],
        ['sync', l.syncAt],
      ] as const) {
        expect(at, `${l.what} learned by the ${face} face`).to.not.equal(null);
        expect(at! - l.changedAt, `${l.what}: ${face} face learned it after (ms)`).to.be.at.most(
          LEARN_LIMIT_MS,
        );
      }
    }
    expect(
      [stats.moved, stats.ask],
      'MOVED and ASK replies: no command went to the changed slots',
    ).to.deep.equal([0, 0]);
  });
});
