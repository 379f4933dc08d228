/**
 * Commands to a node: keyless commands (DBSIZE, PING, INFO, ...) go to a node you choose; the ToNode calls
 * never redirect or retry (redisClusterCommandToNode). Transactions have their own call, multi(): MULTI,
 * the commands and EXEC go to the node of their keys as one write. Commands that would change the state of
 * a node's shared link (MULTI, SUBSCRIBE, SELECT, ...) are refused at the call.
 *
 *   npm run build && node dist/examples/to-node.js [host:port,...]
 */
import { BlockingClusterContext } from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const cc = new BlockingClusterContext({ nodes });
cc.connect();

// The masters of the slot map, as hiredis' node iterator walks them.
let masters = 0;
for (const node of cc.nodes()) {
  const size = cc.commandToNode(node, 'DBSIZE');
  if (typeof size === 'number') masters++;
}
console.log(`DBSIZE answered by ${masters} masters`);

// A transaction goes to the node of its keys (one {hash tag}, one slot), in one write.
const key = 'example:to-node:{tx}counter';
cc.command('DEL %s', key);
console.log('EXEC:', cc.multi().add('INCR', key).add('INCRBY', key, 10).exec());
const node = cc.nodeForKey(key)!;
console.log('PING:', cc.commandToNode(`${node.host}:${node.port}`, 'PING')); // an address works too
try {
  cc.commandToNode(node, 'SELECT 1');
} catch (err) {
  console.log((err as Error).message); // what to use instead
}
cc.command('DEL %s', key);
cc.close();

// Output:
// DBSIZE answered by 3 masters
// EXEC: [ 1, 11 ]
// PING: PONG
// SELECT is not allowed on a shared cluster link: use the selectDb option
