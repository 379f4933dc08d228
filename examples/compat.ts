/**
 * The C names (hircluster/compat): code ported from hiredis-cluster reads the same — REDIS_OK / REDIS_ERR,
 * null plus cc.err / cc.errstr, typed replies, out-parameters as objects, set-once callbacks.
 *
 *   npm run build && node dist/examples/compat.js [host:port,...]
 */
import {
  HIRCLUSTER_EVENT_READY,
  REDIS_OK,
  type RedisClusterAsyncContext,
  redisClusterAppendCommand,
  redisClusterAsyncCommand,
  redisClusterAsyncConnect2,
  redisClusterAsyncContextInit,
  redisClusterAsyncDisconnect,
  redisClusterAsyncFree,
  redisClusterCommand,
  redisClusterConnect2,
  redisClusterContextInit,
  redisClusterFree,
  redisClusterGetReply,
  redisClusterNodeAttach,
  redisClusterReset,
  redisClusterSetEventCallback,
  redisClusterSetOptionAddNodes,
  redisClusterSetOptionRouteUseSlots,
  type redisReply,
} from 'hircluster/compat';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const value = Buffer.from('hello');

// Synchronous: redisClusterContextInit, AddNodes, Connect2, Command, pipelining, Free.
const cc = redisClusterContextInit();
redisClusterSetOptionAddNodes(cc, nodes);
redisClusterSetOptionRouteUseSlots(cc);
if (redisClusterConnect2(cc) !== REDIS_OK) {
  console.error(`Error: ${cc.errstr}`);
  process.exit(1);
}
const reply = redisClusterCommand(cc, 'SET %s %b', 'example:compat:key', value, value.length);
console.log('SET:', reply?.str);
redisClusterAppendCommand(cc, 'GET %s', 'example:compat:key');
const out: { reply?: redisReply | null } = {}; // C: redisReply *reply; redisClusterGetReply(cc, &reply)
if (redisClusterGetReply(cc, out) === REDIS_OK) console.log('GET:', out.reply?.str);
redisClusterReset(cc);
console.log('PING:', redisClusterCommand(cc, 'PING'), cc.errstr);
redisClusterFree(cc);

// Asynchronous: attach the event loop, Connect2, send from HIRCLUSTER_EVENT_READY, disconnect.
const acc = redisClusterAsyncContextInit();
redisClusterSetOptionAddNodes(acc.cc, nodes);
redisClusterNodeAttach(acc); // Node's event loop, as redisClusterLibuvAttach
const finished = new Promise<void>((resolve) => {
  redisClusterSetEventCallback(
    acc.cc,
    (_cc, event, a: RedisClusterAsyncContext) => {
      if (event !== HIRCLUSTER_EVENT_READY) return;
      redisClusterAsyncCommand(
        a,
        (a, r, privdata) => {
          console.log(`${privdata}:`, r?.str);
          redisClusterAsyncDisconnect(a);
          resolve();
        },
        'async GET',
        'GET %s',
        'example:compat:key',
      );
    },
    acc,
  );
});
if (redisClusterAsyncConnect2(acc) !== REDIS_OK) console.error(`Error: ${acc.errstr}`);
await finished;
redisClusterAsyncFree(acc);

const cleanup = redisClusterContextInit();
redisClusterSetOptionAddNodes(cleanup, nodes);
redisClusterConnect2(cleanup);
redisClusterCommand(cleanup, 'DEL %s', 'example:compat:key');
redisClusterFree(cleanup);

// Output:
// SET: OK
// GET: hello
// PING: null No keys in command(must have keys for redis cluster mode)
// async GET: hello
