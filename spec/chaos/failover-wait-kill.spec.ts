/**
 * Chaos (issue #17): a primary killed with SIGKILL under load from both faces with `failoverWait: 10000`.
 * Commands that cannot have run — reads, and writes not yet written — wait for the promoted replica instead
 * of failing; a write written to the killed node and left unanswered fails saying it may have been applied.
 * No command waits much longer than the cluster itself takes to fail over.
 */
import { expect } from 'chai';
import { MAY_HAVE_BEEN_APPLIED } from '../../lib/errors.js';
import type { FailoverWaitInfo } from '../../lib/events.js';
import { signalTime } from '../support/chaos/chaos-cluster.js';
import { RELAXED_COMMAND_TIMEOUT_MS } from '../support/chaos/client-settings.js';
import { epochMs } from '../support/chaos/ledger.js';
import { describeChaos, expectResilient, runScenario } from '../support/chaos/scenario.js';

const FAILOVER_WAIT_MS = 10_000;
/** A write acknowledged this close before the SIGKILL may not have reached the replica (asynchronous replication). */
const REPLICATION_RACE_MS = 50;
/** The longest command may outlast the cluster's own failover (kill to promotion seen) by this much. */
const SLACK_MS = 1000;

type WaitEnd = Extract<FailoverWaitInfo, { phase: 'end' }>;

function sum<T>(list: readonly T[], of: (item: T) => number): number {
  return list.reduce((total, item) => total + of(item), 0);
}

describeChaos('chaos: a primary killed with SIGKILL, failoverWait rides through', (cluster) => {
  it('no read and no unwritten write fails; written writes say they may have been applied', async () => {
    let killedAt = 0;
    let promotedAt = 0;
    const waits: FailoverWaitInfo[] = [];
    const report = await runScenario({
      name: `primary killed, failoverWait ${FAILOVER_WAIT_MS}`,
      cluster,
      load: { client: { failoverWait: FAILOVER_WAIT_MS, commandTimeout: RELAXED_COMMAND_TIMEOUT_MS } },
      fault: async (ctx) => {
        ctx.load.acc.on('failover-wait', (info) => waits.push(info));
        const [victim] = await cluster.primaries();
        const affected = ctx.affectSlots(victim!.slots);
        killedAt = signalTime((await cluster.fault('kill', victim!.port)).output);
        ctx.model.setLossAllowance((key, at) => affected(key) && at >= killedAt - REPLICATION_RACE_MS);
        ctx.mark(`SIGKILL ${victim!.port}`, killedAt);
        await cluster.fault('wait-promotion', victim!.port);
        promotedAt = epochMs();
        ctx.mark('promotion seen', promotedAt);
      },
    });
    const reads = report.failures.filter((f) => !f.write);
    const writes = report.failures.filter((f) => f.write);
    const unwritten = writes.filter((f) => !f.message.endsWith(MAY_HAVE_BEEN_APPLIED));
    const failoverMs = promotedAt - killedAt;
    const longest = Math.max(report.faces.async.latency.max, report.maxSyncCallMs);
    const perFace = (face: 'async' | 'sync') => writes.filter((f) => f.face === face).length;
    const ends = waits.filter((w): w is WaitEnd => w.phase === 'end');
    console.log(
      `    failover (kill -> promotion seen) ${failoverMs.toFixed(0)} ms; longest command ${longest.toFixed(0)} ms\n` +
        `    failed reads ${reads.length}, failed unwritten writes ${unwritten.length}, written-unanswered ` +
        `writes ${writes.length - unwritten.length} (async ${perFace('async')}, sync ${perFace('sync')})\n` +
        `    async failover waits: ${ends.length} episodes (${[...new Set(ends.map((w) => w.address))].join(', ')}), ` +
        `${sum(ends, (w) => w.held)} commands held, the longest episode ${Math.max(...ends.map((w) => w.waitedMs))} ms, ` +
        `${sum(ends, (w) => w.expired)} ran out of wait`,
    );
    const mayHaveRun = [...report.messages.keys()].filter((m) => m.endsWith(MAY_HAVE_BEEN_APPLIED));
    expectResilient(report, { allowed: mayHaveRun });
    expect(report.failureCount, 'every failure kept').to.equal(report.failures.length);
    expect(reads.slice(0, 5), 'failed reads').to.deep.equal([]);
    expect(unwritten.slice(0, 5), 'failed writes that cannot have run').to.deep.equal([]);
    expect(longest, 'longest command (ms)').to.be.at.most(failoverMs + SLACK_MS);
    expect(ends.length, 'failover waits ended').to.be.greaterThan(0);
    expect(
      sum(ends, (w) => w.expired),
      'held commands that ran out of wait',
    ).to.equal(0);
  });
});
