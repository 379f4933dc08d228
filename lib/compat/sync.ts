/**
 * hiredis-cluster's synchronous API over a {@link BlockingClusterContext}: connect, commands that return
 * a reply or null with `cc.err`/`cc.errstr` set, and pipelines (append, get reply, reset). Nothing here
 * throws for a context failure. Replies are hiredis-style typed replies (`reply.type`, `reply.str`,
 * `reply.integer`, `reply.elements` the count, `reply.element` the children); an error reply is a reply
 * of type REDIS_REPLY_ERROR, as in C.
 */
import { BlockingClusterContext } from '../blocking/blocking-context.js';
import { REDIS_ERR_OTHER } from '../errors.js';
import { HIRCLUSTER_EVENT_FREE_CONTEXT } from '../events.js';
import { connectAsyncBlocking, redisClusterAsyncFree } from './async.js';
import { argvFromC, type CArg, formattedFromC, pairBinaryArgs, type Timeout } from './c-arguments.js';
import { REDIS_ERR, REDIS_OK } from './constants.js';
import {
  clearError,
  engineOptions,
  RedisClusterContext,
  raiseEvent,
  recordError,
  type redisReply,
  setError,
  watchEngine,
} from './context.js';
import { nodeAddress, type RedisClusterNode } from './nodes.js';
import { redisClusterSetOptionAddNodes, redisClusterSetOptionConnectTimeout } from './options.js';

/** `redisClusterContextInit()`: a context to set options on; nothing connects until redisClusterConnect2. */
export function redisClusterContextInit(): RedisClusterContext {
  return new RedisClusterContext();
}

/**
 * `redisClusterConnect2(cc)`: fetches the first slot map, blocking (asking each added node in turn on a
 * temporary link), then emits HIRCLUSTER_EVENT_SLOTMAP_UPDATED and HIRCLUSTER_EVENT_READY. REDIS_OK, or
 * REDIS_ERR with cc.err set ('servers address does not set up' without nodes, else the last node's error,
 * e.g. 'NOAUTH Authentication required.'). A failed attempt keeps nothing, so options may be fixed and
 * Connect2 called again; once connected, it runs a full slot-map update.
 *
 * For `acc.cc` (an async context) the fetch blocks the same way, so it fails or succeeds here as in C;
 * then the async context starts on the attached event loop (Node's, when none is attached) with its own
 * fetch, and key-routed commands are accepted once HIRCLUSTER_EVENT_READY has come.
 */
export function redisClusterConnect2(cc: RedisClusterContext): number {
  if (cc.owner !== null) return connectAsyncBlocking(cc.owner);
  if (cc.freed) return fail(cc, 'context freed');
  if (cc.seeds.length === 0) return fail(cc, 'servers address does not set up');
  if (cc.engine !== null) return redisClusterUpdateSlotmap(cc);
  let engine: BlockingClusterContext | null = null;
  try {
    engine = new BlockingClusterContext(engineOptions(cc));
    watchEngine(engine, cc, null);
    engine.connect();
  } catch (err) {
    if (engine !== null) {
      // A failed attempt leaves nothing behind, and its close is no FREE_CONTEXT of cc.
      engine.removeAllListeners();
      engine.close();
    }
    recordError(cc, err);
    return REDIS_ERR;
  }
  cc.engine = engine;
  clearError(cc);
  return REDIS_OK;
}

/**
 * `redisClusterConnect(addrs, flags)`: init, redisClusterSetOptionAddNodes(addrs) and a blocking
 * connect. Always returns the context: check `cc.err`.
 */
export function redisClusterConnect(addrs: string, flags: number): RedisClusterContext {
  const cc = redisClusterContextInit();
  cc.flags = flags;
  if (redisClusterSetOptionAddNodes(cc, addrs) === REDIS_OK) redisClusterConnect2(cc);
  return cc;
}

/** `redisClusterConnectWithTimeout(addrs, tv, flags)`: redisClusterConnect with a connect timeout (timeval or ms). */
export function redisClusterConnectWithTimeout(
  addrs: string,
  tv: Timeout,
  flags: number,
): RedisClusterContext {
  const cc = redisClusterContextInit();
  cc.flags = flags;
  if (
    redisClusterSetOptionConnectTimeout(cc, tv) === REDIS_OK &&
    redisClusterSetOptionAddNodes(cc, addrs) === REDIS_OK
  ) {
    redisClusterConnect2(cc);
  }
  return cc;
}

/**
 * `redisClusterUpdateSlotmap(cc)`: a blocking full slot-map update (a first connect when not connected
 * yet). Not available on `acc.cc`: an async context updates on its event loop by itself.
 */
export function redisClusterUpdateSlotmap(cc: RedisClusterContext): number {
  if (cc.owner !== null)
    return fail(cc, 'redisClusterUpdateSlotmap: not available for the cc of an async context');
  if (cc.engine === null) return redisClusterConnect2(cc);
  try {
    cc.engine.updateSlotmap();
  } catch (err) {
    recordError(cc, err);
    return REDIS_ERR;
  }
  clearError(cc);
  return REDIS_OK;
}

/**
 * `redisClusterFree(cc)`: closes every link and the worker thread, then HIRCLUSTER_EVENT_FREE_CONTEXT.
 * Later calls on cc fail with 'context freed'. For `acc.cc` it frees the async context.
 */
export function redisClusterFree(cc: RedisClusterContext): void {
  if (cc.owner !== null) {
    redisClusterAsyncFree(cc.owner);
    return;
  }
  if (cc.freed) return;
  cc.freed = true;
  if (cc.engine !== null) cc.engine.close();
  else raiseEvent(cc, HIRCLUSTER_EVENT_FREE_CONTEXT);
}

function fail(cc: RedisClusterContext, message: string): number {
  setError(cc, REDIS_ERR_OTHER, message);
  return REDIS_ERR;
}

/** The blocking context for a call, or null with err set. */
function engineFor(cc: RedisClusterContext, toNode: boolean): BlockingClusterContext | null {
  if (cc.freed) setError(cc, REDIS_ERR_OTHER, 'context freed');
  else if (cc.owner !== null) {
    setError(cc, REDIS_ERR_OTHER, 'synchronous commands are not available on the cc of an async context');
  } else if (cc.engine === null) {
    setError(
      cc,
      REDIS_ERR_OTHER,
      toNode ? 'not connected (call redisClusterConnect2 first)' : 'slotmap not available',
    );
  } else return cc.engine;
  return null;
}

/** A command's reply, or null with cc.err set. */
function replyOf(
  cc: RedisClusterContext,
  toNode: boolean,
  run: (engine: BlockingClusterContext) => unknown,
): redisReply | null {
  clearError(cc);
  const engine = engineFor(cc, toNode);
  if (engine === null) return null;
  try {
    return run(engine) as redisReply;
  } catch (err) {
    recordError(cc, err);
    return null;
  }
}

/** Appends to the pipeline: REDIS_OK, or REDIS_ERR with cc.err set. */
function append(
  cc: RedisClusterContext,
  toNode: boolean,
  run: (engine: BlockingClusterContext) => void,
): number {
  const engine = engineFor(cc, toNode);
  if (engine === null) return REDIS_ERR;
  try {
    run(engine);
  } catch (err) {
    recordError(cc, err);
    return REDIS_ERR;
  }
  cc.pendingReplies++;
  cc.pipelineOpen = true;
  return REDIS_OK;
}

/**
 * `redisClusterCommand(cc, format, ...args)`: hiredis format conversions (`%s`, `%b`, `%d`, ...), routed
 * by key slot, following MOVED/ASK/TRYAGAIN/CLUSTERDOWN; cross-slot MGET/MSET/DEL/EXISTS are split and
 * merged. `%b` takes a Uint8Array, or C's (buffer, length) pair: `"SET %b %b", key, 3, value, 5`.
 * Returns the reply, or null with cc.err/cc.errstr set.
 */
export function redisClusterCommand(
  cc: RedisClusterContext,
  format: string,
  ...args: unknown[]
): redisReply | null {
  return replyOf(cc, false, (e) => e.command(format, ...pairBinaryArgs(format, args)));
}

/**
 * `redisClusterCommandArgv(cc, argc, argv, argvlen)`: the first argc arguments; argvlen (optional, as
 * C's NULL) cuts each to that many bytes.
 */
export function redisClusterCommandArgv(
  cc: RedisClusterContext,
  argc: number,
  argv: readonly CArg[],
  argvlen?: readonly number[] | null,
): redisReply | null {
  return replyOf(cc, false, (e) => e.commandArgv(argvFromC(argc, argv, argvlen)));
}

/** `redisClusterFormattedCommand(cc, cmd, len)`: a RESP-encoded command (its first len bytes). */
export function redisClusterFormattedCommand(
  cc: RedisClusterContext,
  cmd: Uint8Array | string,
  len?: number,
): redisReply | null {
  return replyOf(cc, false, (e) => e.formattedCommand(formattedFromC(cmd, len)));
}

/**
 * `redisClusterCommandToNode(cc, node, format, ...args)`: to one node (from the iterator,
 * redisClusterGetNodeByKey, or "host:port"), with no redirect or retry: a MOVED reply is returned as is.
 */
export function redisClusterCommandToNode(
  cc: RedisClusterContext,
  node: RedisClusterNode | string,
  format: string,
  ...args: unknown[]
): redisReply | null {
  return replyOf(cc, true, (e) =>
    e.commandToNode(nodeAddress(node), format, ...pairBinaryArgs(format, args)),
  );
}

/** `redisClusterAppendCommand(cc, format, ...args)`: queued for the pipeline; its reply comes from redisClusterGetReply. */
export function redisClusterAppendCommand(
  cc: RedisClusterContext,
  format: string,
  ...args: unknown[]
): number {
  return append(cc, false, (e) => e.appendCommand(format, ...pairBinaryArgs(format, args)));
}

/** `redisClusterAppendCommandArgv(cc, argc, argv, argvlen)`. */
export function redisClusterAppendCommandArgv(
  cc: RedisClusterContext,
  argc: number,
  argv: readonly CArg[],
  argvlen?: readonly number[] | null,
): number {
  return append(cc, false, (e) => e.appendCommandArgv(argvFromC(argc, argv, argvlen)));
}

/** `redisClusterAppendFormattedCommand(cc, cmd, len)`. */
export function redisClusterAppendFormattedCommand(
  cc: RedisClusterContext,
  cmd: Uint8Array | string,
  len?: number,
): number {
  return append(cc, false, (e) => e.appendFormattedCommand(formattedFromC(cmd, len)));
}

/** `redisClusterAppendCommandToNode(cc, node, format, ...args)`: e.g. MULTI ... EXEC on one node. */
export function redisClusterAppendCommandToNode(
  cc: RedisClusterContext,
  node: RedisClusterNode | string,
  format: string,
  ...args: unknown[]
): number {
  return append(cc, true, (e) =>
    e.appendCommandToNode(nodeAddress(node), format, ...pairBinaryArgs(format, args)),
  );
}

/**
 * `redisClusterGetReply(cc, &reply)`: the next reply of the pipeline, in append order (the first call
 * sends everything appended). C's out-parameter is a box here:
 *
 * ```ts
 * const out: { reply?: redisReply | null } = {};
 * if (redisClusterGetReply(cc, out) === REDIS_OK) use(out.reply);
 * ```
 *
 * REDIS_OK with `out.reply` null once every reply has been read; REDIS_ERR (and `out.reply` null) when
 * that command failed (cc.err set) or when nothing was appended. Redirects are not followed: a MOVED
 * reply is handed over as it is, as in hiredis.
 */
export function redisClusterGetReply(cc: RedisClusterContext, out: { reply?: redisReply | null }): number {
  out.reply = null;
  clearError(cc);
  const engine = engineFor(cc, false);
  if (engine === null) return REDIS_ERR;
  if (!cc.pipelineOpen) return fail(cc, 'no pipelined commands (append a command first)');
  if (cc.pendingReplies === 0) return REDIS_OK;
  cc.pendingReplies--;
  try {
    out.reply = engine.getReply() as redisReply;
  } catch (err) {
    recordError(cc, err);
    return REDIS_ERR;
  }
  return REDIS_OK;
}

/**
 * `redisClusterReset(cc)`: ends a pipeline. As in hiredis, commands appended but not read are still
 * sent and their replies drained; when cc.err is set or a drained command fails, every link is closed
 * (the next command reconnects). Afterwards cc.err is 0.
 */
export function redisClusterReset(cc: RedisClusterContext): void {
  const engine = cc.owner === null && !cc.freed ? cc.engine : null;
  if (engine !== null) {
    if (cc.err === 0) {
      for (; cc.pendingReplies > 0; cc.pendingReplies--) {
        try {
          engine.getReply();
        } catch {
          // The failure is on the blocking context, whose reset now closes every link.
          break;
        }
      }
    }
    engine.reset();
  }
  cc.pendingReplies = 0;
  cc.pipelineOpen = false;
  clearError(cc);
}
