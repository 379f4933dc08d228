/**
 * Sync face's pipelines on the plain cluster, each figure next to its references measured in the same run:
 * a pipeline of 1000 (SET then GET of each key, 16-byte values) against the C anchor's (hiredis'
 * redisAppendCommandArgv / redisGetReply, one connection a primary, anchor-sync.c) and against the async
 * context with 1000 in flight.
 */
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { cAnchor, type ThroughputFigures } from './anchor.js';
import { pipelinedHircluster } from './async.js';
import { count, median, medians, report, throughputLine } from './report.js';

const SEEDS = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
const VALUE = 'v'.repeat(16);
const KEYS = Array.from({ length: 1000 }, (_, i) => `bench:key:${i}`);
const ROUNDS = 3;
const PIPELINE = 1000;
const PIPELINED_OPS = 200_000;
/** A run stops at its command count or after this long, whichever comes first (a loaded machine). */
const RUN_LIMIT_MS = 20_000;

/** Pipelines of `PIPELINE` commands (half SET, half GET) until `total` ops or the time limit. */
function pipelined(cc: BlockingClusterContext, total: number): ThroughputFigures {
  const setArgv = KEYS.map((key) => ['SET', key, VALUE]);
  const getArgv = KEYS.map((key) => ['GET', key]);
  const cpu = process.cpuUsage();
  const start = performance.now();
  let done = 0;
  for (; done < total && performance.now() - start < RUN_LIMIT_MS; done += PIPELINE) {
    for (let i = 0; i < PIPELINE; i += 2) {
      cc.appendCommandArgv(setArgv[i]!);
      cc.appendCommandArgv(getArgv[i]!);
    }
    // A GET may find nothing when another run's FLUSHALL (the integration specs' set-up) came in between.
    for (let i = 0; i < PIPELINE; i += 2) {
      const set = cc.getReply();
      const get = cc.getReply();
      if (set !== 'OK' || (get !== VALUE && (get !== null || cc.err !== 0))) {
        throw new Error(`bench: sync pipeline got ${String(set)}, ${String(get)} (${cc.errstr})`);
      }
    }
    cc.reset();
  }
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {
    ops: done,
    opsPerSecond: done / (elapsed / 1000),
    cpuSPer100k: ((used.user + used.system) / 1e6 / done) * 1e5,
  };
}

export async function benchSync(): Promise<void> {
  const began = performance.now();
  const anchor = cAnchor();
  const cc = new BlockingClusterContext({ nodes: SEEDS });
  cc.connect();
  const acc = new AsyncClusterContext({ nodes: SEEDS });
  await acc.connect();
  pipelined(cc, 20_000);
  await pipelinedHircluster(acc, 20_000);
  const c: ThroughputFigures[] = [];
  const ours: ThroughputFigures[] = [];
  const asyncPipe: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (anchor !== null) c.push(anchor.pipeline(PIPELINED_OPS));
    ours.push(pipelined(cc, PIPELINED_OPS));
    asyncPipe.push((await pipelinedHircluster(acc, PIPELINED_OPS)).opsPerSecond);
  }
  cc.close();
  acc.free();
  const cMedian = c.length > 0 ? medians(c) : undefined;
  console.log(
    `sync, pipeline of ${PIPELINE}, 50% SET / 50% GET, 16 B (median of ${ROUNDS} x ${count(PIPELINED_OPS)}):`,
  );
  if (cMedian !== undefined)
    console.log(throughputLine('C hiredis, one link a primary', cMedian, undefined, PIPELINED_OPS));
  console.log(throughputLine('blocking face', medians(ours), cMedian, PIPELINED_OPS));
  if (cMedian !== undefined) {
    report(
      `sync, pipeline of ${PIPELINE}`,
      'ops/s',
      medians(ours).opsPerSecond,
      'C',
      cMedian.opsPerSecond,
      1,
    );
  }
  report(
    `sync, pipeline of ${PIPELINE}`,
    'ops/s',
    medians(ours).opsPerSecond,
    'async 1000 in flight',
    median(asyncPipe),
    0.8,
  );
  console.log(`  sync bench took ${((performance.now() - began) / 1000).toFixed(1)} s`);
}
