/**
 * Pub/sub: channels, patterns and sharded channels on the async context (events, an async iterator,
 * hiredis' callback way), and getMessage() on the blocking context. Subscriptions live on links of their
 * own and follow the cluster: a node that fails, a slot that moves.
 *
 *   npm run build && node dist/examples/pubsub.js [host:port,...]
 */
import { AsyncClusterContext, BlockingClusterContext } from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';

const acc = new AsyncClusterContext({ nodes });
await acc.connect();
// Events: collected here and printed below, so that the output keeps one order.
const events: string[] = [];
acc.on('message', (channel, message) => events.push(`message on ${channel}: ${message}`));
acc.on('pmessage', (pattern, channel, message) => events.push(`pmessage ${pattern} ${channel}: ${message}`));
acc.on('smessage', (channel, message) => events.push(`smessage on ${channel}: ${message}`));

// Resolves once the server confirmed the subscription.
await acc.subscribe('example:pubsub:news');
await acc.psubscribe('example:pubsub:p:*');
// Sharded channels: each on its slot's primary (SPUBLISH reaches only that shard).
await acc.ssubscribe('example:pubsub:{a}', 'example:pubsub:{b}');

// An async iterator over a bounded queue: past `capacity` unread messages, an overflow record says how many were dropped.
const reader = acc.messages({ capacity: 100 });

await acc.publish('example:pubsub:news', 'hello');
await acc.publish('example:pubsub:p:1', 'by pattern');
await acc.spublish('example:pubsub:{a}', 'sharded a');
await acc.spublish('example:pubsub:{b}', 'sharded b');
for (let i = 0; i < 4; i++) {
  const { value } = await reader.next();
  console.log('iterator:', JSON.stringify(value));
}
await reader.return?.();
for (const event of events.splice(0)) console.log(event);

// hiredis' way: the subscribe command's callback gets the confirmation, then each message, with its privdata.
let published: Promise<unknown> | undefined;
await new Promise<void>((resolve) => {
  acc.command(
    (_acc, reply, privdata) => {
      console.log(`callback (${privdata}):`, JSON.stringify(reply));
      if (Array.isArray(reply) && reply[0] === 'message') resolve();
      else if (Array.isArray(reply)) published = acc.publish('example:pubsub:cb', 'via callback');
    },
    'my privdata',
    'SUBSCRIBE %s',
    'example:pubsub:cb',
  );
});
// The message can come before PUBLISH's own reply (they travel on different links): wait for both.
await published;
await acc.unsubscribe();
await acc.punsubscribe();
await acc.sunsubscribe();
acc.free();

// The blocking context: subscribe, then getMessage(timeoutMs) blocks until a message comes or the time passes.
const cc = new BlockingClusterContext({ nodes });
cc.connect();
cc.ssubscribe('example:pubsub:{c}');
cc.spublish('example:pubsub:{c}', 'for the blocking face');
console.log('getMessage:', JSON.stringify(cc.getMessage(1000)));
console.log('getMessage:', JSON.stringify(cc.getMessage(50)));
cc.close();

// Output:
// iterator: {"kind":"message","channel":"example:pubsub:news","message":"hello"}
// iterator: {"kind":"pmessage","pattern":"example:pubsub:p:*","channel":"example:pubsub:p:1","message":"by pattern"}
// iterator: {"kind":"smessage","channel":"example:pubsub:{a}","message":"sharded a"}
// iterator: {"kind":"smessage","channel":"example:pubsub:{b}","message":"sharded b"}
// message on example:pubsub:news: hello
// pmessage example:pubsub:p:* example:pubsub:p:1: by pattern
// smessage on example:pubsub:{a}: sharded a
// smessage on example:pubsub:{b}: sharded b
// callback (my privdata): ["subscribe","example:pubsub:cb",2]
// callback (my privdata): ["message","example:pubsub:cb","via callback"]
// getMessage: {"kind":"smessage","channel":"example:pubsub:{c}","message":"for the blocking face"}
// getMessage: null
