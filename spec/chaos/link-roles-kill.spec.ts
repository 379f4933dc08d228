/**
 * Chaos (issue 14): a primary SIGKILLed while transactions, WATCH sessions and blocking pops are open on it,
 * from both faces (spec/support/chaos/role-load.ts). Each op gets exactly one outcome, a reply of its own
 * shape or one of the failures a dead node and the cluster-down window explain; nothing hangs; and once
 * the replica is promoted, every kind of op succeeds again on both faces without help.
 */
import { expect } from 'chai';
import { sleep, until } from '../support/async-helpers.js';
import { signalTime } from '../support/chaos/chaos-cluster.js';
import { PRIMARY_KILL_FAILURES } from '../support/chaos/kill-failures.js';
import { epochMs } from '../support/chaos/ledger.js';
import { RoleLoad } from '../support/chaos/role-load.js';
import { type RoleKind, type RoleRecord, tagsInSlots, WRONG } from '../support/chaos/role-ops.js';
import { describeChaos } from '../support/chaos/scenario.js';

/** After the promotion, every kind must succeed again on both faces within this (ms). */
const RECOVERY_LIMIT_MS = 10_000;
/** Async lanes of each kind, and the child's tags. */
const LANES = 8;

/** Failures a killed primary explains, as normalised by `shape`. */
const ALLOWED = [
  ...PRIMARY_KILL_FAILURES,
  // A WATCH session's commands are its own: no redirect is followed, no retry made, its link is not replaced.
  "the WATCH session's link to ADDR closed",
  'CLUSTERDOWN The cluster is down',
  'MOVED SLOT ADDR',
];

/** A failure message without its addresses and slot numbers. */
function shape(message: string): string {
  return message.replace(/\d+\.\d+\.\d+\.\d+:\d+/g, 'ADDR').replace(/^(MOVED|ASK) \d+/, '$1 SLOT');
}

function count<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function shown(counts: Map<string, number>): string {
  return [...counts].map(([key, n]) => `${key} ${n}`).join(', ') || 'none';
}

describeChaos(
  'chaos: a primary SIGKILLed with transactions, WATCH sessions and blocking pops open on it',
  (cluster) => {
    it('each op gets one outcome, an allowed failure at most; both faces recover by themselves', async () => {
      const [victim] = await cluster.primaries();
      const tags = tagsInSlots(victim!.slots, 4 * LANES, `lrk${Date.now().toString(36)}-`);
      const load = new RoleLoad({
        async: {
          tx: tags.slice(0, LANES),
          pop: tags.slice(LANES, 2 * LANES),
          watch: tags.slice(2 * LANES, 3 * LANES),
        },
        child: tags.slice(3 * LANES),
      });
      let killedAt = 0;
      let promotedAt = 0;
      try {
        await load.start();
        await sleep(1000);
        // The child's ops go tx, watch, pop: right after a watch ends, it waits in a pop for POP_WAIT_S.
        const childWatches = () =>
          load.records.filter((r) => r.face === 'blocking' && r.kind === 'watch').length;
        const watches = childWatches();
        await until(() => childWatches() > watches, 'a WATCH op of the blocking face to end', 5000);
        killedAt = signalTime((await cluster.fault('kill', victim!.port)).output);
        await cluster.fault('wait-promotion', victim!.port);
        promotedAt = epochMs();
        // Recovered: an op of every kind, started after the promotion, succeeded on both faces.
        const recovered = () => {
          const ok = new Set(
            load.records
              .filter((r) => r.start > promotedAt && r.message === '')
              .map((r) => `${r.face} ${r.kind}`),
          );
          return ok.size === 6;
        };
        await until(
          recovered,
          'every kind of op to succeed on both faces after the promotion',
          RECOVERY_LIMIT_MS,
        );
        await load.stop();
      } finally {
        load.close();
      }

      const records = load.records;
      const open = records.filter((r) => r.start <= killedAt && r.end > killedAt);
      const failures = records.filter((r) => r.message !== '');
      const label = (r: RoleRecord) => `${r.face} ${r.kind}`;
      console.log(
        `    ${records.length} ops (${shown(count(records, label))})\n` +
          `    open at the SIGKILL: ${shown(count(open, label))}\n` +
          `    their outcomes: ${shown(count(open, (r) => `${label(r)}: ${r.message === '' ? 'reply' : shape(r.message)}`))}\n` +
          `    failures: ${shown(count(failures, (r) => `${label(r)}: ${shape(r.message)}`))}\n` +
          `    promotion seen ${((promotedAt - killedAt) / 1000).toFixed(2)} s after the SIGKILL; last failure ` +
          `${((Math.max(killedAt, ...failures.map((r) => r.end)) - killedAt) / 1000).toFixed(2)} s after it`,
      );

      expect(load.problems, 'outcomes').to.deep.equal([]);
      expect(
        failures.filter((r) => r.message.startsWith(WRONG)).map((r) => r.message),
        'wrong replies',
      ).to.deep.equal([]);
      const unexpected = [...new Set(failures.map((r) => shape(r.message)))].filter(
        (m) => !ALLOWED.includes(m),
      );
      expect(unexpected, 'failure messages').to.deep.equal([]);
      expect(
        failures.filter((r) => r.end < killedAt).map((r) => `${label(r)}: ${r.message}`),
        'failures before the SIGKILL',
      ).to.deep.equal([]);
      for (const kind of ['tx', 'pop', 'watch'] as RoleKind[]) {
        expect(
          open.filter((r) => r.face === 'async' && r.kind === kind).length,
          `async ${kind} open at the kill`,
        ).to.be.greaterThan(0);
      }
      expect(open.filter((r) => r.face === 'blocking').length, 'blocking ops open at the kill').to.equal(1);
    });
  },
  90_000,
);
