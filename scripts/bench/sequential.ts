/**
 * Sequential GET of a 16-byte value, one call at a time, against the C anchor (hiredis' redisCommand) in the
 * same run: the blocking face (`commandArgv`) and the async face (`await send`), each for 20 000 calls on a
 * fresh context (cold: a new worker thread, whose JIT starts over) and 100 000 calls on a warm one (steady).
 * ops/s, per-call p50/p90/p99 and CPU s per 100 000 calls (process.cpuUsage(): the worker thread's included).
 * Also redis-benchmark's figure (one client, no pipelining), for comparison with earlier runs.
 */
import { execFileSync } from 'node:child_process';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { type CAnchor, cAnchor, type SequentialFigures } from './anchor.js';
import { count, medians, report, times } from './report.js';

const SEEDS = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
const KEY = 'bench:sync:get';
const VALUE = 'v'.repeat(16);
const ROUNDS = 3;
const COLD_OPS = 20_000;
const STEADY_OPS = 100_000;
const WARMUP_OPS = 5000;
const REDIS_BENCHMARK_OPS = 20_000;
/** A run of ours stops at its call count or after this long, whichever comes first (a loaded machine). */
const COLD_LIMIT_MS = 8000;
const STEADY_LIMIT_MS = 15_000;

/** Per-call latencies in µs, shared by every run (no allocation while measuring). */
const samples = new Float64Array(STEADY_OPS);

function figures(total: number, elapsedMs: number, cpu: NodeJS.CpuUsage): SequentialFigures {
  const sorted = samples.subarray(0, total).sort();
  return {
    ops: total,
    opsPerSecond: total / (elapsedMs / 1000),
    p50Us: sorted[Math.floor(total * 0.5)]!,
    p90Us: sorted[Math.floor(total * 0.9)]!,
    p99Us: sorted[Math.floor(total * 0.99)]!,
    cpuSPer100k: ((cpu.user + cpu.system) / 1e6 / total) * 1e5,
  };
}

/**
 * A GET that found no value: the shared plain cluster was emptied by another run's FLUSHALL (the integration
 * specs' set-up), so the value is set again; anything else is a failure.
 */
function checkEmpty(reply: unknown, err: number, errstr: string): void {
  if (reply !== null || err !== 0) throw new Error(`bench: GET got ${String(reply)} (${errstr})`);
}

function blockingGets(cc: BlockingClusterContext, total: number, limitMs: number): SequentialFigures {
  const argv = ['GET', KEY];
  const cpu = process.cpuUsage();
  const began = performance.now();
  const stopAt = began + limitMs;
  let n = 0;
  while (n < total) {
    const start = performance.now();
    if (start >= stopAt) break;
    const reply = cc.commandArgv(argv);
    samples[n++] = (performance.now() - start) * 1000;
    if (reply !== VALUE) {
      checkEmpty(reply, cc.err, cc.errstr);
      cc.commandArgv(['SET', KEY, VALUE]);
    }
  }
  const elapsed = performance.now() - began;
  return figures(n, elapsed, process.cpuUsage(cpu));
}

async function asyncGets(
  acc: AsyncClusterContext,
  total: number,
  limitMs: number,
): Promise<SequentialFigures> {
  const cpu = process.cpuUsage();
  const began = performance.now();
  const stopAt = began + limitMs;
  let n = 0;
  while (n < total) {
    const start = performance.now();
    if (start >= stopAt) break;
    const reply = await acc.send('GET', KEY);
    samples[n++] = (performance.now() - start) * 1000;
    if (reply !== VALUE) {
      checkEmpty(reply, 0, '');
      await acc.send('SET', KEY, VALUE);
    }
  }
  const elapsed = performance.now() - began;
  return figures(n, elapsed, process.cpuUsage(cpu));
}

function coldBlocking(): SequentialFigures {
  const cc = new BlockingClusterContext({ nodes: SEEDS });
  try {
    cc.connect();
    return blockingGets(cc, COLD_OPS, COLD_LIMIT_MS);
  } finally {
    cc.close();
  }
}

async function coldAsync(): Promise<SequentialFigures> {
  const acc = new AsyncClusterContext({ nodes: SEEDS });
  try {
    await acc.connect();
    return await asyncGets(acc, COLD_OPS, COLD_LIMIT_MS);
  } finally {
    acc.free();
  }
}

/** redis-benchmark's GET figures on the same cluster (one client, one command at a time): ops/s and p50 µs. */
function redisBenchmarkGet(): { opsPerSecond: number; p50Us: number } {
  const out = execFileSync(
    'redis-benchmark',
    [
      '--cluster',
      '-h',
      '127.0.0.1',
      '-p',
      '7000',
      '-c',
      '1',
      '-P',
      '1',
      '-t',
      'get',
      '-n',
      String(REDIS_BENCHMARK_OPS),
      '-q',
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  // Progress lines read "GET: rps=..."; only the final one says "requests per second, p50=... msec".
  const found = [...out.matchAll(/GET: ([\d.]+) requests per second, p50=([\d.]+) msec/g)];
  if (found.length === 0) throw new Error(`bench: no GET figure in redis-benchmark's output:\n${out}`);
  const last = found[found.length - 1]!;
  return { opsPerSecond: Number(last[1]), p50Us: Number(last[2]) * 1000 };
}

function line(
  label: string,
  ours: SequentialFigures,
  c: SequentialFigures | undefined,
  total: number,
): string {
  return (
    `    ${label.padEnd(30)} ${count(ours.opsPerSecond)} ops/s${times(ours.opsPerSecond, c?.opsPerSecond, 'C')}` +
    `; p50 ${ours.p50Us.toFixed(1)} µs${times(ours.p50Us, c?.p50Us, 'C')}` +
    `; p90 ${ours.p90Us.toFixed(1)} µs${times(ours.p90Us, c?.p90Us, 'C')}` +
    `; p99 ${ours.p99Us.toFixed(1)} µs${times(ours.p99Us, c?.p99Us, 'C')}` +
    `; CPU ${ours.cpuSPer100k.toFixed(2)} s/100k${times(ours.cpuSPer100k, c?.cpuSPer100k, 'C')}` +
    (ours.ops < total ? ` (time limit: ${count(ours.ops)} calls)` : '')
  );
}

interface Round {
  c: SequentialFigures[];
  blocking: SequentialFigures[];
  async: SequentialFigures[];
}

function printRows(title: string, total: number, rows: Round): void {
  const c = rows.c.length > 0 ? medians(rows.c) : undefined;
  console.log(`  ${count(total)} calls, ${title}:`);
  if (c !== undefined) console.log(line('C hiredis, redisCommand', c, undefined, total));
  console.log(line('blocking face, commandArgv', medians(rows.blocking), c, total));
  console.log(line('async face, await send', medians(rows.async), c, total));
}

export async function benchSequential(): Promise<void> {
  const began = performance.now();
  const anchor: CAnchor | null = cAnchor();
  const cc = new BlockingClusterContext({ nodes: SEEDS });
  cc.connect();
  const acc = new AsyncClusterContext({ nodes: SEEDS });
  await acc.connect();
  cc.commandArgv(['SET', KEY, VALUE]);
  blockingGets(cc, WARMUP_OPS, COLD_LIMIT_MS);
  await asyncGets(acc, WARMUP_OPS, COLD_LIMIT_MS);
  const cold: Round = { c: [], blocking: [], async: [] };
  const steady: Round = { c: [], blocking: [], async: [] };
  const benchmark: { opsPerSecond: number; p50Us: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (anchor !== null) cold.c.push(anchor.get(KEY, COLD_OPS));
    cold.blocking.push(coldBlocking());
    cold.async.push(await coldAsync());
    if (anchor !== null) steady.c.push(anchor.get(KEY, STEADY_OPS));
    steady.blocking.push(blockingGets(cc, STEADY_OPS, STEADY_LIMIT_MS));
    steady.async.push(await asyncGets(acc, STEADY_OPS, STEADY_LIMIT_MS));
    benchmark.push(redisBenchmarkGet());
  }
  cc.close();
  acc.free();
  console.log(
    `sequential GET of a 16-byte value (median of ${ROUNDS} rounds, the clients alternating in each):`,
  );
  printRows('a fresh context (cold)', COLD_OPS, cold);
  printRows('a warm context (steady)', STEADY_OPS, steady);
  const reference = medians(benchmark);
  console.log(
    `    ${'redis-benchmark -c 1 -P 1'.padEnd(30)} ${count(reference.opsPerSecond)} ops/s; p50 ${reference.p50Us.toFixed(0)} µs` +
      ` (${count(REDIS_BENCHMARK_OPS)} calls)`,
  );
  for (const [title, round] of [
    ['cold', cold],
    ['steady', steady],
  ] as const) {
    const ours = medians(round.blocking);
    if (round.c.length > 0) {
      const c = medians(round.c);
      report(`sync, sequential GET, ${title}`, 'ops/s', ours.opsPerSecond, 'C', c.opsPerSecond, 0.9);
      // Lower is better: the budgets stand on the left.
      report(
        `sync, ${title}: 3x C's CPU per call vs ours`,
        's/100k',
        3 * c.cpuSPer100k,
        'ours',
        ours.cpuSPer100k,
        1,
      );
    }
    report(`sync, ${title}: 4x our p50 vs our p99`, 'µs', 4 * ours.p50Us, 'p99', ours.p99Us, 1);
  }
  console.log(`  sequential bench took ${((performance.now() - began) / 1000).toFixed(1)} s`);
}
