/**
 * Chaos: a primary stopped with SIGSTOP for longer than the command timeout (but shorter than the cluster's
 * node timeout, so no failover starts), then continued with SIGCONT. Its commands fail with "Timeout" at
 * their deadline; every other slot keeps working meanwhile; after SIGCONT its slots work again.
 */
import { expect } from 'chai';
import { REDIS_ERR_TIMEOUT } from '../../lib/errors.js';
import { signalTime } from '../support/chaos/chaos-cluster.js';
import { CHAOS_CLIENT, DEADLINE_MARGIN_MS } from '../support/chaos/client-settings.js';
import { describeChaos, expectResilient, runScenario } from '../support/chaos/scenario.js';

/** Over twice the command timeout; well under the chaos cluster's node timeout (2000 ms). */
const PAUSE_MS = 1200;
/** Past this pause the cluster could start a failover: the run would not test what it says. */
const NODE_TIMEOUT_MS = 2000;

describeChaos('chaos: a primary paused with SIGSTOP past the command timeout', (cluster) => {
  it('its commands fail with "Timeout" at their deadline, other slots keep working, then it recovers', async () => {
    let stoppedAt = 0;
    let continuedAt = 0;
    let victim = 0;
    const report = await runScenario({
      name: 'primary paused',
      cluster,
      fault: async (ctx) => {
        const primaries = await cluster.primaries();
        victim = primaries[1]!.port;
        ctx.affectSlots(primaries[1]!.slots);
        const [stop, cont] = (await cluster.fault('pause', victim, PAUSE_MS)).output.split('\n');
        stoppedAt = signalTime(stop!);
        continuedAt = signalTime(cont!);
        ctx.mark(`SIGSTOP ${victim}`, stoppedAt);
        ctx.mark('SIGCONT', continuedAt);
      },
    });
    expectResilient(report, { allowed: ['Timeout'], onlyAffectedFail: true });

    const timeout = CHAOS_CLIENT.commandTimeout;
    expect(continuedAt - stoppedAt, 'pause (ms)').to.be.within(PAUSE_MS, NODE_TIMEOUT_MS - 100);
    expect(report.failureCount, 'commands to the paused node time out').to.be.greaterThan(0);
    for (const f of report.failures) {
      expect([f.code, f.message]).to.deep.equal([REDIS_ERR_TIMEOUT, 'Timeout']);
      // A link fails when its oldest command's deadline passes: none waits longer than the timeout.
      expect(f.end - f.start, `${f.face} Timeout after (ms)`).to.be.at.most(timeout + DEADLINE_MARGIN_MS);
      expect(f.end, 'Timeout during the pause or its last deadline').to.be.within(
        stoppedAt + timeout - DEADLINE_MARGIN_MS,
        continuedAt + timeout + DEADLINE_MARGIN_MS,
      );
    }
    // The async lanes of other slots go on meanwhile. (The sync loop makes one call at a time, so it
    // waits out each call to the paused node; only the failures above concern it.)
    const t = report.faces.async.timeline;
    expect(
      t.sum(t.okOther, stoppedAt, continuedAt),
      'successes on other slots during the pause',
    ).to.be.greaterThan(0);
    for (const face of ['async', 'sync'] as const) {
      const f = report.faces[face].timeline;
      expect(
        f.sum(f.okAffected, stoppedAt + timeout, continuedAt),
        `${face} successes on the paused node`,
      ).to.equal(0);
    }
    const still = (await cluster.primaries()).map((n) => n.port);
    expect(still, 'no failover: the paused node is still a primary').to.include(victim);
  });
});
