/**
 * Cluster SCAN of 1 000 000 keys on the plain cluster (3 primaries + 3 replicas): keys per second of the
 * blocking face's `scan()` and the async face's, against ioredis' per-node `scanStream` run over every
 * primary at once, all with COUNT 1000, median of 3 rounds in one run. The keys are written first and
 * removed at the end (prefix bench:scan:); every loop is bounded by the key count.
 */
import { Cluster } from 'ioredis';
import { AsyncClusterContext, BlockingClusterContext } from '../../lib/index.js';
import { count, median, report } from './report.js';

const SEEDS = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
const KEYS = 1_000_000;
const BATCH = 10_000;
const COUNT = 1000;
const ROUNDS = 3;
const MATCH = 'bench:scan:*';

async function eachKey(acc: AsyncClusterContext, command: string): Promise<void> {
  for (let i = 0; i < KEYS; i += BATCH) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < i + BATCH; j++)
      batch.push(acc.send(command, `bench:scan:${j}`, ...(command === 'SET' ? ['1'] : [])));
    await Promise.all(batch);
  }
}

function rate(keys: number, start: number): number {
  return keys / ((performance.now() - start) / 1000);
}

function blockingScan(cc: BlockingClusterContext): { keys: number; perSecond: number } {
  const start = performance.now();
  let keys = 0;
  for (const _key of cc.scan({ match: MATCH, count: COUNT })) keys++;
  return { keys, perSecond: rate(keys, start) };
}

async function asyncScan(acc: AsyncClusterContext): Promise<{ keys: number; perSecond: number }> {
  const start = performance.now();
  let keys = 0;
  for await (const _key of acc.scan({ match: MATCH, count: COUNT })) keys++;
  return { keys, perSecond: rate(keys, start) };
}

async function ioredisScan(cluster: Cluster): Promise<{ keys: number; perSecond: number }> {
  const start = performance.now();
  let keys = 0;
  await Promise.all(
    cluster.nodes('master').map(
      (node) =>
        new Promise<void>((resolve, reject) => {
          const stream = node.scanStream({ match: MATCH, count: COUNT });
          stream.on('data', (batch: string[]) => {
            keys += batch.length;
          });
          stream.on('end', () => resolve());
          stream.on('error', reject);
        }),
    ),
  );
  return { keys, perSecond: rate(keys, start) };
}

export async function benchScan(): Promise<void> {
  const began = performance.now();
  const acc = new AsyncClusterContext({ nodes: SEEDS.join(',') });
  await acc.connect();
  const cc = new BlockingClusterContext({ nodes: SEEDS.join(',') });
  cc.connect();
  const cluster = new Cluster(SEEDS.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })));
  await cluster.set('bench:scan:warm', '1');
  await cluster.del('bench:scan:warm');
  try {
    await eachKey(acc, 'SET');
    const figures = { blocking: [] as number[], async: [] as number[], ioredis: [] as number[] };
    const seen = new Set<number>();
    for (let round = 0; round < ROUNDS; round++) {
      const b = blockingScan(cc);
      const a = await asyncScan(acc);
      const i = await ioredisScan(cluster);
      for (const run of [b, a, i]) seen.add(run.keys);
      figures.blocking.push(b.perSecond);
      figures.async.push(a.perSecond);
      figures.ioredis.push(i.perSecond);
    }
    console.log(
      `cluster SCAN of ${count(KEYS)} keys, COUNT ${COUNT} (median of ${ROUNDS}; keys seen per scan: ${[...seen].map(count).join(', ')}):`,
    );
    report(
      '  blocking scan()',
      'keys/s',
      median(figures.blocking),
      'ioredis scanStream per primary',
      median(figures.ioredis),
      1.5,
    );
    report(
      '  async scan()',
      'keys/s',
      median(figures.async),
      'ioredis scanStream per primary',
      median(figures.ioredis),
      1.5,
    );
  } finally {
    await eachKey(acc, 'UNLINK');
    cc.close();
    acc.free();
    cluster.disconnect();
  }
  console.log(`  scan bench took ${((performance.now() - began) / 1000).toFixed(1)} s`);
}
