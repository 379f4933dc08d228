/**
 * Async face on the plain cluster, in one run: 1000 commands in flight (SET then GET of each key, 16-byte
 * values) against ioredis' Cluster (enableAutoPipelining) and against the C anchor (hiredis' async API on
 * libevent, anchor-async.c), and sequential awaited GETs against ioredis. Against C, each run is a fresh
 * context, so its first seconds count: 200 000 commands, and 2 000 000 where they weigh little.
 */
import { Cluster } from 'ioredis';
import { AsyncClusterContext } from '../../lib/index.js';
import { cAnchor, type ThroughputFigures } from './anchor.js';
import { count, median, medians, report, throughputLine } from './report.js';

const SEEDS = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
const VALUE = 'v'.repeat(16);
const KEYS = Array.from({ length: 1000 }, (_, i) => `bench:key:${i}`);
const IN_FLIGHT = 1000;
const PIPELINED_OPS = 200_000;
const LONG_OPS = 2_000_000;
const SEQUENTIAL_OPS = 20_000;
const ROUNDS = 3;
/** A run stops at its command count or after this long, whichever comes first (a loaded machine). */
const RUN_LIMIT_MS = 20_000;
/** Replies between two looks at the clock, so that the time limit costs next to nothing. */
const CLOCK_EVERY = 1024;

/**
 * Keeps `IN_FLIGHT` commands outstanding until `total` have completed (or the time limit, then the last
 * `sent`), timed from the first command; a SET then a GET of each key in turn, so that every GET reads a
 * value. Also the reference of the sync pipeline figure (sync.ts).
 */
export function pipelinedHircluster(acc: AsyncClusterContext, total: number): Promise<ThroughputFigures> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    let limit = total;
    const cpu = process.cpuUsage();
    const start = performance.now();
    const onReply = (_: AsyncClusterContext, reply: unknown) => {
      if (reply === null && acc.err !== 0) reject(new Error(`bench command failed: ${acc.errstr}`));
      if (++done % CLOCK_EVERY === 0 && limit === total && performance.now() - start >= RUN_LIMIT_MS)
        limit = sent;
      if (done === limit) {
        const elapsed = performance.now() - start;
        const used = process.cpuUsage(cpu);
        resolve({
          ops: done,
          opsPerSecond: done / (elapsed / 1000),
          cpuSPer100k: ((used.user + used.system) / 1e6 / done) * 1e5,
        });
      } else if (sent < limit) next();
    };
    const next = () => {
      const key = KEYS[(sent >> 1) % KEYS.length]!;
      const ok =
        sent++ % 2 === 0
          ? acc.commandArgv(onReply, null, ['SET', key, VALUE])
          : acc.commandArgv(onReply, null, ['GET', key]);
      if (!ok) reject(new Error(`bench command refused: ${acc.errstr}`));
    };
    for (let i = 0; i < IN_FLIGHT; i++) next();
  });
}

/** `pipelinedHircluster` on a new context, timed from its first command once connected. */
async function freshPipelined(total: number): Promise<ThroughputFigures> {
  const acc = new AsyncClusterContext({ nodes: SEEDS });
  try {
    await acc.connect();
    return await pipelinedHircluster(acc, total);
  } finally {
    acc.free();
  }
}

function pipelinedIoredis(cluster: Cluster, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    let limit = total;
    const start = performance.now();
    const onReply = () => {
      if (++done % CLOCK_EVERY === 0 && limit === total && performance.now() - start >= RUN_LIMIT_MS)
        limit = sent;
      if (done === limit) resolve(done / ((performance.now() - start) / 1000));
      else if (sent < limit) next();
    };
    const next = () => {
      const key = KEYS[(sent >> 1) % KEYS.length]!;
      const p = sent++ % 2 === 0 ? cluster.set(key, VALUE) : cluster.get(key);
      p.then(onReply, reject);
    };
    for (let i = 0; i < IN_FLIGHT; i++) next();
  });
}

async function sequential(get: (key: string) => Promise<unknown>, total: number): Promise<number> {
  const start = performance.now();
  let n = 0;
  while (n < total && (n % CLOCK_EVERY !== 0 || performance.now() - start < RUN_LIMIT_MS)) {
    await get(KEYS[n++ % KEYS.length]!);
  }
  return n / ((performance.now() - start) / 1000);
}

export async function benchAsync(): Promise<void> {
  const began = performance.now();
  const anchor = cAnchor();
  const acc = new AsyncClusterContext({ nodes: SEEDS });
  await acc.connect();
  const cluster = new Cluster(
    SEEDS.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })),
    { enableAutoPipelining: true },
  );
  await cluster.set('bench:warm', VALUE);
  const ours: number[] = [];
  const theirs: number[] = [];
  const oursSeq: number[] = [];
  const theirsSeq: number[] = [];
  const windows = { c: [] as ThroughputFigures[], ours: [] as ThroughputFigures[] };
  const longs = { c: [] as ThroughputFigures[], ours: [] as ThroughputFigures[] };
  await pipelinedHircluster(acc, 20_000);
  await pipelinedIoredis(cluster, 20_000);
  for (let round = 0; round < ROUNDS; round++) {
    ours.push((await pipelinedHircluster(acc, PIPELINED_OPS)).opsPerSecond);
    theirs.push(await pipelinedIoredis(cluster, PIPELINED_OPS));
    oursSeq.push(await sequential((k) => acc.send('GET', k), SEQUENTIAL_OPS));
    theirsSeq.push(await sequential((k) => cluster.get(k), SEQUENTIAL_OPS));
    if (anchor !== null) windows.c.push(anchor.window(PIPELINED_OPS));
    windows.ours.push(await freshPipelined(PIPELINED_OPS));
    if (anchor !== null) longs.c.push(anchor.window(LONG_OPS));
    longs.ours.push(await freshPipelined(LONG_OPS));
  }
  acc.free();
  cluster.disconnect();
  report(
    'async, 1000 in flight, 50% SET / 50% GET, 16 B',
    'ops/s',
    median(ours),
    'ioredis autopipelining',
    median(theirs),
    3,
  );
  report('async, sequential await GET', 'ops/s', median(oursSeq), 'ioredis', median(theirsSeq), 1.2);
  console.log(`async, 1000 in flight, a fresh context each run (median of ${ROUNDS}):`);
  for (const [total, runs] of [
    [PIPELINED_OPS, windows],
    [LONG_OPS, longs],
  ] as const) {
    const c = runs.c.length > 0 ? medians(runs.c) : undefined;
    console.log(`  ${count(total)} commands:`);
    if (c !== undefined) console.log(throughputLine('C hiredis async, libevent', c, undefined, total));
    console.log(throughputLine('async face, commandArgv', medians(runs.ours), c, total));
    if (c !== undefined) {
      const target = total === PIPELINED_OPS ? 0.9 : 1;
      report(
        `async, 1000 in flight, ${count(total)}`,
        'ops/s',
        medians(runs.ours).opsPerSecond,
        'C',
        c.opsPerSecond,
        target,
      );
    }
  }
  console.log(`  async bench took ${((performance.now() - began) / 1000).toFixed(1)} s`);
}
