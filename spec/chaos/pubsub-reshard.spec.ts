/**
 * Chaos: sharded pub/sub while 300 slots move between primaries (`redis-cli --cluster reshard`), 10 of the
 * 50 channels among them. Each moved channel is dropped by its old node (`sunsubscribe`) and subscribed
 * again on the new one, on its own: losses only while it moved, no duplicate, every channel receiving after.
 */

import { expectPubsubResilient, runPubsubScenario } from '../support/chaos/pubsub-load.js';
import { describeChaos } from '../support/chaos/scenario.js';

describeChaos('chaos: sharded pub/sub under resharding (RESP2 subscriber)', (cluster) => {
  it('moved channels follow their slots; nothing duplicated, nothing foreign', async () => {
    const report = await runPubsubScenario({
      cluster,
      resp: 2,
      fault: async (c) => {
        const [from, to] = await c.primaries();
        await c.fault('reshard', from!.port, to!.port, 300);
      },
    });
    expectPubsubResilient('reshard', report);
  });
});
