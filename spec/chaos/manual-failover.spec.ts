/**
 * Chaos: a manual CLUSTER FAILOVER on a replica under load. The primary stops taking writes until its
 * replica has caught up, the replica takes over, the old primary answers MOVED: a controlled handover
 * the client follows by itself.
 */
import { describeChaos, expectResilient, runScenario } from '../support/chaos/scenario.js';

describeChaos('chaos: a manual CLUSTER FAILOVER on a replica', (cluster) => {
  it('every command one outcome, MOVED followed to the new primary, every write reads back', async () => {
    const report = await runScenario({
      name: 'manual failover',
      cluster,
      fault: async (ctx) => {
        const [primary] = await cluster.primaries();
        ctx.affectSlots(primary!.slots);
        const replica = await cluster.replicaOf(primary!.port);
        ctx.mark(`CLUSTER FAILOVER on ${replica}`);
        await cluster.fault('failover', replica);
        ctx.mark('failover seen');
      },
    });
    expectResilient(report, { allowed: [] });
  });
});
