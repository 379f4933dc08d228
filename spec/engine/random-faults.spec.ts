/**
 * Randomized faults against both faces' engines on the simulated network (spec/support/fault-run.ts):
 * for each seed, random MOVED / ASK / TRYAGAIN / CLUSTERDOWN replies, slot migrations, resets,
 * half-closes, stalls, delays, cut replies, nodes going down and timeouts under a stream of commands;
 * every command must get exactly one outcome, each reply must be its command's, and the engine must
 * end with nothing pending.
 *
 *   HIRCLUSTER_FAULT_SEEDS=100000   how many seeds (default 10 000: seeds 1..n)
 *   HIRCLUSTER_FAULT_SEED=1234      replays one seed, and prints its trace when it fails
 */
import { expect } from 'chai';
import { type FaultRunReport, runFaultSeed } from '../support/fault-run.js';

function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`${name} must be an integer >= 1, got '${text}'`);
  return value;
}

const REPLAY = process.env.HIRCLUSTER_FAULT_SEED;
const SEEDS = positiveInteger('HIRCLUSTER_FAULT_SEEDS', 10_000);
/** Reports kept when seeds fail (the first few say enough). */
const MAX_FAILURES = 5;

function replayCommand(seed: number): string {
  return `HIRCLUSTER_FAULT_SEED=${seed} npx mocha --no-config dist/spec/engine/random-faults.spec.js`;
}

function describeFailure(report: FaultRunReport): string {
  const lines = [`seed ${report.seed}: ${report.settings}`, ...report.problems.map((p) => `  ${p}`)];
  if (report.trace.length > 0) lines.push('  trace:', ...report.trace.map((t) => `    ${t}`));
  lines.push(`  replay: ${replayCommand(report.seed)}`);
  return lines.join('\n');
}

async function run(seed: number, traced: boolean): Promise<FaultRunReport> {
  try {
    return await runFaultSeed(seed, traced);
  } catch (err) {
    return {
      seed,
      face: seed % 2 === 0 ? 'async' : 'sync',
      settings: '(threw)',
      problems: [`the run threw: ${(err as Error).stack}`],
      trace: [],
    };
  }
}

describe('engine: randomized faults on the simulated network, both faces', () => {
  const title =
    REPLAY === undefined
      ? `seeds 1..${SEEDS}: one outcome per command, the right reply, nothing pending at the end`
      : `seed ${REPLAY} (replay): one outcome per command, the right reply, nothing pending at the end`;

  it(title, async function () {
    const seeds =
      REPLAY === undefined
        ? Array.from({ length: SEEDS }, (_, i) => i + 1)
        : [positiveInteger('HIRCLUSTER_FAULT_SEED', 1)];
    this.timeout(Math.max(120_000, seeds.length * 20));
    const failures: FaultRunReport[] = [];
    for (const seed of seeds) {
      const report = await run(seed, REPLAY !== undefined);
      if (report.problems.length === 0) continue;
      failures.push(report);
      if (failures.length === MAX_FAILURES) break;
    }
    if (failures.length > 0) {
      const more = failures.length === MAX_FAILURES ? ` (stopped after ${MAX_FAILURES})` : '';
      throw new Error(
        `${failures.length} failing seeds${more}:\n${failures.map(describeFailure).join('\n')}`,
      );
    }
  });

  it('a seed is the same run every time, and seeds differ', async () => {
    const a = await runFaultSeed(12, true);
    const b = await runFaultSeed(12, true);
    const c = await runFaultSeed(13, true);
    expect(a.trace.length).to.be.above(10);
    expect(b).to.deep.equal(a);
    expect(c.trace).to.not.deep.equal(a.trace);
  });
});
