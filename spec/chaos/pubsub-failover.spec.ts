/**
 * Chaos: sharded pub/sub through a manual CLUSTER FAILOVER: the demoted primary drops its sharded
 * subscribers, and every channel of its slots is subscribed again on the promoted replica.
 */

import { expectPubsubResilient, runPubsubScenario } from '../support/chaos/pubsub-load.js';
import { describeChaos } from '../support/chaos/scenario.js';

describeChaos('chaos: sharded pub/sub through a manual failover (RESP3 subscriber)', (cluster) => {
  it("the failed-over shard's channels move to the new primary; nothing duplicated, nothing foreign", async () => {
    const report = await runPubsubScenario({
      cluster,
      resp: 3,
      fault: async (c) => {
        const [primary] = await c.primaries();
        await c.fault('failover', await c.replicaOf(primary!.port));
      },
    });
    expectPubsubResilient('manual failover', report);
  });
});
