/**
 * The C API of hiredis-cluster, by name, over the two contexts: code ported from C reads the same.
 *
 * C conventions hold: a call returns REDIS_OK / REDIS_ERR, or a reply / null, and after a failure
 * `cc.err` (a REDIS_ERR_* code) and `cc.errstr` say why (`acc.err` / `acc.errstr` for the async API);
 * no context failure is thrown. Replies are hiredis-style typed replies: `reply.type` (REDIS_REPLY_*),
 * `reply.str`, `reply.len`, `reply.integer`, `reply.elements` (the count) and `reply.element` (the
 * children), so `for (i = 0; i < r.elements; i++) r.element[i]` reads as in C. Differences from C that
 * a port meets:
 *
 * - `str` of a STRING or VERB reply is UTF-8 text, so bytes that are not UTF-8 come back as U+FFFD; with
 *   `redisClusterSetOptionReturnBuffers(cc)` or the flag HIRCLUSTER_FLAG_RETURN_BUFFERS (hircluster's
 *   own) it is a Buffer of the `len` bytes, as C's `reply->str`;
 * - out-parameters are boxes: `redisClusterGetReply(cc, &reply)` is
 *   `const out: { reply?: redisReply | null } = {}; if (redisClusterGetReply(cc, out) === REDIS_OK) use(out.reply);`
 *   and `redisClusterNodeIterator ni; redisClusterInitNodeIterator(&ni, cc)` is
 *   `const ni: redisClusterNodeIterator = {}; redisClusterInitNodeIterator(ni, cc)`;
 * - `%b` takes a Uint8Array, or the (buffer, length) pair C passes; argvlen and a formatted command's
 *   len are optional (C's NULL / the whole buffer);
 * - timeouts are `{ tv_sec, tv_usec }` (a struct timeval) or milliseconds;
 * - TLS takes Node TLS options where C takes a `redisSSLContext`;
 * - the event loop is attached with `redisClusterNodeAttach(acc)` (Node's) or
 *   `redisClusterAttachAdapter(acc, adapter)`;
 * - replies need no `freeReplyObject`: the garbage collector frees them.
 *
 * @module hircluster/compat
 */
export {
  type RedisClusterCallbackFn,
  redisClusterAsyncCommand,
  redisClusterAsyncCommandArgv,
  redisClusterAsyncCommandArgvToNode,
  redisClusterAsyncCommandToNode,
  redisClusterAsyncConnect,
  redisClusterAsyncConnect2,
  redisClusterAsyncContextInit,
  redisClusterAsyncDisconnect,
  redisClusterAsyncFormattedCommand,
  redisClusterAsyncFormattedCommandToNode,
  redisClusterAsyncFree,
  redisClusterAsyncSetConnectCallback,
  redisClusterAsyncSetConnectCallbackNC,
  redisClusterAsyncSetDisconnectCallback,
  redisClusterAttachAdapter,
  redisClusterNodeAttach,
} from './compat/async.js';
export type { CArg, Timeout, Timeval } from './compat/c-arguments.js';
export * from './compat/constants.js';
export {
  type RedisAsyncLinkCallback,
  type RedisAsyncLinkContext,
  RedisClusterAsyncContext,
  RedisClusterContext,
  type RedisClusterEventCallback,
  type RedisConnectCallback,
  type RedisLinkContext,
  type redisClusterAsyncContext,
  type redisClusterContext,
  type redisReply,
} from './compat/context.js';
export {
  type RedisClusterNode,
  type RedisClusterNodeIterator,
  type RedisClusterOpenSlot,
  type RedisClusterSlotRange,
  redisClusterGetNodeByKey,
  redisClusterGetSlotByKey,
  redisClusterInitNodeIterator,
  type redisClusterNode,
  type redisClusterNodeIterator,
  redisClusterNodeNext,
} from './compat/nodes.js';
export * from './compat/options.js';
export * from './compat/sync.js';
