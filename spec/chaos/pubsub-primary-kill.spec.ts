/**
 * Chaos: sharded pub/sub while a primary is killed with SIGKILL: its subscriber link dies with it, its
 * channels wait for the promotion and are then subscribed on the promoted replica.
 */

import { expectPubsubResilient, runPubsubScenario } from '../support/chaos/pubsub-load.js';
import { describeChaos } from '../support/chaos/scenario.js';

describeChaos('chaos: sharded pub/sub with a primary SIGKILLed (RESP2 subscriber)', (cluster) => {
  it("the dead primary's channels come back on the promoted replica; nothing duplicated, nothing foreign", async () => {
    const report = await runPubsubScenario({
      cluster,
      resp: 2,
      fault: async (c) => {
        const [victim] = await c.primaries();
        await c.fault('kill', victim!.port);
        await c.fault('wait-promotion', victim!.port);
      },
    });
    expectPubsubResilient('primary killed', report);
  });
});
