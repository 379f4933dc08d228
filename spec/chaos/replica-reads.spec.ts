/**
 * Chaos (issue #17): `readFrom: 'replica'` under load from both faces. The servers' own counters show
 * where commands went: GETs on the replicas, SETs (`SET key value GET`, a write) on the primaries. Then a
 * replica is killed with SIGKILL: with `failoverWait`, the reads of its shard wait until the cluster drops
 * it from the map and continue on the shard's primary; no command fails.
 */
import { expect } from 'chai';
import { signalTime } from '../support/chaos/chaos-cluster.js';
import { RELAXED_COMMAND_TIMEOUT_MS } from '../support/chaos/client-settings.js';
import { epochMs } from '../support/chaos/ledger.js';
import { describeChaos, expectResilient, runScenario } from '../support/chaos/scenario.js';
import { unlisted } from '../support/chaos/slot-watch.js';

const FAILOVER_WAIT_MS = 10_000;
/** Bound on the cluster's dropping the killed replica from CLUSTER SLOTS (node timeout 2 s, then gossip). */
const DROP_LIMIT_MS = 20_000;
/** Load on the shard's primary alone after the drop, ms. */
const AFTER_DROP_MS = 1500;

interface Counts {
  port: number;
  role: string;
  get: number;
  set: number;
}

describeChaos("chaos: readFrom 'replica', then a replica killed with SIGKILL", (cluster) => {
  it('GETs go to replicas, SETs to primaries; after the kill the shard is read from its primary, nothing fails', async () => {
    let warm: Counts[] = [];
    let shardPrimary = 0;
    let primaryGetsBefore = 0;
    let primaryGetsAfter = 0;
    let droppedAfterMs = 0;
    await cluster.resetStats();
    const report = await runScenario({
      name: "readFrom 'replica', replica killed",
      cluster,
      load: {
        client: {
          readFrom: 'replica',
          failoverWait: FAILOVER_WAIT_MS,
          commandTimeout: RELAXED_COMMAND_TIMEOUT_MS,
        },
      },
      fault: async (ctx) => {
        const nodes = (await cluster.topology()).filter((n) => !n.failed);
        warm = await Promise.all(
          nodes.map(async (n) => {
            const calls = await cluster.commandCalls(n.port);
            return { port: n.port, role: n.role, get: calls.get('get') ?? 0, set: calls.get('set') ?? 0 };
          }),
        );
        const primary = nodes.find((n) => n.role === 'primary' && n.slots.length > 0)!;
        shardPrimary = primary.port;
        const replica = await cluster.replicaOf(primary.port);
        ctx.affectSlots(primary.slots);
        primaryGetsBefore = (await cluster.commandCalls(primary.port)).get('get') ?? 0;
        const killedAt = signalTime((await cluster.fault('kill', replica)).output);
        ctx.mark(`SIGKILL replica ${replica}`, killedAt);
        const droppedAt = await unlisted(primary.port, replica, DROP_LIMIT_MS);
        droppedAfterMs = droppedAt - killedAt;
        ctx.mark('dropped from CLUSTER SLOTS', droppedAt);
        await new Promise((resolve) => setTimeout(resolve, AFTER_DROP_MS));
        primaryGetsAfter = (await cluster.commandCalls(primary.port)).get('get') ?? 0;
        ctx.mark('primary counted', epochMs());
      },
    });
    console.log(
      `    warm-up, per node (CONFIG RESETSTAT first): ${warm
        .map((c) => `${c.port} ${c.role} GET ${c.get} SET ${c.set}`)
        .join('; ')}\n` +
        `    replica dropped from the map ${droppedAfterMs.toFixed(0)} ms after the kill; GETs on its shard's ` +
        `primary ${shardPrimary}: ${primaryGetsBefore} before the kill, ${primaryGetsAfter} after the drop`,
    );
    expectResilient(report, { allowed: [] });
    const primaries = warm.filter((c) => c.role === 'primary');
    const replicas = warm.filter((c) => c.role === 'replica');
    expect(primaries.length, 'primaries').to.equal(3);
    expect(replicas.length, 'replicas').to.equal(3);
    for (const c of replicas) expect(c.get, `GETs on replica ${c.port}`).to.be.greaterThan(0);
    for (const c of primaries) {
      expect(c.set, `SETs on primary ${c.port}`).to.be.greaterThan(0);
      expect(c.get, `GETs on primary ${c.port}`).to.equal(0);
    }
    expect(primaryGetsBefore, 'no GET on the primary while its replica serves').to.equal(0);
    expect(primaryGetsAfter, 'reads continue on the primary once the replica is gone').to.be.greaterThan(0);
  });
});
