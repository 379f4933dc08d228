/**
 * Async face against ioredis' Cluster (enableAutoPipelining) on the plain cluster, in one run:
 * 1000 commands in flight (half SET, half GET, 16-byte values), and sequential awaited GETs.
 */
import { Cluster } from 'ioredis';
import { AsyncClusterContext } from '../../lib/index.js';
import { median, report } from './report.js';

const SEEDS = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
const VALUE = 'v'.repeat(16);
const KEYS = Array.from({ length: 1000 }, (_, i) => `bench:key:${i}`);
const IN_FLIGHT = 1000;
const PIPELINED_OPS = 200_000;
const SEQUENTIAL_OPS = 20_000;
const ROUNDS = 3;

/**
 * Keeps `IN_FLIGHT` commands outstanding until `total` have completed; resolves with ops/s. Also the
 * reference of the sync pipeline figure (sync.ts).
 */
export function pipelinedHircluster(acc: AsyncClusterContext, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const start = performance.now();
    const onReply = (_: AsyncClusterContext, reply: unknown) => {
      if (reply === null && acc.err !== 0) reject(new Error(`bench command failed: ${acc.errstr}`));
      if (++done === total) resolve(total / ((performance.now() - start) / 1000));
      else if (sent < total) next();
    };
    const next = () => {
      const key = KEYS[sent % KEYS.length]!;
      const ok =
        sent++ % 2 === 0
          ? acc.commandArgv(onReply, null, ['SET', key, VALUE])
          : acc.commandArgv(onReply, null, ['GET', key]);
      if (!ok) reject(new Error(`bench command refused: ${acc.errstr}`));
    };
    for (let i = 0; i < IN_FLIGHT; i++) next();
  });
}

function pipelinedIoredis(cluster: Cluster, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = 0;
    const start = performance.now();
    const onReply = () => {
      if (++done === total) resolve(total / ((performance.now() - start) / 1000));
      else if (sent < total) next();
    };
    const next = () => {
      const key = KEYS[sent % KEYS.length]!;
      const p = sent++ % 2 === 0 ? cluster.set(key, VALUE) : cluster.get(key);
      p.then(onReply, reject);
    };
    for (let i = 0; i < IN_FLIGHT; i++) next();
  });
}

async function sequential(get: (key: string) => Promise<unknown>, total: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < total; i++) await get(KEYS[i % KEYS.length]!);
  return total / ((performance.now() - start) / 1000);
}

export async function benchAsync(): Promise<void> {
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
  await pipelinedHircluster(acc, 20_000);
  await pipelinedIoredis(cluster, 20_000);
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(await pipelinedHircluster(acc, PIPELINED_OPS));
    theirs.push(await pipelinedIoredis(cluster, PIPELINED_OPS));
    oursSeq.push(await sequential((k) => acc.send('GET', k), SEQUENTIAL_OPS));
    theirsSeq.push(await sequential((k) => cluster.get(k), SEQUENTIAL_OPS));
  }
  report(
    'async, 1000 in flight, 50% SET / 50% GET, 16 B',
    'ops/s',
    median(ours),
    'ioredis autopipelining',
    median(theirs),
    3,
  );
  report('async, sequential await GET', 'ops/s', median(oursSeq), 'ioredis', median(theirsSeq), 1.2);
  acc.free();
  cluster.disconnect();
}
