/**
 * Node choice and its seedable randomness: like hiredis-cluster (which uses random(); its README asks
 * for srandom()), the async context picks a random known node to ask for the slot map. The `random`
 * option replaces Math.random: a seeded generator makes the choice reproducible.
 *
 *   npm run build && node dist/examples/node-choice.js [host:port,...]
 */
import { AsyncClusterContext } from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';

/** mulberry32: a small seeded generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Learn every master first, to give each context several seeds to choose from.
const probe = new AsyncClusterContext({ nodes });
await probe.connect();
const seeds = [...probe.nodes()].map((n) => n.addr);
probe.free();

/** The node a context with this generator asks first (its first link). */
async function firstAsked(random: () => number): Promise<string> {
  const acc = new AsyncClusterContext({ nodes: seeds, random });
  let first = '';
  acc.once('connect', (link) => {
    first = `${link.host}:${link.port}`;
  });
  await acc.connect();
  acc.free();
  return first;
}

const a = await firstAsked(seeded(42));
const b = await firstAsked(seeded(42));
console.log(`${seeds.length} seeds; seed 42 asks the same node twice:`, a === b && seeds.includes(a));
const picks = new Set<string>();
for (let seed = 0; seed < 20; seed++) picks.add(await firstAsked(seeded(seed)));
console.log('other seeds spread the first question:', picks.size > 1);

// Output:
// 3 seeds; seed 42 asks the same node twice: true
// other seeds spread the first question: true
