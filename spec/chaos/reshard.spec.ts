/**
 * Chaos: slots resharded between primaries under load (`redis-cli --cluster reshard`: SETSLOT IMPORTING /
 * MIGRATING, MIGRATE, SETSLOT NODE). A third of the keys live in the moving slots, so commands meet both
 * ASK (a key already migrated while its slot is still migrating) and MOVED (the slot has moved): no
 * command may fail.
 */
import { expect } from 'chai';
import { describeChaos, expectResilient, runScenario } from '../support/chaos/scenario.js';

/** Slots moved: the first ones of the first primary (0-5460), which redis-cli takes in order. */
const MOVED_SLOTS = 300;

describeChaos('chaos: resharding under load', (cluster) => {
  it('no command fails: ASK and MOVED are followed, every write reads back', async () => {
    const report = await runScenario({
      name: 'reshard',
      cluster,
      load: { focus: { slots: [0, MOVED_SLOTS - 1], keys: 350 } },
      fault: async (ctx) => {
        const [from, to] = await cluster.primaries();
        expect(from!.slots[0], 'the first primary starts at slot 0').to.deep.equal([0, 5460]);
        ctx.affectSlots([[0, MOVED_SLOTS - 1]]);
        ctx.mark(`reshard ${MOVED_SLOTS} slots ${from!.port} -> ${to!.port}`);
        await cluster.fault('reshard', from!.port, to!.port, MOVED_SLOTS);
        ctx.mark('reshard done');
      },
    });
    const stats = await cluster.redirectStats();
    console.log(`    servers: ${stats.moved} MOVED, ${stats.ask} ASK, ${stats.asking} ASKING`);
    expectResilient(report, { allowed: [] });
    expect(stats.moved, 'MOVED replies').to.be.greaterThan(0);
    expect(stats.ask, 'ASK replies').to.be.greaterThan(0);
    expect(stats.asking, 'ASKING commands: every ASK followed').to.equal(stats.ask);
  });
});
