/**
 * Chaos: every node of the chaos cluster shut down (SHUTDOWN SAVE: primaries first, so the RDB files hold
 * every acknowledged write) and started again under load. The same contexts, never recreated, must
 * reconnect and carry on by themselves.
 */
import { describeChaos, expectResilient, runScenario } from '../support/chaos/scenario.js';

describeChaos('chaos: every node restarted', (cluster) => {
  it('the same contexts recover without being recreated; every acknowledged write reads back', async () => {
    const report = await runScenario({
      name: 'all nodes restarted',
      cluster,
      fault: async (ctx) => {
        ctx.mark('restart');
        await cluster.fault('restart');
        ctx.mark('cluster healthy');
      },
    });
    expectResilient(report, {
      allowed: [
        // A primary stops serving at SHUTDOWN while its replica catches up and the RDB file is written:
        // the commands it holds pass their deadline.
        'Timeout',
        // Links break at the shutdown, connects are refused until the nodes are back.
        'Server closed the connection',
        'Connection reset by peer',
        // A write that reaches the socket after the reset came in, before the read noticed it (EPIPE).
        'Broken pipe',
        'Connection refused',
        // A node back before the others answers CLUSTERDOWN until the cluster is ok: retried until the
        // retries run out.
        'too many cluster retries',
        // A node answers commands while it loads its RDB file with this error reply.
        'LOADING Redis is loading the dataset in memory',
      ],
    });
  });
});
