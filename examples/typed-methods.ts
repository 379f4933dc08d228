/**
 * Typed command methods on both faces (`cc.get(key)`, `await acc.hgetall(key)`, ...), their binary-safe
 * variants (`cc.buffers`), and `batch()`: many cross-slot commands that follow redirects, each outcome a
 * reply or an error value.
 *
 *   npm run build && node dist/examples/typed-methods.js [host:port,...]
 */
import { AsyncClusterContext, BlockingClusterContext, ReplyError } from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const key = (name: string) => `example:typed-methods:${name}`;
const keys = ['user', 'user:h', 'board', 'bytes', '{x}n', '{y}n'].map(key);

const cc = new BlockingClusterContext({ nodes, resp: 3 });
cc.connect();
try {
  // The blocking face returns the reply, typed.
  const ok: 'OK' | null = cc.set(key('user'), 'Ada', { expiration: { ex: 60 }, condition: 'NX' });
  const name: string | null = cc.get(key('user'));
  console.log(ok, name);
  cc.hset(key('user:h'), { name: 'Ada', visits: 1 });
  cc.zadd(key('board'), [
    [10, 'ada'],
    [7.5, 'bob'],
  ]);
  // Binary-safe: Buffers in and out.
  cc.buffers.set(key('bytes'), Buffer.from([0xff, 0x00]));
  console.log(cc.buffers.get(key('bytes')));
  // A batch: cross-slot, in order, error replies as values.
  const [incremented, other, wrong] = cc.batch([
    ['INCR', key('{x}n')],
    ['INCRBY', key('{y}n'), 5],
    ['LPUSH', key('user'), 'x'],
  ]);
  console.log(incremented, other, wrong instanceof ReplyError);
} finally {
  cc.close();
}

// The async face: the same methods, as Promises; the same values under RESP2 (this context) and RESP3.
const acc = new AsyncClusterContext({ nodes });
await acc.connect();
try {
  console.log(await acc.hgetall(key('user:h')));
  console.log(await acc.zrange(key('board'), 0, -1, { rev: true, withscores: true }));
  console.log(await acc.zscore(key('board'), 'bob'));
  console.log(await acc.del(...keys));
} finally {
  acc.free();
}

// Output:
// OK Ada
// <Buffer ff 00>
// 1 5 true
// { name: 'Ada', visits: '1' }
// [ [ 'ada', 10 ], [ 'bob', 7.5 ] ]
// 7.5
// 6
