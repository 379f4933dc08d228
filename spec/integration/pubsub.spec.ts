/** Pub/sub on the real plain cluster, async face: see spec/support/pubsub-behaviour.ts. */
import { AsyncClusterContext } from '../../lib/async-context.js';
import { PLAIN } from '../support/clusters.js';
import { pubsubBehaviour } from '../support/pubsub-behaviour.js';

describe('integration: pub/sub (async face, plain cluster)', function () {
  this.timeout(20_000);
  pubsubBehaviour(async (resp) => {
    const acc = new AsyncClusterContext({ nodes: PLAIN[0]!, resp });
    await acc.connect();
    return acc;
  });
});
