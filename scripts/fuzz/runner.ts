/**
 * Runs a fuzz target case after case, each from its own generator (run seed + case number), within a
 * case count and a time budget. The first finding stops the run and is reported with the command that
 * replays exactly that case. A watchdog thread ends the process, after saying which case, when one
 * case keeps the thread busy too long (a hang cannot be caught from inside).
 */
import { Worker } from 'node:worker_threads';
import { Random } from './random.js';
import { crash, Finding, type FuzzTarget, Stats } from './target.js';

/** How a run is bounded. */
export interface RunOptions {
  /** Unsigned 32-bit seed of the run. */
  seed: number;
  /** Most cases to run (default: unbounded, then `seconds` must bound the run). */
  cases?: number;
  /** Time budget in seconds (default: unbounded). */
  seconds?: number;
  /** Run only this case (a replay). */
  only?: number;
  /** A case taking longer than this fails the run (default 10 s); one stuck 3 × as long ends the process. */
  caseLimitMs?: number;
}

/** What a run found. */
export interface RunResult {
  target: string;
  seed: number;
  cases: number;
  ms: number;
  /** The slowest case and its time. */
  slowest: { case: number; ms: number };
  stats: Stats;
  /** The first finding, with its case number; null when there was none. */
  finding: { case: number; message: string; input: string } | null;
}

/** The command line that replays one case. */
export function replayCommand(target: string, seed: number, caseNumber: number): string {
  return `npm run fuzz -- --target ${target} --seed ${seed} --case ${caseNumber}`;
}

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const words = new Int32Array(workerData.shared);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let tick = -1, since = Date.now();
for (;;) {
  Atomics.wait(sleeper, 0, 0, 250);
  const now = Date.now(), t = Atomics.load(words, 1);
  if (t === -2) break;
  if (t !== tick) { tick = t; since = now; continue; }
  if (t >= 0 && now - since > workerData.limitMs) {
    const c = Atomics.load(words, 0);
    writeSync(2, 'fuzz: case ' + c + ' of target ' + workerData.target + ' (seed ' + workerData.seed + ') has run for ' +
      (now - since) + ' ms: a hang.\\n  replay: npm run fuzz -- --target ' + workerData.target + ' --seed ' +
      workerData.seed + ' --case ' + c + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}
`;

/** Runs `target` as `options` say. */
export async function runTarget(target: FuzzTarget, options: RunOptions): Promise<RunResult> {
  const seed = options.seed >>> 0;
  const caseLimitMs = options.caseLimitMs ?? 10_000;
  const stats = new Stats();
  const shared = new SharedArrayBuffer(8);
  const words = new Int32Array(shared);
  Atomics.store(words, 1, -1);
  const watchdog = new Worker(WATCHDOG, {
    eval: true,
    workerData: { shared, limitMs: 3 * caseLimitMs, target: target.name, seed },
  });
  watchdog.unref();
  const started = performance.now();
  const result: RunResult = {
    target: target.name,
    seed,
    cases: 0,
    ms: 0,
    slowest: { case: -1, ms: 0 },
    stats,
    finding: null,
  };
  const first = options.only ?? 0;
  const last = options.only ?? (options.cases ?? Number.POSITIVE_INFINITY) - 1;
  try {
    for (let n = first; n <= last; n++) {
      if (options.seconds !== undefined && performance.now() - started > options.seconds * 1000) break;
      Atomics.store(words, 0, n);
      Atomics.store(words, 1, n & 0x3fffffff);
      const t0 = performance.now();
      try {
        await target.run(new Random(seed, n), stats);
      } catch (err) {
        const finding = err instanceof Finding ? err : crash(`case ${n}`, err, '(see the stack)');
        result.finding = { case: n, message: finding.message, input: finding.input };
      }
      const ms = performance.now() - t0;
      result.cases++;
      if (ms > result.slowest.ms) result.slowest = { case: n, ms };
      if (result.finding === null && ms > caseLimitMs) {
        result.finding = {
          case: n,
          message: `the case took ${Math.round(ms)} ms (limit ${caseLimitMs})`,
          input: '',
        };
      }
      if (result.finding !== null) break;
    }
  } finally {
    Atomics.store(words, 1, -2);
    await watchdog.terminate();
    await target.close?.();
  }
  result.ms = performance.now() - started;
  return result;
}

/** A run's report, a few lines; a finding comes with its input and the replay command. */
export function report(result: RunResult): string {
  const lines = [
    `${result.target}: ${result.cases} cases in ${(result.ms / 1000).toFixed(1)} s (seed ${result.seed}); ` +
      `slowest case ${result.slowest.case} took ${result.slowest.ms.toFixed(1)} ms`,
  ];
  const counts = [...result.stats.counts].sort(([a], [b]) => (a < b ? -1 : 1));
  lines.push(`  covered: ${counts.map(([name, n]) => `${name} ${n}`).join(', ')}`);
  const f = result.finding;
  if (f !== null) {
    lines.push(`  FAILED case ${f.case}: ${f.message}`);
    if (f.input !== '') lines.push(`  input: ${f.input}`);
    lines.push(`  replay: ${replayCommand(result.target, result.seed, f.case)}`);
  }
  return lines.join('\n');
}
