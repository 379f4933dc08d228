/**
 * The short seeded fuzz pass of `npm test` (`npm run fuzz` runs the same targets for longer): the
 * decoder, the format-string encoder and a context's links after malformed replies. Fixed seeds, so a
 * failure here replays with the command it prints. Each pass also proves it covered what it claims
 * (every RESP type, every limit, errors of each kind, both contexts), and the runner's own promises
 * are checked: a finding names its case and replays alone, a hang ends the process with its case.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { decoderTarget } from '../../scripts/fuzz/decoder-target.js';
import { formatTarget } from '../../scripts/fuzz/format-target.js';
import { linkTarget } from '../../scripts/fuzz/link-target.js';
import { Random } from '../../scripts/fuzz/random.js';
import { type RunResult, report, runTarget } from '../../scripts/fuzz/runner.js';
import { Finding, type FuzzTarget } from '../../scripts/fuzz/target.js';

/** The seed of the pass; change it only together with a look at what the new one covers. */
const SEED = 20240601;

function expectClean(result: RunResult, cases: number): void {
  expect(result.finding, report(result)).to.equal(null);
  expect(result.cases).to.equal(cases);
}

function expectCovered(result: RunResult, names: string[]): void {
  const missing = names.filter((name) => result.stats.get(name) === 0);
  expect(missing, report(result)).to.deep.equal([]);
}

describe('fuzz: a short seeded pass', () => {
  it('decoder: 200 streams, valid, mutated, hostile and noise, under every chunking', async () => {
    const result = await runTarget(decoderTarget, { seed: SEED, cases: 200 });
    expectClean(result, 200);
    const types = ['+', '-', ':', '$', '$-1', '*-1', '_', ',', '#', '(', '!', '=', '*', '~', '%', '>', '|'];
    const streamed = ['$?', '*?', '~?', '%?'];
    expectCovered(result, [
      ...[...types, ...streamed].map((t) => `type ${t}`),
      'valid streams',
      'mutated streams',
    ]);
    expectCovered(result, ['limit maxBulkLength', 'limit maxAggregateElements', 'limit maxDepth']);
    expectCovered(result, ['hostile headers', 'incomplete tail', 'frames accepted']);
    const errors = [...result.stats.counts.keys()].filter((name) =>
      name.startsWith('error: Protocol error: '),
    );
    expect(errors.length, report(result)).to.be.greaterThan(8);
    expect(result.stats.get('link feeds')).to.be.greaterThan(2000);
  });

  it('format: 1000 formats with arguments, exact bytes or the exact error', async () => {
    const result = await runTarget(formatTarget, { seed: SEED, cases: 1000 });
    expectClean(result, 1000);
    expectCovered(
      result,
      [...'diouxXeEfFgGaAsb%'].map((c) => `conversion %${c}`),
    );
    expectCovered(result, [
      'encoded',
      'error: Invalid format string: unsupported conversion',
      'error: Invalid format string: incomplete conversion',
      'error: Invalid format string: wrong number of arguments, expected',
      'error: Invalid format string: length modifier',
      'error: Invalid format string: field width or precision',
      'error: Invalid command: argv must be a non-empty array',
    ]);
  });

  it('link: malformed and oversize replies on a hostile node, both contexts stay usable', async () => {
    const result = await runTarget(linkTarget, { seed: SEED, cases: 6 });
    expectClean(result, 6);
    expectCovered(result, ['async cases', 'blocking cases']);
  });
});

describe('fuzz: the runner', () => {
  /** Fails at the first case whose generator says so, with an input drawn from it. */
  const failing: FuzzTarget = {
    name: 'failing',
    run(rng) {
      const input = String(rng.next());
      if (rng.int(4) === 0) throw new Finding('planted', input);
    },
  };

  it('reports the first finding with its input and the command that replays it', async () => {
    const result = await runTarget(failing, { seed: 7, cases: 100 });
    const finding = result.finding!;
    expect(finding.message).to.equal('planted');
    expect(result.cases).to.equal(finding.case + 1);
    expect(report(result)).to.contain(
      `replay: npm run fuzz -- --target failing --seed 7 --case ${finding.case}`,
    );
    // Replaying that case alone draws the same input.
    const replay = await runTarget(failing, { seed: 7, only: finding.case });
    expect(replay.finding).to.deep.equal(finding);
    expect(replay.cases).to.equal(1);
  });

  it('each case has its own generator: case n draws the same whatever ran before', () => {
    const first = new Random(7, 12).next();
    new Random(7, 11).next();
    expect(new Random(7, 12).next()).to.equal(first);
    expect(new Random(8, 12).next()).to.not.equal(first);
  });

  it('an exception that is not a finding is a crash, reported with its stack', async () => {
    const result = await runTarget(
      {
        name: 'throwing',
        run() {
          throw new TypeError('oops');
        },
      },
      { seed: 1, cases: 3 },
    );
    expect(result.finding!.case).to.equal(0);
    expect(result.finding!.message).to.match(/^case 0 threw TypeError: oops\n/);
  });

  it('a case that never returns: the watchdog names it and ends the process', () => {
    const script = fileURLToPath(new URL('./hang-target.js', import.meta.url));
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 15_000 });
    expect(run.signal).to.equal('SIGKILL');
    expect(run.stderr).to.match(/^fuzz: case 2 of target hang \(seed 99\) has run for \d+ ms: a hang\.\n/);
    expect(run.stderr).to.contain('replay: npm run fuzz -- --target hang --seed 99 --case 2');
  });
});
