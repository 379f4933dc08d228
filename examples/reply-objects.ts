/**
 * Custom reply objects, in place of hiredis' allocator injection: a ReplyBuilder makes every reply value
 * (hiredis' redisReplyObjectFunctions). Built in: plain JS values (default), `returnBuffers`, and
 * hiredis-style typed replies ({ type, str, integer, elements, element }).
 *
 *   npm run build && node dist/examples/reply-objects.js [host:port,...]
 */
import {
  BlockingClusterContext,
  plainReplies,
  REDIS_REPLY_ARRAY,
  REDIS_REPLY_STRING,
  type ReplyBuilder,
  type TypedReply,
  typedReplies,
} from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const key = 'example:replies:{r}';

// hiredis-style typed replies, as code ported from C expects them.
const typed = new BlockingClusterContext({ nodes, replyBuilder: typedReplies });
typed.connect();
typed.command('SET %s %s', key, 'value');
const reply = typed.command('GET %s', key) as TypedReply;
console.log(
  'typed:',
  reply.type === REDIS_REPLY_STRING ? 'REDIS_REPLY_STRING' : reply.type,
  reply.str,
  reply.len,
);
const array = typed.command('MGET %s %s', key, `${key}:none`) as TypedReply;
console.log('typed:', array.type === REDIS_REPLY_ARRAY ? 'REDIS_REPLY_ARRAY' : array.type, array.elements);
typed.close();

// Bulk strings as Buffers.
const buffers = new BlockingClusterContext({ nodes, returnBuffers: true });
buffers.connect();
console.log('returnBuffers:', buffers.command('GET %s', key));
buffers.close();

// Your own builder: here the default one, with every integer as a bigint.
const bigints: ReplyBuilder = { ...plainReplies, integer: (value) => BigInt(value) };
const custom = new BlockingClusterContext({ nodes, replyBuilder: bigints });
custom.connect();
console.log('custom:', custom.command('STRLEN %s', key), custom.command('DEL %s', key));
custom.close();

// Output:
// typed: REDIS_REPLY_STRING value 5
// typed: REDIS_REPLY_ARRAY 2
// returnBuffers: <Buffer 76 61 6c 75 65>
// custom: 5n 1n
