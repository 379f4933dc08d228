/**
 * Randomized faults against both faces' engines on the simulated network (spec/support/fault-run.ts):
 * for each seed, random MOVED / ASK / TRYAGAIN / CLUSTERDOWN replies, slot migrations, resets,
 * half-closes, stalls, delays, cut replies, nodes going down and timeouts under a stream of commands;
 * every command must get exactly one outcome, each reply must be its command's, and the engine must
 * end with nothing pending. Ride-through seeds add failoverWait, readFrom and retryWrites on a cluster with
 * replicas: then, too, no read fails for an outage an owner comes back from within the wait, and a write
 * that fails after it was written says it may have been applied.
 *
 *   HIRCLUSTER_FAULT_SEEDS=100000   how many seeds (default 10 000: seeds 1..n)
 *   HIRCLUSTER_RIDE_SEEDS=10000     how many ride-through seeds (default 1000)
 *   HIRCLUSTER_FAULT_SEED=1234      replays one seed, both kinds, and prints its trace when it fails
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
const RIDE_SEEDS = positiveInteger('HIRCLUSTER_RIDE_SEEDS', 1000);
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

async function run(seed: number, traced: boolean, rideThrough: boolean): Promise<FaultRunReport> {
  try {
    return await runFaultSeed(seed, traced, rideThrough);
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

/** Runs `count` seeds (or the one replayed); throws with the first failing ones' reports. */
async function checkSeeds(count: number, rideThrough: boolean): Promise<void> {
  const seeds =
    REPLAY === undefined
      ? Array.from({ length: count }, (_, i) => i + 1)
      : [positiveInteger('HIRCLUSTER_FAULT_SEED', 1)];
  const failures: FaultRunReport[] = [];
  for (const seed of seeds) {
    const report = await run(seed, REPLAY !== undefined, rideThrough);
    if (report.problems.length === 0) continue;
    failures.push(report);
    if (failures.length === MAX_FAILURES) break;
  }
  if (failures.length > 0) {
    const more = failures.length === MAX_FAILURES ? ` (stopped after ${MAX_FAILURES})` : '';
    const kind = rideThrough ? 'ride-through ' : '';
    throw new Error(
      `${failures.length} failing ${kind}seeds${more}:\n${failures.map(describeFailure).join('\n')}`,
    );
  }
}

describe('engine: randomized faults on the simulated network, both faces', () => {
  const which = (count: number) => (REPLAY === undefined ? `seeds 1..${count}` : `seed ${REPLAY} (replay)`);

  it(`${which(SEEDS)}: one outcome per command, the right reply, nothing pending at the end`, async function () {
    this.timeout(Math.max(120_000, SEEDS * 20));
    await checkSeeds(SEEDS, false);
  });

  it(`ride-through ${which(RIDE_SEEDS)} (failoverWait, readFrom, retryWrites): the same, and no read fails for an outage`, async function () {
    this.timeout(Math.max(120_000, RIDE_SEEDS * 20));
    await checkSeeds(RIDE_SEEDS, true);
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
