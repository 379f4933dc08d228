/**
 * Pipelining with the synchronous API: appendCommand queues, the first getReply sends everything in
 * one round trip, replies come back in append order, reset() ends the pipeline (redisClusterReset).
 *
 *   npm run build && node dist/examples/pipelining.js [host:port,...]
 */
import { BlockingClusterContext } from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const cc = new BlockingClusterContext({ nodes });
cc.connect();

const counter = 'example:pipelining:{p}counter';
cc.appendCommand('SET %s %d', counter, 1);
cc.appendCommand('INCR %s', counter);
cc.appendCommandArgv(['MSET', 'example:pipelining:{q}', 'x', 'example:pipelining:{r}', 'y']); // split per slot
cc.appendCommand('MGET %s %s %s', counter, 'example:pipelining:{q}', 'example:pipelining:{r}');
for (let i = 0; i < 4; i++) console.log(`reply ${i + 1}:`, cc.getReply());
cc.reset(); // after every pipeline

// Pipelines do not follow MOVED / ASK (as in hiredis-cluster) unless `pipelineRedirects: true`.
cc.commandArgv(['DEL', counter, 'example:pipelining:{q}', 'example:pipelining:{r}']);
cc.close();

// Output:
// reply 1: OK
// reply 2: 2
// reply 3: OK
// reply 4: [ '2', 'x', 'y' ]
