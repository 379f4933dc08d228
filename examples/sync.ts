/**
 * Synchronous API: a BlockingClusterContext. Each call blocks until its reply is in, as
 * redisClusterCommand does in C (a worker thread owns the sockets; the caller waits on shared memory).
 *
 *   npm run build && node dist/examples/sync.js [host:port,...]
 */
import { BlockingClusterContext, ClusterError, ReplyError } from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const key = 'example:sync:greeting';

const cc = new BlockingClusterContext({ nodes, connectTimeout: 2000 });
try {
  cc.connect(); // the first slot map (redisClusterConnect2)
} catch (err) {
  // As in C, the context says why: cc.err (a REDIS_ERR_* code) and cc.errstr.
  console.error(`Error: ${cc.errstr} (err ${cc.err})`, err instanceof ClusterError);
  process.exit(1);
}

console.log('SET:', cc.command('SET %s %s', key, 'hello'));
console.log('GET:', cc.command('GET %s', key));

// An error reply is a value, as a REDIS_REPLY_ERROR is in hiredis...
const reply = cc.command('INCR %s', key);
console.log('INCR:', reply instanceof ReplyError ? `error reply "${reply.message}"` : reply);

// ...while a failed call throws a ClusterError and sets cc.err / cc.errstr.
try {
  cc.command('PING');
} catch {
  console.log(`PING: err ${cc.err}, "${cc.errstr}"`);
}

cc.command('DEL %s', key);
cc.close(); // redisClusterFree (a script that never closes still exits)

// Output:
// SET: OK
// GET: hello
// INCR: error reply "ERR value is not an integer or out of range"
// PING: err 2, "No keys in command(must have keys for redis cluster mode)"
