/**
 * The two C context objects: `redisClusterContext` (cc) collects options until it connects, then drives
 * a {@link BlockingClusterContext}; `redisClusterAsyncContext` (acc) drives an {@link AsyncClusterContext}
 * and configures it through `acc.cc`, as in C. Also the err/errstr helpers and the wiring of the
 * contexts' events to hiredis' set-once callbacks.
 */
import type { ConnectionOptions } from 'node:tls';
import type { EventEmitter } from 'eventemitter3';
import type { EventLoopAdapter } from '../../adapters/adapter.js';
import type { AsyncClusterContext } from '../async-context.js';
import type { BlockingClusterContext } from '../blocking/blocking-context.js';
import { ClusterError } from '../errors.js';
import {
  type ClusterEvents,
  HIRCLUSTER_EVENT_FREE_CONTEXT,
  HIRCLUSTER_EVENT_READY,
  HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
  type LinkAddress,
} from '../events.js';
import type { ClusterOptions } from '../options.js';
import type { TypedReply } from '../resp/reply-types.js';
import { typedRepliesWith } from '../resp/typed-replies.js';
import {
  hidden,
  hideTlsSecrets,
  INSPECT,
  type InspectFunction,
  type InspectOptions,
  inspectAs,
} from '../secrets.js';
import {
  HIRCLUSTER_FLAG_ADD_OPENSLOT,
  HIRCLUSTER_FLAG_ADD_SLAVE,
  HIRCLUSTER_FLAG_NULL,
  HIRCLUSTER_FLAG_RETURN_BUFFERS,
  HIRCLUSTER_FLAG_ROUTE_USE_SLOTS,
  REDIS_ERR,
  REDIS_OK,
} from './constants.js';
import type { RedisClusterNode } from './node-view.js';

/**
 * hiredis' `redisReply`: `type` is a REDIS_REPLY_* number; `str`, `len`, `integer`, `elements` (the
 * count) and `element` (the children) as hiredis fills them. `str` of a STRING or VERB reply is UTF-8
 * text, or a Buffer of the bytes under HIRCLUSTER_FLAG_RETURN_BUFFERS.
 */
export type redisReply = TypedReply;

/** A node link as connect callbacks see it: hiredis' `redisContext`, reduced to what JavaScript can show. */
export interface RedisLinkContext {
  /** 0, or the REDIS_ERR_* code of a failed connect. */
  err: number;
  /** Why the connect failed, e.g. 'Connection refused'; '' on success. */
  errstr: string;
  /** `c->tcp.host` / `c->tcp.port`. */
  tcp: {
    /** The host the link dialled. */
    host: string;
    /** The port the link dialled. */
    port: number;
  };
}

/** A node link as async connect/disconnect callbacks see it: hiredis' `redisAsyncContext` (`ac->c.tcp.host`). */
export interface RedisAsyncLinkContext {
  /** `ac->err`: 0, or the REDIS_ERR_* code of the failure that closed the link. */
  err: number;
  /** `ac->errstr`: why the link failed; '' otherwise. */
  errstr: string;
  /** `ac->c`: the underlying link. */
  c: RedisLinkContext;
}

/** `redisClusterSetConnectCallback`'s callback: status REDIS_OK or REDIS_ERR. */
export type RedisConnectCallback = (c: RedisLinkContext, status: number) => void;
/** `redisClusterAsyncSetConnectCallback` / `...DisconnectCallback`'s callback: status REDIS_OK or REDIS_ERR. */
export type RedisAsyncLinkCallback = (ac: RedisAsyncLinkContext, status: number) => void;
/** `redisClusterSetEventCallback`'s callback: `event` is a HIRCLUSTER_EVENT_* number. */
export type RedisClusterEventCallback<P = unknown> = (
  cc: RedisClusterContext,
  event: number,
  privdata: P,
) => void;

/** What carries hiredis' `err` / `errstr` pair. */
export interface ErrorFields {
  err: number;
  errstr: string;
}

/**
 * hiredis-cluster's `redisClusterContext`. Make it with `redisClusterContextInit()`, set options with
 * the `redisClusterSetOption*` functions, connect with `redisClusterConnect2(cc)`; after a failed call
 * `cc.err` (a REDIS_ERR_* code) and `cc.errstr` say why. Fields marked internal belong to the compat
 * functions.
 */
export class RedisClusterContext implements ErrorFields {
  /** hiredis `cc->err`: 0, or the REDIS_ERR_* code of the last failure. */
  err = 0;
  /** hiredis `cc->errstr`. */
  errstr = '';
  /** hiredis `cc->flags`: HIRCLUSTER_FLAG_* bits, read when connecting. */
  flags = HIRCLUSTER_FLAG_NULL;
  /** @internal The nodes given to redisClusterSetOptionAddNode(s), in order. */
  readonly seeds: RedisClusterNode[] = [];
  /** @internal '' when unset. */
  username = '';
  /** @internal '' when unset. */
  password = '';
  /** @internal ms; undefined: the default. */
  connectTimeout: number | undefined;
  /** @internal ms; undefined: none. */
  commandTimeout: number | undefined;
  /** @internal hiredis `max_retry_count`. */
  maxRetry = 5;
  /** @internal */
  tls: ConnectionOptions | undefined;
  /** @internal */
  connectCallback: RedisConnectCallback | null = null;
  /** @internal */
  eventCallback: RedisClusterEventCallback | null = null;
  /** @internal */
  eventPrivdata: unknown;
  /** @internal The blocking context, made by a successful redisClusterConnect2. */
  engine: BlockingClusterContext | null = null;
  /** @internal Appended commands whose replies are still to be read. */
  pendingReplies = 0;
  /** @internal A pipeline is open: something was appended since the last redisClusterReset. */
  pipelineOpen = false;
  /** @internal */
  freed = false;

  /**
   * @param owner - set for `acc.cc`: the async context this cc configures (its commands go through
   * `acc`; the node iterator and redisClusterGetNodeByKey see acc's slot map).
   */
  constructor(readonly owner: RedisClusterAsyncContext | null = null) {}

  /** What JSON.stringify shows: the C struct's settings, the password and TLS secrets hidden. */
  toJSON(): object {
    return {
      err: this.err,
      errstr: this.errstr,
      flags: this.flags,
      nodes: this.seeds.map((node) => node.addr),
      username: this.username,
      password: hidden(this.password),
      connectTimeout: this.connectTimeout,
      commandTimeout: this.commandTimeout,
      maxRetry: this.maxRetry,
      tls: hideTlsSecrets(this.tls),
      engine: this.engine,
    };
  }

  /** What util.inspect (console.log) shows: the same as {@link toJSON}. */
  [INSPECT](depth: number, options: InspectOptions, inspect: InspectFunction): string {
    return inspectAs('RedisClusterContext', this.toJSON(), depth, options, inspect);
  }
}

/** The C type name of {@link RedisClusterContext}, for code ported from C. */
export type redisClusterContext = RedisClusterContext;

/**
 * hiredis-cluster's `redisClusterAsyncContext`. Make it with `redisClusterAsyncContextInit()`, configure
 * it through `acc.cc` (`redisClusterSetOptionAddNodes(acc.cc, ...)`), attach an event loop
 * (`redisClusterNodeAttach(acc)`), then `redisClusterAsyncConnect2(acc)`.
 */
export class RedisClusterAsyncContext implements ErrorFields {
  /** hiredis `acc->err`: set when a call fails, and during the callback of a command that failed. */
  err = 0;
  /** hiredis `acc->errstr`. */
  errstr = '';
  /** hiredis `acc->cc`: options, the event callback, the node iterator and redisClusterGetNodeByKey go through it. */
  readonly cc: RedisClusterContext;
  /** @internal The attached event loop (hiredis `acc->adapter`). */
  adapter: EventLoopAdapter | null = null;
  /** @internal The async context, made when connecting. */
  engine: AsyncClusterContext | null = null;
  /** @internal */
  onConnect: RedisAsyncLinkCallback | null = null;
  /** @internal */
  onDisconnect: RedisAsyncLinkCallback | null = null;
  /** @internal */
  freed = false;

  constructor() {
    this.cc = new RedisClusterContext(this);
  }
}

/** The C type name of {@link RedisClusterAsyncContext}, for code ported from C. */
export type redisClusterAsyncContext = RedisClusterAsyncContext;

/** Sets hiredis' err/errstr. */
export function setError(target: ErrorFields, code: number, message: string): void {
  target.err = code;
  target.errstr = message;
}

/** Clears hiredis' err/errstr, as a call does before it starts. */
export function clearError(target: ErrorFields): void {
  target.err = 0;
  target.errstr = '';
}

/** Records a context failure (a ClusterError) on `target`; anything else is a bug and is rethrown. */
export function recordError(target: ErrorFields, err: unknown): void {
  if (!(err instanceof ClusterError)) throw err;
  setError(target, err.code, err.message);
}

/** Options both contexts take. */
export type EngineOptions = Omit<ClusterOptions, 'adapter' | 'random' | 'addressMap'>;

/**
 * The contexts' options from what was set on `cc`; replies are hiredis-style typed replies, with STRING
 * and VERB `str` as Buffers under HIRCLUSTER_FLAG_RETURN_BUFFERS.
 */
export function engineOptions(cc: RedisClusterContext): EngineOptions {
  const options: EngineOptions = {
    nodes: cc.seeds.map((node) => node.addr),
    maxRetry: cc.maxRetry,
    // hiredis-cluster asks CLUSTER NODES unless HIRCLUSTER_FLAG_ROUTE_USE_SLOTS is set.
    useClusterNodes: (cc.flags & HIRCLUSTER_FLAG_ROUTE_USE_SLOTS) === 0,
    parseReplicas: (cc.flags & HIRCLUSTER_FLAG_ADD_SLAVE) !== 0,
    parseOpenSlots: (cc.flags & HIRCLUSTER_FLAG_ADD_OPENSLOT) !== 0,
    replyBuilder: typedRepliesWith({ returnBuffers: (cc.flags & HIRCLUSTER_FLAG_RETURN_BUFFERS) !== 0 }),
  };
  // hiredis sends AUTH only with a password; a user name alone is ignored.
  if (cc.password !== '') {
    options.password = cc.password;
    if (cc.username !== '') options.username = cc.username;
  }
  if (cc.connectTimeout !== undefined) options.connectTimeout = cc.connectTimeout;
  if (cc.commandTimeout !== undefined) options.commandTimeout = cc.commandTimeout;
  if (cc.tls !== undefined) options.tls = cc.tls;
  return options;
}

/** Runs a user callback; an exception is rethrown outside the context (as the contexts do), which stays consistent. */
function safely(call: () => void): void {
  try {
    call();
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}

/** Calls cc's event callback, if any, with a HIRCLUSTER_EVENT_* number. */
export function raiseEvent(cc: RedisClusterContext, event: number): void {
  const fn = cc.eventCallback;
  if (fn !== null) safely(() => fn(cc, event, cc.eventPrivdata));
}

function linkContext(link: LinkAddress, err: ClusterError | null): RedisLinkContext {
  return { err: err?.code ?? 0, errstr: err?.message ?? '', tcp: { host: link.host, port: link.port } };
}

function callLink<T>(fn: ((link: T, status: number) => void) | null, link: T, status: number): void {
  if (fn !== null) safely(() => fn(link, status));
}

/**
 * Delivers a context's events to hiredis' callbacks, read when the event happens (so callbacks set
 * after connecting are called too): the event callback of `cc`, and either cc's connect callback
 * (blocking) or acc's connect/disconnect callbacks (async).
 */
export function watchEngine(
  engine: EventEmitter<ClusterEvents>,
  cc: RedisClusterContext,
  acc: RedisClusterAsyncContext | null,
): void {
  engine.on('slotmap-updated', () => raiseEvent(cc, HIRCLUSTER_EVENT_SLOTMAP_UPDATED));
  engine.on('ready', () => raiseEvent(cc, HIRCLUSTER_EVENT_READY));
  engine.on('free-context', () => raiseEvent(cc, HIRCLUSTER_EVENT_FREE_CONTEXT));
  if (acc === null) {
    engine.on('connect', (link) => callLink(cc.connectCallback, linkContext(link, null), REDIS_OK));
    engine.on('connect-error', (link, err) =>
      callLink(cc.connectCallback, linkContext(link, err), REDIS_ERR),
    );
    return;
  }
  const view = (link: LinkAddress, err: ClusterError | null): RedisAsyncLinkContext => {
    const c = linkContext(link, err);
    return { err: c.err, errstr: c.errstr, c };
  };
  engine.on('connect', (link) => callLink(acc.onConnect, view(link, null), REDIS_OK));
  engine.on('connect-error', (link, err) => callLink(acc.onConnect, view(link, err), REDIS_ERR));
  engine.on('disconnect', (link, err) =>
    callLink(acc.onDisconnect, view(link, err), err === null ? REDIS_OK : REDIS_ERR),
  );
}
