/**
 * Whole-cluster commands: `send` routes a keyless command by the server's command tips (DBSIZE to every
 * primary, summed; SCRIPT LOAD to every node; PING to every primary), explicit routes send to all
 * primaries, a random one, a node or the node of a key, and `scan()` walks the whole keyspace by slot
 * ranges (a `for await` iterator on the async face, a plain one on the blocking face), resumable from its
 * cursor.
 *
 *   npm run build && node dist/examples/whole-cluster.js [host:port,...]
 */
import { AsyncClusterContext, BlockingClusterContext } from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const prefix = 'example:whole-cluster:';
const cc = new BlockingClusterContext({ nodes });
cc.connect();
for (let i = 0; i < 50; i++) cc.send('SET', `${prefix}${i}`, i);

// By tips: every primary answers, the replies make one.
console.log('PING:', cc.send('PING'));
const sha = cc.send('SCRIPT', 'LOAD', 'return 1') as string;
console.log('SCRIPT EXISTS:', cc.send('SCRIPT', 'EXISTS', sha, '0'.repeat(40)));
console.log('KEYS:', (cc.send('KEYS', `${prefix}*`) as string[]).length);

// Explicit routes: the aggregate, or each node's reply by address.
const sizes = cc.sendEach('primaries', 'DBSIZE');
console.log('DBSIZE answered by', sizes.size, 'primaries');
console.log('GET by key route:', cc.sendTo({ key: `${prefix}7` }, 'GET', `${prefix}7`));

// The hiredis-named calls keep hiredis-cluster's refusal unless `tipRouting` is on.
try {
  cc.command('DBSIZE');
} catch (err) {
  console.log((err as Error).message);
}

// SCAN of the whole cluster, stopped after 20 keys and resumed from its cursor (plain data).
const first = cc.scan({ match: `${prefix}*`, count: 10 });
let seen = 0;
for (const _key of first) if (++seen === 20) break;
for (const _key of cc.scan({ cursor: JSON.parse(JSON.stringify(first.cursor)) })) seen++;
console.log('blocking scan:', seen, 'keys');
cc.close();

const acc = new AsyncClusterContext({ nodes });
await acc.connect();
const keys = new Set<unknown>();
for await (const key of acc.scan({ match: `${prefix}*`, count: 100, dedupe: true })) keys.add(key);
console.log('async scan:', keys.size, 'keys');
for (const key of keys) await acc.send('DEL', key as string);
acc.free();

// Output:
// PING: PONG
// SCRIPT EXISTS: [ 1, 0 ]
// KEYS: 50
// DBSIZE answered by 3 primaries
// GET by key route: 7
// No keys in command(must have keys for redis cluster mode)
// blocking scan: 50 keys
// async scan: 50 keys
