/**
 * Replica reads and riding through a failover: readFrom sends reads to replicas (the real cluster), and
 * failoverWait holds the commands sent while a primary is down until its replica is promoted (a
 * MockCluster, whose nodes the program can take down itself).
 *
 *   npm run build && node dist/examples/replicas-and-failover.js [host:port,...]
 */
import { AsyncClusterContext, BlockingClusterContext } from 'hircluster';
import { MockCluster } from 'hircluster/testing';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const key = 'example:replicas:{k}';

// Reads go to a replica of the key's shard, writes to its primary. Replicas may lag a write: wait for it.
const cc = new BlockingClusterContext({ nodes, readFrom: 'replica' });
cc.connect();
cc.send('SET', key, 'hello');
cc.commandToNode(cc.nodeForKey(key)!, 'WAIT 1 1000');
console.log('read from a replica:', cc.send('GET', key));
cc.send('DEL', key);
cc.close();

// A primary goes down; the command waits (failoverWait) and is answered by the promoted replica.
const cluster = await MockCluster.start({ primaries: 3, replicasPerPrimary: 1 });
const acc = new AsyncClusterContext({ nodes: cluster.addresses, failoverWait: 5000, refreshInterval: 1000 });
acc.on('failover-wait', (info) => console.log(`failover-wait ${info.phase}`));
await acc.connect();
await acc.send('SET', 'k', 'before the failover');
const owner = cluster.nodeForKey('k');
await cluster.drop(owner);
const reply = acc.send('GET', 'k');
setTimeout(() => void cluster.failover(owner), 200);
console.log('after the failover:', await reply);
acc.free();
await cluster.stop();

// Output:
// read from a replica: hello
// failover-wait start
// after the failover: before the failover
