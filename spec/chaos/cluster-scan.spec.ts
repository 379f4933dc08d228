/**
 * Chaos: a cluster SCAN while `redis-cli --cluster reshard` moves 3000 slots (and their keys), and while a
 * manual failover swaps a primary and its replica. Scans run back to back, on both faces, until the fault
 * is over (bounded); each must return every one of the 100 000 keys, which exist, unchanged, throughout.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { CHAOS_SEEDS } from '../support/chaos/chaos-cluster.js';
import { describeChaos } from '../support/chaos/scenario.js';
import { FACES, type WholeClusterFace } from '../support/whole-cluster-faces.js';

const KEYS = 100_000;
const MOVED_SLOTS = 3000;
/** Scans per face and fault at most; each takes a few seconds at COUNT 20. */
const MAX_SCANS = 12;

interface ScanTally {
  scans: number;
  /** Scans that ran while the fault was under way (started before it ended). */
  during: number;
}

/** Scans back to back on each face until `fault` settles; every scan must return every key. */
async function scanThrough(
  faces: WholeClusterFace[],
  keys: Set<string>,
  fault: Promise<unknown>,
): Promise<ScanTally> {
  let over = false;
  const settled = fault.finally(() => {
    over = true;
  });
  const tally: ScanTally = { scans: 0, during: 0 };
  for (let i = 0; i < MAX_SCANS && !over; i++) {
    const face = faces[i % faces.length]!;
    const { keys: seen } = await face.scan({ match: 'chaos:scan:*', count: 20 });
    const found = new Set(seen as string[]);
    const missing = [...keys].filter((key) => !found.has(key));
    expect(
      missing,
      `${face.name} scan ${i} missed keys (slots ${missing.slice(0, 5).map(keySlot)})`,
    ).to.deep.equal([]);
    tally.scans++;
    if (!over) tally.during++;
  }
  await settled;
  return tally;
}

describeChaos(
  'chaos: cluster SCAN through resharding and failover',
  (cluster) => {
    const keys = new Set(Array.from({ length: KEYS }, (_, i) => `chaos:scan:${i}`));
    let loader: AsyncClusterContext;
    let faces: WholeClusterFace[];

    before(async () => {
      loader = new AsyncClusterContext({ nodes: CHAOS_SEEDS });
      await loader.connect();
      const names = [...keys];
      for (let i = 0; i < KEYS; i += 5000)
        await Promise.all(names.slice(i, i + 5000).map((key) => loader.send('SET', key, 1)));
      faces = await Promise.all(FACES.map(([, open]) => open({ nodes: CHAOS_SEEDS, maxRetry: 20 })));
    });
    after(() => {
      for (const face of faces ?? []) face.close();
      loader?.free();
    });

    it(`misses no key while ${MOVED_SLOTS} slots move`, async () => {
      const [from, to] = await cluster.primaries();
      const tally = await scanThrough(
        faces,
        keys,
        cluster.fault('reshard', from!.port, to!.port, MOVED_SLOTS),
      );
      console.log(`    ${tally.scans} scans, ${tally.during} during the reshard`);
      expect(tally.during).to.be.greaterThan(0);
    });

    it('misses no key through a manual failover', async () => {
      const [primary] = await cluster.primaries();
      const replica = await cluster.replicaOf(primary!.port);
      const tally = await scanThrough(faces, keys, cluster.fault('failover', replica));
      console.log(`    ${tally.scans} scans, ${tally.during} during the failover`);
      expect(tally.during).to.be.greaterThan(0);
    });
  },
  300_000,
);
