/**
 * Chaos: the chaos cluster scaled out (a new primary on a spare port, slots rebalanced onto it) and then
 * scaled in (that primary drained of its slots and removed) under load. The new primary gets a tenth of
 * an equal share (about 530 slots): each slot moves in a few round trips to every primary, and under load
 * a full share (4096 slots) would take most of a minute each way.
 */
import { expect } from 'chai';
import { CHAOS_SPARE_PORTS } from '../support/chaos/chaos-cluster.js';
import { describeChaos, expectResilient, runScenario } from '../support/chaos/scenario.js';

/** The new primary's weight in the rebalance (the others have 1). */
const WEIGHT = 0.1;

describeChaos(
  'chaos: scale out and scale in',
  (cluster) => {
    it('scale out: a primary added and slots rebalanced onto it, no command fails', async () => {
      const added = CHAOS_SPARE_PORTS[0]!;
      const report = await runScenario({
        name: 'scale out',
        cluster,
        fault: async (ctx) => {
          ctx.mark(`add ${added} and rebalance`);
          await cluster.fault('scale-out', added, WEIGHT);
          ctx.mark('rebalanced');
        },
      });
      expectResilient(report, { allowed: [] });
      expect((await cluster.primaries()).map((n) => n.port)).to.include(added);
    });

    it('scale in: a primary drained and removed, no command fails', async () => {
      const removed = (await cluster.primaries()).find((n) => n.port === CHAOS_SPARE_PORTS[0]);
      const report = await runScenario({
        name: 'scale in',
        cluster,
        fault: async (ctx) => {
          ctx.affectSlots(removed!.slots);
          ctx.mark(`drain and remove ${removed!.port}`);
          await cluster.fault('scale-in', removed!.port);
          ctx.mark('removed');
        },
      });
      expectResilient(report, { allowed: [] });
      expect((await cluster.topology()).map((n) => n.port)).not.to.include(removed!.port);
    });
  },
  180_000,
);
