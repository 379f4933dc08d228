/**
 * Chaos: a primary of the chaos cluster killed with SIGKILL under load, its replica promoted by the cluster.
 * Commands to its slots fail while it is gone, and every slot fails while the cluster is down between the
 * FAIL flag and the promotion; the client must find the promoted replica by itself.
 */
import { signalTime } from '../support/chaos/chaos-cluster.js';
import { PRIMARY_KILL_FAILURES } from '../support/chaos/kill-failures.js';
import { describeChaos, expectResilient, runScenario } from '../support/chaos/scenario.js';

/** A write acknowledged this close before the SIGKILL may not have reached the replica (asynchronous replication). */
const REPLICATION_RACE_MS = 50;

describeChaos('chaos: a primary killed with SIGKILL, its replica promoted', (cluster) => {
  it('every command one outcome, failures only until the promotion, the client recovers by itself', async () => {
    const report = await runScenario({
      name: 'primary killed',
      cluster,
      fault: async (ctx) => {
        const [victim] = await cluster.primaries();
        const affected = ctx.affectSlots(victim!.slots);
        const killedAt = signalTime((await cluster.fault('kill', victim!.port)).output);
        // No read can see a lost write before the promotion, which takes the node timeout (2 s) at least.
        ctx.model.setLossAllowance((key, at) => affected(key) && at >= killedAt - REPLICATION_RACE_MS);
        ctx.mark(`SIGKILL ${victim!.port}`, killedAt);
        await cluster.fault('wait-promotion', victim!.port);
        ctx.mark('promotion seen');
      },
    });
    expectResilient(report, { allowed: PRIMARY_KILL_FAILURES });
  });
});
