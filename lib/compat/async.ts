/**
 * hiredis-cluster's asynchronous API over an {@link AsyncClusterContext}: calls return REDIS_OK (queued)
 * or REDIS_ERR with `acc.err`/`acc.errstr` set (the callback is then never called); every queued command
 * gets exactly one `fn(acc, reply, privdata)` — reply null on failure, with acc.err/acc.errstr set during
 * the call. Replies are hiredis-style typed replies. Nothing here throws for a context failure.
 *
 * The event loop is attached as in C: `redisClusterNodeAttach(acc)` (Node's own loop, the libuv one,
 * like `redisClusterLibuvAttach`) or `redisClusterAttachAdapter(acc, adapter)` for any
 * {@link EventLoopAdapter}.
 */
import type { EventLoopAdapter } from '../../adapters/adapter.js';
import { NodeAdapter } from '../../adapters/node.js';
import { type AsyncCallback, AsyncClusterContext, type ConnectMode } from '../async-context.js';
import { BlockingClusterContext } from '../blocking/blocking-context.js';
import type { ClusterNode } from '../cluster/slotmap.js';
import { REDIS_ERR_OTHER } from '../errors.js';
import { HIRCLUSTER_EVENT_FREE_CONTEXT } from '../events.js';
import { replyCallback } from '../face/command-input.js';
import { argvFromC, type CArg, formattedFromC, pairBinaryArgs } from './c-arguments.js';
import { HIRCLUSTER_FLAG_SHUTDOWN, REDIS_ERR, REDIS_OK } from './constants.js';
import {
  clearError,
  type ErrorFields,
  engineOptions,
  type RedisAsyncLinkCallback,
  RedisClusterAsyncContext,
  raiseEvent,
  recordError,
  type redisReply,
  setError,
  watchEngine,
} from './context.js';
import { nodeAddress, type RedisClusterNode } from './nodes.js';
import { redisClusterSetOptionAddNodes } from './options.js';

/** hiredis-cluster's `redisClusterCallbackFn`: the reply (null on failure) and the caller's privdata. */
export type RedisClusterCallbackFn<P = unknown> = (
  acc: RedisClusterAsyncContext,
  reply: redisReply | null,
  privdata: P,
) => void;

function refuse(target: ErrorFields, message: string): number {
  setError(target, REDIS_ERR_OTHER, message);
  return REDIS_ERR;
}

/** `redisClusterAsyncContextInit()`: an async context (and its `acc.cc`) to configure before connecting. */
export function redisClusterAsyncContextInit(): RedisClusterAsyncContext {
  return new RedisClusterAsyncContext();
}

/**
 * Starts acc's async context (made on the first call) on its loop: with a fetch (`mode`), or with a slot
 * map fetched already. A disconnected context opens again, as hiredis lets an async context reconnect.
 */
function start(acc: RedisClusterAsyncContext, mode: ConnectMode | ClusterNode[]): number {
  const cc = acc.cc;
  if (acc.engine === null) {
    let engine: AsyncClusterContext;
    try {
      engine = new AsyncClusterContext({ ...engineOptions(cc), adapter: acc.adapter! });
    } catch (err) {
      recordError(acc, err);
      return REDIS_ERR;
    }
    watchEngine(engine, cc, acc);
    acc.engine = engine;
  }
  cc.flags &= ~HIRCLUSTER_FLAG_SHUTDOWN;
  if (Array.isArray(mode)) {
    acc.engine.installSlotmap(mode);
    return REDIS_OK;
  }
  // As in hiredis a failed fetch is not reported: READY does not come, key-routed commands are refused
  // with 'slotmap not available' and each refusal asks for another update.
  acc.engine.connect(mode).catch(() => undefined);
  return REDIS_OK;
}

/**
 * `redisClusterAsyncConnect(addrs, flags)`: init, add the nodes and fetch the first slot map blocking,
 * as hiredis-cluster does through `redisClusterConnect`; the context then runs on Node's event loop
 * (redisClusterNodeAttach is a no-op) with that map installed, so commands can follow at once. Check
 * `acc.err`: a bad address, or the fetch's failure (e.g. 'Connection refused'); key-routed commands
 * then fail with 'slotmap not available'.
 */
export function redisClusterAsyncConnect(addrs: string, flags: number): RedisClusterAsyncContext {
  const acc = redisClusterAsyncContextInit();
  acc.cc.flags = flags;
  if (redisClusterSetOptionAddNodes(acc.cc, addrs) !== REDIS_OK || connectAsyncBlocking(acc) !== REDIS_OK) {
    setError(acc, acc.cc.err, acc.cc.errstr);
  }
  return acc;
}

/**
 * `redisClusterAsyncConnect2(acc)`: the non-blocking start: the first slot map is asked on a link of
 * the attached event loop; HIRCLUSTER_EVENT_READY says when key-routed commands can be sent. As in C it
 * fails (REDIS_ERR) when no event loop is attached, and clears HIRCLUSTER_FLAG_SHUTDOWN so a
 * disconnected context can start again.
 */
export function redisClusterAsyncConnect2(acc: RedisClusterAsyncContext): number {
  if (acc.freed) return refuse(acc, 'context freed');
  if (acc.adapter === null) {
    return refuse(
      acc,
      'no event loop attached (call redisClusterNodeAttach or redisClusterAttachAdapter first)',
    );
  }
  if (acc.cc.seeds.length === 0) return refuse(acc, 'no nodes added');
  return start(acc, {});
}

/**
 * `redisClusterConnect2(acc.cc)`: hiredis fetches the first slot map blocking here; a temporary blocking
 * context does the same, so this returns REDIS_OK or REDIS_ERR (acc.cc.err set, e.g. WRONGPASS) as in
 * C, and acc starts on its event loop (Node's when none is attached) with that map installed: commands
 * can follow at once.
 */
export function connectAsyncBlocking(acc: RedisClusterAsyncContext): number {
  const cc = acc.cc;
  if (acc.freed) return refuse(cc, 'context freed');
  if (cc.seeds.length === 0) return refuse(cc, 'servers address does not set up');
  let probe: BlockingClusterContext | null = null;
  let masters: ClusterNode[];
  try {
    probe = new BlockingClusterContext(engineOptions(cc));
    probe.connect();
    masters = [...probe.nodes()];
  } catch (err) {
    recordError(cc, err);
    return REDIS_ERR;
  } finally {
    probe?.close();
  }
  clearError(cc);
  acc.adapter ??= new NodeAdapter();
  if (start(acc, masters) === REDIS_OK) return REDIS_OK;
  setError(cc, acc.err, acc.errstr);
  return REDIS_ERR;
}

/**
 * `redisClusterAttachAdapter(acc, adapter)`: the event loop acc's links run on (hiredis' adapters
 * `redisClusterLibuvAttach(acc, loop)` etc.). Attach before connecting: a started context keeps its loop.
 */
export function redisClusterAttachAdapter(acc: RedisClusterAsyncContext, adapter: EventLoopAdapter): number {
  if (adapter === null || typeof adapter !== 'object' || typeof adapter.connect !== 'function') {
    return refuse(acc, 'Invalid adapter: expected an EventLoopAdapter');
  }
  if (acc.engine !== null && acc.adapter !== adapter) {
    return refuse(acc, 'the context already runs on another event loop (attach before connecting)');
  }
  acc.adapter = adapter;
  return REDIS_OK;
}

/** `redisClusterNodeAttach(acc)`: runs acc on Node's own event loop (a {@link NodeAdapter}). */
export function redisClusterNodeAttach(acc: RedisClusterAsyncContext): number {
  if (acc.adapter instanceof NodeAdapter) return REDIS_OK;
  return redisClusterAttachAdapter(acc, new NodeAdapter());
}

function setLinkCallback(
  acc: RedisClusterAsyncContext,
  slot: 'onConnect' | 'onDisconnect',
  fn: RedisAsyncLinkCallback,
): number {
  if (typeof fn !== 'function') return refuse(acc, 'Invalid callback: expected a function');
  if (acc[slot] !== null) {
    return refuse(
      acc,
      slot === 'onConnect' ? 'connect callback already set' : 'disconnect callback already set',
    );
  }
  acc[slot] = fn;
  return REDIS_OK;
}

/**
 * `redisClusterAsyncSetConnectCallback(acc, fn)`: `fn(ac, status)` after each connect attempt of a node
 * link (`ac.c.tcp.host`, `ac.c.tcp.port`; on REDIS_ERR `ac.errstr` says why). Set once: a second call,
 * or one after redisClusterAsyncSetConnectCallbackNC, returns REDIS_ERR.
 */
export function redisClusterAsyncSetConnectCallback(
  acc: RedisClusterAsyncContext,
  fn: RedisAsyncLinkCallback,
): number {
  return setLinkCallback(acc, 'onConnect', fn);
}

/** `redisClusterAsyncSetConnectCallbackNC(acc, fn)`: the non-const variant; it shares the slot of the const one. */
export function redisClusterAsyncSetConnectCallbackNC(
  acc: RedisClusterAsyncContext,
  fn: RedisAsyncLinkCallback,
): number {
  return setLinkCallback(acc, 'onConnect', fn);
}

/**
 * `redisClusterAsyncSetDisconnectCallback(acc, fn)`: `fn(ac, status)` when a connected link closes:
 * REDIS_OK when it was asked to (disconnect, node left the cluster), REDIS_ERR on an error. Set once.
 */
export function redisClusterAsyncSetDisconnectCallback(
  acc: RedisClusterAsyncContext,
  fn: RedisAsyncLinkCallback,
): number {
  return setLinkCallback(acc, 'onDisconnect', fn);
}

/** The engine's callback for a command: the reply, and engine's err/errstr copied to acc during a failure. */
function deliver<P>(acc: RedisClusterAsyncContext, fn: RedisClusterCallbackFn<P>): AsyncCallback<P> {
  return (engine, reply, privdata) => {
    const failed = reply === null;
    if (failed) setError(acc, engine.err, engine.errstr);
    try {
      fn(acc, reply as redisReply | null, privdata);
    } finally {
      if (failed) clearError(acc);
    }
  };
}

/** Queues one command: REDIS_OK, or REDIS_ERR with acc.err set (the callback is then never called). */
function send<P>(
  acc: RedisClusterAsyncContext,
  toNode: boolean,
  fn: RedisClusterCallbackFn<P> | null,
  submit: (engine: AsyncClusterContext, callback: AsyncCallback<P>) => boolean,
): number {
  clearError(acc);
  clearError(acc.cc);
  const engine = acc.engine;
  if (acc.freed) return refuse(acc, 'context freed');
  if (engine === null) {
    return refuse(
      acc,
      toNode ? 'not connected (call redisClusterAsyncConnect2 first)' : 'slotmap not available',
    );
  }
  try {
    if (submit(engine, deliver(acc, replyCallback(fn)))) return REDIS_OK;
  } catch (err) {
    recordError(acc, err);
    return REDIS_ERR;
  }
  setError(acc, engine.err, engine.errstr);
  return REDIS_ERR;
}

/**
 * `redisClusterAsyncCommand(acc, fn, privdata, format, ...args)`: routed by key slot with redirects
 * followed; `fn` may be null (no callback). `%b` takes a Uint8Array or C's (buffer, length) pair.
 * Cross-slot MGET/MSET/DEL/EXISTS are split and merged (hiredis refuses them in async).
 */
export function redisClusterAsyncCommand<P>(
  acc: RedisClusterAsyncContext,
  fn: RedisClusterCallbackFn<P> | null,
  privdata: P,
  format: string,
  ...args: unknown[]
): number {
  return send(acc, false, fn, (e, cb) => e.command(cb, privdata, format, ...pairBinaryArgs(format, args)));
}

/** `redisClusterAsyncCommandArgv(acc, fn, privdata, argc, argv, argvlen)`: argvlen optional (C's NULL). */
export function redisClusterAsyncCommandArgv<P>(
  acc: RedisClusterAsyncContext,
  fn: RedisClusterCallbackFn<P> | null,
  privdata: P,
  argc: number,
  argv: readonly CArg[],
  argvlen?: readonly number[] | null,
): number {
  return send(acc, false, fn, (e, cb) => e.commandArgv(cb, privdata, argvFromC(argc, argv, argvlen)));
}

/** `redisClusterAsyncFormattedCommand(acc, fn, privdata, cmd, len)`: a RESP-encoded command (copied). */
export function redisClusterAsyncFormattedCommand<P>(
  acc: RedisClusterAsyncContext,
  fn: RedisClusterCallbackFn<P> | null,
  privdata: P,
  cmd: Uint8Array | string,
  len?: number,
): number {
  return send(acc, false, fn, (e, cb) => e.formattedCommand(cb, privdata, formattedFromC(cmd, len)));
}

/**
 * `redisClusterAsyncCommandToNode(acc, node, fn, privdata, format, ...args)`: to one node, no redirect
 * or retry. Works before the first slot map too, once the context is started.
 */
export function redisClusterAsyncCommandToNode<P>(
  acc: RedisClusterAsyncContext,
  node: RedisClusterNode | string,
  fn: RedisClusterCallbackFn<P> | null,
  privdata: P,
  format: string,
  ...args: unknown[]
): number {
  return send(acc, true, fn, (e, cb) =>
    e.commandToNode(nodeAddress(node), cb, privdata, format, ...pairBinaryArgs(format, args)),
  );
}

/** `redisClusterAsyncCommandArgvToNode(acc, node, fn, privdata, argc, argv, argvlen)`. */
export function redisClusterAsyncCommandArgvToNode<P>(
  acc: RedisClusterAsyncContext,
  node: RedisClusterNode | string,
  fn: RedisClusterCallbackFn<P> | null,
  privdata: P,
  argc: number,
  argv: readonly CArg[],
  argvlen?: readonly number[] | null,
): number {
  return send(acc, true, fn, (e, cb) =>
    e.commandArgvToNode(nodeAddress(node), cb, privdata, argvFromC(argc, argv, argvlen)),
  );
}

/** `redisClusterAsyncFormattedCommandToNode(acc, node, fn, privdata, cmd, len)`. */
export function redisClusterAsyncFormattedCommandToNode<P>(
  acc: RedisClusterAsyncContext,
  node: RedisClusterNode | string,
  fn: RedisClusterCallbackFn<P> | null,
  privdata: P,
  cmd: Uint8Array | string,
  len?: number,
): number {
  return send(acc, true, fn, (e, cb) =>
    e.formattedCommandToNode(nodeAddress(node), cb, privdata, formattedFromC(cmd, len)),
  );
}

/**
 * `redisClusterAsyncDisconnect(acc)`: graceful. New commands are refused ('client closing'; ToNode:
 * 'disconnecting'), pending replies are still delivered (redirects no longer followed), then every
 * link closes and the disconnect callback runs with REDIS_OK. acc itself stays until redisClusterAsyncFree.
 */
export function redisClusterAsyncDisconnect(acc: RedisClusterAsyncContext): void {
  if (acc.freed) return;
  acc.cc.flags |= HIRCLUSTER_FLAG_SHUTDOWN;
  acc.engine?.disconnect();
}

/**
 * `redisClusterAsyncFree(acc)`: immediate. Every link closes, pending callbacks get a null reply,
 * then HIRCLUSTER_EVENT_FREE_CONTEXT. Later calls fail with 'context freed'.
 */
export function redisClusterAsyncFree(acc: RedisClusterAsyncContext): void {
  if (acc.freed) return;
  acc.freed = true;
  acc.cc.freed = true;
  acc.cc.flags |= HIRCLUSTER_FLAG_SHUTDOWN;
  if (acc.engine !== null) acc.engine.free();
  else raiseEvent(acc.cc, HIRCLUSTER_EVENT_FREE_CONTEXT);
}
