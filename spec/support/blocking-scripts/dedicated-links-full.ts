/**
 * The blocking face when its own WATCH session holds every dedicated link of a node (maxDedicatedLinks 1):
 * a blocking pop and a second session on that node are asked for, the session is released, and a value
 * is pushed and popped. Run as a child process (a call that never returned would block the spec's own
 * thread); one JSON line per step on stdout: `[step, ms, reply]` or `[step, ms, {"failed": message}]`.
 *
 *   node dedicated-links-full.js '{"nodes": "...", "keys": {"c": "...", "m": "...", "l": "..."}}'
 */
import { BlockingClusterContext } from '../../../lib/blocking/blocking-context.js';
import { ClusterError } from '../../../lib/errors.js';

const { nodes, keys } = JSON.parse(process.argv[2] ?? '{}') as {
  nodes: string;
  keys: { c: string; m: string; l: string };
};

function step(name: string, call: () => unknown): unknown {
  const started = performance.now();
  let reply: unknown;
  try {
    reply = call();
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    reply = { failed: err.message };
  }
  console.log(JSON.stringify([name, Math.round(performance.now() - started), reply]));
  return reply;
}

const cc = new BlockingClusterContext({ nodes, maxDedicatedLinks: 1, callTimeout: 1000 });
cc.connect();
cc.send('DEL', keys.l);
const session = cc.watch(keys.c);
step('pop while the session holds the link', () => cc.send('BLPOP', keys.l, '1'));
step('second session', () => cc.watch(keys.m).release());
step('GET in the session', () => session.send('GET', keys.c));
session.release();
// The link is back in the pool once UNWATCH is answered: a call right after release() finds it free.
step('pop right after the release', () => cc.send('BLPOP', keys.l, '0.01'));
step('push', () => cc.send('RPUSH', keys.l, 'kept'));
step('pop', () => cc.send('BLPOP', keys.l, '1'));
step('session and pop right after its release', () => {
  cc.watch(keys.m).release();
  return cc.send('BLPOP', keys.l, '0.01');
});
cc.send('DEL', keys.l);
cc.close();
