/**
 * `npm run demo` cannot rot: the built demo runs on its own MockCluster, against the plain real cluster
 * (migration skipped, keys removed), and with --migrate against a MockCluster this spec starts (the
 * command path that moves a slot on a real cluster, without touching the shared clusters); each run
 * must exit 0 and print every step with the expected replies.
 */
import { expect } from 'chai';
import { MockCluster } from '../../lib/testing/index.js';
import { PLAIN } from '../support/clusters.js';
import { runScript, type ScriptResult } from '../support/run-script.js';

const DEMO = 'dist/scripts/demo.js';

/** A step line: `   <what> ... -> <reply>` with any padding. */
function step(what: string, reply: string): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^   ${literal(what)} +-> ${literal(reply)}`, 'm');
}

/** What every run prints for steps 1 to 6. */
function expectSteps1To6(run: ScriptResult): void {
  expect(run.stderr).to.equal('');
  expect(run.code).to.equal(0);
  const out = run.stdout;
  for (let n = 1; n <= 7; n++) expect(out).to.match(new RegExp(`^${n}\\. `, 'm'));
  expect(out).to.match(step('connect()', 'slot map version 1   3 masters'));
  expect(out).to.match(step('SET demo:greeting "hello, cluster"', '"OK"'));
  expect(out).to.match(step('GET demo:greeting', '"hello, cluster"'));
  expect(out).to.match(step('MGET demo:{a} demo:{b} demo:{c} demo:{none}', '["1", "2", "3", null]'));
  expect(out).to.match(step('INCRBY demo:counter 5', '15'));
  expect(out).to.match(step('GET demo:counter', '"15"'));
  expect(out.match(/^ {3}127\.0\.0\.1:[0-9]+ \(slots [0-9,-]+\) +-> [0-9]+ key\(s\)$/gm)).to.have.length(3);
  expect(out).to.match(step('event ready', 'the first slot map is in: commands can be routed'));
  expect(out).to.match(step('callback 1 (GET)', '"hello, cluster"   privdata {"id":1,"what":"GET"}'));
  expect(out).to.match(step('callback 2 (INCR)', '16   privdata {"id":2,"what":"INCR"}'));
  expect(out).to.match(step('HGETALL demo:user', '["name", "Ada", "lang", "TypeScript"]'));
  expect(out).to.match(step('INCR demo:greeting', 'rejects: ERR value is not an integer or out of range'));
  expect(out).to.match(/\nDone\. /);
}

/** What a run that migrates prints in step 7. */
function expectMigration(out: string): void {
  expect(out).to.match(
    step('migrating, 1 key(s) already on the target: GET', '"on the move"   ASK followed'),
  );
  expect(out).to.match(step('moved: GET (async)', '"on the move"   MOVED followed'));
  expect(out).to.match(step('event slotmap-updated', 'version 2'));
  expect(out).to.match(step('moved: GET (sync)', '"on the move"   slot map version 2'));
}

describe('demo: npm run demo', function () {
  this.timeout(60_000);

  it('on its own MockCluster: every step, and the wire during the migration', async () => {
    const run = await runScript(DEMO);
    expectSteps1To6(run);
    expectMigration(run.stdout);
    expect(run.stdout).to.match(/^hircluster demo on a MockCluster: 3 primaries \+ 3 replicas/);
    expect(run.stdout).to.include(
      '     source got GET demo:{moving}\n     target got ASKING\n     target got GET demo:{moving}\n',
    );
    // After MOVED the retry (target) and the update (source) leave on two links: either may come first.
    const afterMoved = run.stdout.split('MOVED followed\n')[1]!.split('   event slotmap-updated')[0]!;
    expect(
      afterMoved
        .trimEnd()
        .split('\n')
        .map((l) => l.trim()),
    ).to.have.members([
      'source got GET demo:{moving}',
      'source got CLUSTER SLOTS',
      'target got GET demo:{moving}',
    ]);
  });

  it('against the real plain cluster: the migration is skipped with a clear line, the keys removed', async () => {
    const run = await runScript(DEMO, ['--cluster', PLAIN[0]!]);
    expectSteps1To6(run);
    expect(run.stdout).to.include('skipped on a real cluster: it would move slot 14604 (demo:{moving})');
    expect(run.stdout).to.include('Run with --migrate to do it.');
    expect(run.stdout).to.match(step('DEL the 7 demo keys', '6'));
  });

  it('--migrate moves the slot with CLUSTER SETSLOT + MIGRATE and back (on a MockCluster, not the shared one)', async () => {
    const cluster = await MockCluster.start({ primaries: 3 });
    try {
      const layout = cluster.primaries.map((p) => p.slots);
      const run = await runScript(DEMO, ['--cluster', cluster.addresses[0]!, '--migrate']);
      expectSteps1To6(run);
      expectMigration(run.stdout);
      expect(run.stdout).to.match(/\(CLUSTER SETSLOT \+ MIGRATE\), and back at the end\n/);
      expect(run.stdout).to.match(/^ {3}slot 14604 moved back to 127\.0\.0\.1:[0-9]+$/m);
      expect(run.stdout).to.match(step('DEL the 7 demo keys', '7'));
      await cluster.takeHistory();
      expect(cluster.primaries.map((p) => p.slots)).to.deep.equal(layout);
      expect(cluster.migrations).to.deep.equal([]);
    } finally {
      await cluster.stop();
    }
  });

  it('refuses unknown arguments and --migrate without --cluster, with the usage', async () => {
    const bogus = await runScript(DEMO, ['--bogus']);
    expect([bogus.code, bogus.stdout]).to.deep.equal([2, '']);
    expect(bogus.stderr).to.equal(
      "unknown argument '--bogus'\nusage: npm run demo [-- --cluster host:port[,host:port...] [--migrate]]\n",
    );
    const migrate = await runScript(DEMO, ['--migrate']);
    expect(migrate.code).to.equal(2);
    expect(migrate.stderr).to.match(/^--migrate goes with --cluster/);
  });
});
