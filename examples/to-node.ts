/**
 * Commands to a node: keyless commands (DBSIZE, PING, INFO, ...) go to a node you choose; the ToNode
 * calls never redirect or retry (redisClusterCommandToNode). Commands that change a link's state
 * (MULTI, SUBSCRIBE, SELECT, ...) are refused: the node's link is shared by every command.
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

// The node of a key answers for its slot.
const key = 'example:to-node:{tx}counter';
cc.command('SET %s %d', key, 1);
const node = cc.nodeForKey(key)!;
console.log('INCRBY:', cc.commandToNode(node, 'INCRBY %s %d', key, 10));
console.log('KEYSLOT:', cc.commandToNode(node, 'CLUSTER KEYSLOT %s', key));
console.log('PING:', cc.commandToNode(`${node.host}:${node.port}`, 'PING')); // an address works too

// A command that would change the shared link's state is refused at the call, saying what to use.
try {
  cc.commandToNode(node, 'SELECT 1');
} catch (err) {
  console.log((err as Error).message);
}
cc.command('DEL %s', key);
cc.close();

// Output:
// DBSIZE answered by 3 masters
// INCRBY: 11
// KEYSLOT: 15106
// PING: PONG
// SELECT is not allowed on a shared cluster link: use the selectDb option
