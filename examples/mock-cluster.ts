/**
 * Testing without a cluster: hircluster/testing's MockCluster runs a whole cluster in the process, on
 * loopback ports, with its data in ioredis-mock; a test drives migrations, failovers and faults. (This
 * example needs no running cluster; it ignores the node list.)
 *
 *   npm run build && node dist/examples/mock-cluster.js
 */
import { AsyncClusterContext, BlockingClusterContext, keySlot } from 'hircluster';
import { MockCluster, mockError } from 'hircluster/testing';

const cluster = await MockCluster.start({ primaries: 3, replicasPerPrimary: 1 });
console.log(`${cluster.primaries.length} primaries, ${cluster.replicas.length} replicas`);

const acc = new AsyncClusterContext({ nodes: cluster.addresses });
await acc.connect();
await acc.send('SET', 'user:1', 'Ada');

// Move the key's slot to another primary: the client follows MOVED by itself.
const slot = keySlot('user:1');
const to = cluster.primaries.find((p) => p.id !== cluster.nodeForSlot(slot).id)!;
await cluster.migrateSlot(slot, to);
console.log(
  'after migration:',
  await acc.send('GET', 'user:1'),
  acc.nodeForKey('user:1')?.addr === to.address,
);

// Fail the new owner over to its replica: it has the data.
const promoted = await cluster.failover(to);
console.log(
  'after failover:',
  await acc.send('GET', 'user:1'),
  acc.nodeForKey('user:1')?.addr === promoted.address,
);

// Faults: the next command answers TRYAGAIN; the client retries.
await cluster.replyNext([mockError('TRYAGAIN Multiple keys request during rehashing of slot')]);
console.log('after TRYAGAIN:', await acc.send('GET', 'user:1'));

// The blocking context works against it too (the nodes run in a worker thread).
const cc = new BlockingClusterContext({ nodes: cluster.addresses });
cc.connect();
console.log('sync:', cc.command('GET user:1'));
cc.close();
acc.disconnect();
await cluster.stop();

// Output:
// 3 primaries, 3 replicas
// after migration: Ada true
// after failover: Ada true
// after TRYAGAIN: Ada
// sync: Ada
