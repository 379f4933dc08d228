/**
 * Asynchronous API: an AsyncClusterContext on Node's event loop. command(fn, privdata, format, ...args)
 * queues a command and calls fn(acc, reply, privdata) exactly once; every command queued in one tick
 * leaves in one write per node. send() is the promise face.
 *
 *   npm run build && node dist/examples/async.js [host:port,...]
 */
import { AsyncClusterContext } from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const acc = new AsyncClusterContext({ nodes });
await acc.connect(); // resolves at 'ready' (redisClusterAsyncConnect2 + HIRCLUSTER_EVENT_READY)

const done = new Promise<void>((resolve) => {
  let pending = 2;
  const callback = (acc: AsyncClusterContext, reply: unknown, privdata: string) => {
    if (reply === null && acc.err !== 0) console.log(`${privdata}: failed, ${acc.errstr}`);
    else console.log(`${privdata}:`, reply);
    if (--pending === 0) resolve();
  };
  acc.command(callback, 'SET reply', 'SET %s %s', 'example:async:key', 'value');
  acc.command(callback, 'GET reply', 'GET %s', 'example:async:key');
});
await done;

// A command that cannot be queued returns false, sets acc.err / acc.errstr, and never calls back.
const queued = acc.command(() => console.log('never'), null, 'PING');
console.log('PING queued:', queued, `(${acc.errstr})`);

// The promise face: a reply resolves, an error reply rejects with a ReplyError.
console.log('INCR:', await acc.send('INCR', 'example:async:counter'));
await acc
  .send('HSET', 'example:async:counter', 'f', 'v')
  .catch((err: Error) => console.log('HSET:', err.message));

await acc.send('DEL', 'example:async:key', 'example:async:counter');
acc.disconnect(); // graceful: pending replies still arrive; acc.free() closes at once

// Output:
// SET reply: OK
// GET reply: value
// PING queued: false (No keys in command(must have keys for redis cluster mode))
// INCR: 1
// HSET: WRONGTYPE Operation against a key holding the wrong kind of value
