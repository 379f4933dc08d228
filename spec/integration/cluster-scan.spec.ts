/**
 * Cluster SCAN on the plain cluster, both faces: 100 000 keys over every slot returned exactly once (with
 * dedupe, and without, since nothing moves), MATCH / COUNT / TYPE filters, and a scan resumed from a saved
 * cursor (through JSON) that returns the rest.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { PLAIN } from '../support/clusters.js';
import { FACES, type WholeClusterFace } from '../support/whole-cluster-faces.js';

const KEYS = 100_000;
const PREFIX = `cscan:${process.pid}:`;

/** KEYS key names, at least one in every slot. */
function keyNames(): string[] {
  const firstOfSlot: string[] = [];
  const others: string[] = [];
  for (let j = 0, covered = 0; covered < 16384; j++) {
    const key = `${PREFIX}${j}`;
    const slot = keySlot(key);
    if (firstOfSlot[slot] !== undefined) others.push(key);
    else {
      firstOfSlot[slot] = key;
      covered++;
    }
  }
  return [...firstOfSlot, ...others].slice(0, KEYS);
}
const NAMES = keyNames();

async function writeKeys(value: (key: string) => Promise<unknown>) {
  for (let i = 0; i < KEYS; i += 5000) await Promise.all(NAMES.slice(i, i + 5000).map(value));
}

describe('integration: cluster SCAN', function () {
  this.timeout(180_000);
  let loader: AsyncClusterContext;

  before(async () => {
    loader = new AsyncClusterContext({ nodes: PLAIN[0]! });
    await loader.connect();
    await writeKeys((key) => loader.send('SET', key, 1));
    await loader.send('RPUSH', `${PREFIX}list:a`, 1);
    await loader.send('RPUSH', `${PREFIX}list:b`, 1);
    await loader.send('SADD', `${PREFIX}set:a`, 1);
  });
  after(async () => {
    await writeKeys((key) => loader.send('UNLINK', key));
    for (const key of ['list:a', 'list:b', 'set:a']) await loader.send('UNLINK', `${PREFIX}${key}`);
    loader.free();
  });

  it('the keys cover every slot', () => {
    const slots = new Set<number>();
    for (const key of NAMES) slots.add(keySlot(key));
    expect(slots.size).to.equal(16384);
  });

  for (const [faceName, open] of FACES) {
    describe(faceName, () => {
      let face: WholeClusterFace;
      before(async () => {
        face = await open({ nodes: PLAIN[0]! });
      });
      after(() => face.close());

      it('returns each of 100 000 keys exactly once (dedupe, and without it while nothing moves)', async () => {
        for (const dedupe of [true, false]) {
          const { keys } = await face.scan({ match: `${PREFIX}*`, count: 1000, dedupe });
          expect(keys).to.have.length(KEYS + 3);
          expect(new Set(keys).size).to.equal(KEYS + 3);
        }
      });

      it('MATCH, COUNT and TYPE filter as SCAN does', async () => {
        const lists = await face.scan({ match: `${PREFIX}*`, type: 'list', count: 5000 });
        expect([...lists.keys].sort()).to.deep.equal([`${PREFIX}list:a`, `${PREFIX}list:b`]);
        const sets = await face.scan({ match: `${PREFIX}set:*`, count: 5000, type: 'set' });
        expect(sets.keys).to.deep.equal([`${PREFIX}set:a`]);
        const some = await face.scan({ match: `${PREFIX}1234?`, count: 5000 });
        const expected = NAMES.filter(
          (key) => /^\d{5}$/.test(key.slice(PREFIX.length)) && key.startsWith(`${PREFIX}1234`),
        );
        expect([...some.keys].sort()).to.deep.equal(expected.sort());
        expect(expected.length).to.be.greaterThan(0);
      });

      it('resumes from a saved cursor (through JSON) with the rest of the keys', async () => {
        const first = await face.scan({ match: `${PREFIX}*`, count: 500 }, 12_345);
        expect(first.keys).to.have.length(12_345);
        const cursor = JSON.parse(JSON.stringify(first.cursor));
        const rest = await face.scan({ cursor });
        const all = new Set([...first.keys, ...rest.keys]);
        expect(first.keys.length + rest.keys.length).to.equal(KEYS + 3);
        expect(all.size).to.equal(KEYS + 3);
      });
    });
  }
});
