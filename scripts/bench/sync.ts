/**
 * Sync face on the plain cluster, each figure next to its reference measured in the same run:
 * sequential GET vs redis-benchmark (one connection, no pipelining), a pipeline of 1000 vs the async
 * context with 1000 in flight, and the time until a new context is ready vs its 60 ms budget.
 */
import { execFileSync } from 'node:child_process';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { pipelinedHircluster } from './async.js';
import { median, report } from './report.js';

const SEEDS = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
const VALUE = 'v'.repeat(16);
const KEYS = Array.from({ length: 1000 }, (_, i) => `bench:key:${i}`);
const ROUNDS = 3;
const SEQUENTIAL_OPS = 20_000;
const PIPELINE = 1000;
const PIPELINED_OPS = 100_000;
const READY_SAMPLES = 10;
const READY_BUDGET_MS = 60;

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
      String(SEQUENTIAL_OPS),
      '-q',
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  // Progress lines read "GET: rps=..."; only the final one says "requests per second, p50=... msec".
  const figures = [...out.matchAll(/GET: ([\d.]+) requests per second, p50=([\d.]+) msec/g)];
  if (figures.length === 0) throw new Error(`bench: no GET figure in redis-benchmark's output:\n${out}`);
  const last = figures[figures.length - 1]!;
  return { opsPerSecond: Number(last[1]), p50Us: Number(last[2]) * 1000 };
}

/** Per-call latency of sequential GETs: p50 and p99 in µs. */
function sequentialLatency(cc: BlockingClusterContext, total: number): { p50: number; p99: number } {
  const argv = ['GET', 'bench:sync:get'];
  const times = new Float64Array(total);
  for (let i = 0; i < total; i++) {
    const start = performance.now();
    if (cc.commandArgv(argv) !== VALUE) throw new Error('bench: sync GET got a wrong reply');
    times[i] = (performance.now() - start) * 1000;
  }
  times.sort();
  return { p50: times[Math.floor(total / 2)]!, p99: times[Math.floor(total * 0.99)]! };
}

function sequentialGet(cc: BlockingClusterContext, total: number): number {
  const argv = ['GET', 'bench:sync:get'];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    if (cc.commandArgv(argv) !== VALUE) throw new Error('bench: sync GET got a wrong reply');
  }
  return total / ((performance.now() - start) / 1000);
}

/** Pipelines of `PIPELINE` commands (half SET, half GET) until `total` ops; ops/s. */
function pipelined(cc: BlockingClusterContext, total: number): number {
  const start = performance.now();
  for (let done = 0; done < total; done += PIPELINE) {
    for (let i = 0; i < PIPELINE; i += 2) {
      cc.appendCommandArgv(['SET', KEYS[i]!, VALUE]);
      cc.appendCommandArgv(['GET', KEYS[i]!]);
    }
    for (let i = 0; i < PIPELINE; i += 2) {
      if (cc.getReply() !== 'OK' || cc.getReply() !== VALUE)
        throw new Error('bench: sync pipeline got a wrong reply');
    }
    cc.reset();
  }
  return total / ((performance.now() - start) / 1000);
}

/** ms from `new BlockingClusterContext` until connect() returned with the first slot map. */
function readyTime(): number {
  const start = performance.now();
  const cc = new BlockingClusterContext({ nodes: SEEDS });
  cc.connect();
  const ms = performance.now() - start;
  cc.close();
  return ms;
}

export async function benchSync(): Promise<void> {
  const began = performance.now();
  const cc = new BlockingClusterContext({ nodes: SEEDS });
  cc.connect();
  const acc = new AsyncClusterContext({ nodes: SEEDS });
  await acc.connect();
  cc.command('SET %s %s', 'bench:sync:get', VALUE);
  sequentialGet(cc, 2000);
  pipelined(cc, 20_000);
  await pipelinedHircluster(acc, 20_000);
  const ours: number[] = [];
  const theirs: number[] = [];
  const theirP50: number[] = [];
  const oursPipe: number[] = [];
  const asyncPipe: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(sequentialGet(cc, SEQUENTIAL_OPS));
    const reference = redisBenchmarkGet();
    theirs.push(reference.opsPerSecond);
    theirP50.push(reference.p50Us);
    oursPipe.push(pipelined(cc, PIPELINED_OPS));
    asyncPipe.push(await pipelinedHircluster(acc, PIPELINED_OPS));
  }
  const latency = sequentialLatency(cc, SEQUENTIAL_OPS);
  cc.close();
  acc.free();
  const ready: number[] = [];
  for (let i = 0; i < READY_SAMPLES; i++) ready.push(readyTime());
  report(
    'sync, sequential GET (median of 3 x 20 000)',
    'ops/s',
    median(ours),
    'redis-benchmark -c 1 -P 1',
    median(theirs),
    2,
  );
  console.log(
    `  sequential GET latency: p50 ${latency.p50.toFixed(1)} µs, p99 ${latency.p99.toFixed(1)} µs` +
      ` (redis-benchmark p50 ${median(theirP50).toFixed(0)} µs; ${SEQUENTIAL_OPS.toLocaleString('en')} calls)`,
  );
  report(
    'sync, pipeline of 1000, 50% SET / 50% GET, 16 B (median of 3 x 100 000)',
    'ops/s',
    median(oursPipe),
    'async 1000 in flight',
    median(asyncPipe),
    0.8,
  );
  // Lower is better here, so the budget stands on the left: the ratio is budget / time taken.
  report(
    `sync, ${READY_BUDGET_MS} ms budget vs time until a new context is ready (new + connect(), median of ${READY_SAMPLES})`,
    'ms',
    READY_BUDGET_MS,
    'taken',
    median(ready),
    1,
  );
  console.log(
    `  ready times (ms): ${ready.map((ms) => ms.toFixed(1)).join(', ')}; sync bench took ${((performance.now() - began) / 1000).toFixed(1)} s`,
  );
}
