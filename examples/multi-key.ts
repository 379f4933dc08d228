/**
 * Multi-key commands: MGET, MSET, DEL, EXISTS, UNLINK and TOUCH whose keys live in several slots are
 * split per slot, sent in parallel and merged in the original key order. Not atomic across slots: keys
 * that share a {hash tag} share a slot, and then the command runs as one on one node.
 *
 *   npm run build && node dist/examples/multi-key.js [host:port,...]
 */
import { AsyncClusterContext, BlockingClusterContext, keySlot } from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const keys = ['example:multi:{a}', 'example:multi:{b}', 'example:multi:{c}'];
console.log('slots:', keys.map((k) => keySlot(k)).join(' '));

const cc = new BlockingClusterContext({ nodes });
cc.connect();
console.log('MSET:', cc.command('MSET %s 1 %s 2 %s 3', ...keys));
console.log('MGET:', cc.command('MGET %s %s %s %s', keys[2], 'example:multi:{none}', keys[0], keys[1]));
console.log('EXISTS:', cc.commandArgv(['EXISTS', ...keys, 'example:multi:{none}']));

// One hash tag, one slot: the MSET below is a single atomic command on one node.
const user = ['example:multi:{user42}:name', 'example:multi:{user42}:email'];
console.log('same slot:', keySlot(user[0]!) === keySlot(user[1]!));
console.log('MSET:', cc.commandArgv(['MSET', user[0]!, 'Ada', user[1]!, 'ada@example.org']));

// The asynchronous API splits them too (hiredis-cluster's refuses).
const acc = new AsyncClusterContext({ nodes });
await acc.connect();
console.log('MGET (async):', await acc.send('MGET', ...keys, ...user));
console.log('DEL:', await acc.send('DEL', ...keys, ...user));
acc.disconnect();
cc.close();

// Output:
// slots: 15495 3300 7365
// MSET: OK
// MGET: [ '3', null, '1', '2' ]
// EXISTS: 3
// same slot: true
// MSET: OK
// MGET (async): [ '1', '2', '3', 'Ada', 'ada@example.org' ]
// DEL: 5
