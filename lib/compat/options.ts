/**
 * hiredis-cluster's option setters (`redisClusterSetOption*`, the set-once callbacks). They act on a
 * cc — `acc.cc` for an async context — and return REDIS_OK, or REDIS_ERR with `cc.err`/`cc.errstr` set.
 *
 * Options are read when the context connects. Afterwards only the command timeout applies live (as in
 * hiredis); the other setters then fail with 'cannot change options once connected' rather than being
 * silently ignored.
 */
import type { ConnectionOptions } from 'node:tls';
import { parsePort } from '../cluster/address.js';
import { REDIS_ERR_OTHER } from '../errors.js';
import { type Timeout, timeoutMs } from './c-arguments.js';
import {
  HIRCLUSTER_FLAG_ADD_OPENSLOT,
  HIRCLUSTER_FLAG_ADD_SLAVE,
  HIRCLUSTER_FLAG_RETURN_BUFFERS,
  HIRCLUSTER_FLAG_ROUTE_USE_SLOTS,
  REDIS_ERR,
  REDIS_OK,
} from './constants.js';
import {
  type RedisClusterContext,
  type RedisClusterEventCallback,
  type RedisConnectCallback,
  recordError,
  setError,
} from './context.js';
import { seedNode } from './node-view.js';

function refuse(cc: RedisClusterContext, message: string): number {
  setError(cc, REDIS_ERR_OTHER, message);
  return REDIS_ERR;
}

/** False (with err set) once cc's context runs: its options are fixed then. */
function configurable(cc: RedisClusterContext): boolean {
  if (cc.freed) setError(cc, REDIS_ERR_OTHER, 'context freed');
  else if (cc.engine !== null || (cc.owner?.engine ?? null) !== null) {
    setError(
      cc,
      REDIS_ERR_OTHER,
      'cannot change options once connected (only the command timeout applies live)',
    );
  } else return true;
  return false;
}

/**
 * `redisClusterSetOptionAddNode(cc, "host:port")`: a node to fetch the first slot map from. Split at the
 * last ':' (so `::1:7000` is IPv6; `[::1]:7000` is accepted too); the port must be 1..65535. A node
 * already added is ignored. Errors as hiredis: 'server address is incorrect, port separator missing.',
 * '... address part missing.', '... port part missing.', 'server port is incorrect'.
 */
export function redisClusterSetOptionAddNode(cc: RedisClusterContext, addr: string): number {
  if (!configurable(cc)) return REDIS_ERR;
  if (typeof addr !== 'string') return refuse(cc, 'server address is incorrect, expected "host:port"');
  const colon = addr.lastIndexOf(':');
  if (colon < 0) return refuse(cc, 'server address is incorrect, port separator missing.');
  let host = addr.slice(0, colon);
  if (host.length > 1 && host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '') return refuse(cc, 'server address is incorrect, address part missing.');
  const portText = addr.slice(colon + 1);
  if (portText === '') return refuse(cc, 'server address is incorrect, port part missing.');
  const port = parsePort(portText);
  if (port < 0) return refuse(cc, 'server port is incorrect');
  const node = seedNode(host, port);
  if (!cc.seeds.some((seed) => seed.addr === node.addr)) cc.seeds.push(node);
  return REDIS_OK;
}

/**
 * `redisClusterSetOptionAddNodes(cc, "h:p,h:p")`: each comma-separated address through
 * redisClusterSetOptionAddNode; stops at the first bad one (those before it stay added, as in hiredis).
 */
export function redisClusterSetOptionAddNodes(cc: RedisClusterContext, addrs: string): number {
  if (!configurable(cc)) return REDIS_ERR;
  if (typeof addrs !== 'string' || addrs === '') {
    return refuse(cc, 'invalid server addresses (example format: 127.0.0.1:1234,127.0.0.2:5678)');
  }
  for (const addr of addrs.split(',')) {
    if (redisClusterSetOptionAddNode(cc, addr) !== REDIS_OK) return REDIS_ERR;
  }
  return REDIS_OK;
}

function credential(cc: RedisClusterContext, name: string, value: string | null): string | null {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  refuse(cc, `Invalid ${name}: expected a string or null`);
  return null;
}

/** `redisClusterSetOptionUsername(cc, name)`: sent as `AUTH name password` (with a password); null or '' disables. */
export function redisClusterSetOptionUsername(cc: RedisClusterContext, username: string | null): number {
  if (!configurable(cc)) return REDIS_ERR;
  const value = credential(cc, 'username', username);
  if (value === null) return REDIS_ERR;
  cc.username = value;
  return REDIS_OK;
}

/** `redisClusterSetOptionPassword(cc, password)`: every new link sends AUTH first; null or '' disables. */
export function redisClusterSetOptionPassword(cc: RedisClusterContext, password: string | null): number {
  if (!configurable(cc)) return REDIS_ERR;
  const value = credential(cc, 'password', password);
  if (value === null) return REDIS_ERR;
  cc.password = value;
  return REDIS_OK;
}

function setFlag(cc: RedisClusterContext, flag: number): number {
  if (!configurable(cc)) return REDIS_ERR;
  cc.flags |= flag;
  return REDIS_OK;
}

/** `redisClusterSetOptionParseSlaves(cc)`: sets HIRCLUSTER_FLAG_ADD_SLAVE (replicas in `node.slaves`). */
export function redisClusterSetOptionParseSlaves(cc: RedisClusterContext): number {
  return setFlag(cc, HIRCLUSTER_FLAG_ADD_SLAVE);
}

/** `redisClusterSetOptionParseOpenSlots(cc)`: sets HIRCLUSTER_FLAG_ADD_OPENSLOT. */
export function redisClusterSetOptionParseOpenSlots(cc: RedisClusterContext): number {
  return setFlag(cc, HIRCLUSTER_FLAG_ADD_OPENSLOT);
}

/** `redisClusterSetOptionRouteUseSlots(cc)`: sets HIRCLUSTER_FLAG_ROUTE_USE_SLOTS (CLUSTER SLOTS, not CLUSTER NODES). */
export function redisClusterSetOptionRouteUseSlots(cc: RedisClusterContext): number {
  return setFlag(cc, HIRCLUSTER_FLAG_ROUTE_USE_SLOTS);
}

/**
 * `redisClusterSetOptionReturnBuffers(cc)`, hircluster's own: sets HIRCLUSTER_FLAG_RETURN_BUFFERS, so
 * STRING and VERB replies carry `str` as a Buffer of the bytes the server sent, as C code reads
 * `reply->str` with `reply->len`.
 */
export function redisClusterSetOptionReturnBuffers(cc: RedisClusterContext): number {
  return setFlag(cc, HIRCLUSTER_FLAG_RETURN_BUFFERS);
}

/**
 * `redisClusterSetOptionConnectTimeout(cc, tv)`: TCP (and TLS) connect timeout of every link, as a
 * `{ tv_sec, tv_usec }` timeval or in ms (0: none). Without it the contexts' default applies (10 s).
 */
export function redisClusterSetOptionConnectTimeout(cc: RedisClusterContext, tv: Timeout): number {
  if (!configurable(cc)) return REDIS_ERR;
  try {
    cc.connectTimeout = timeoutMs(tv);
  } catch (err) {
    recordError(cc, err);
    return REDIS_ERR;
  }
  return REDIS_OK;
}

/**
 * `redisClusterSetOptionTimeout(cc, tv)`: the command timeout (timeval or ms; 0: none). Applied live to
 * every existing link when connected, as in hiredis; a command that times out fails with REDIS_ERR_TIMEOUT.
 */
export function redisClusterSetOptionTimeout(cc: RedisClusterContext, tv: Timeout): number {
  if (cc.freed) return refuse(cc, 'context freed');
  try {
    const ms = timeoutMs(tv);
    (cc.engine ?? cc.owner?.engine)?.setTimeout(ms);
    cc.commandTimeout = ms;
  } catch (err) {
    recordError(cc, err);
    return REDIS_ERR;
  }
  return REDIS_OK;
}

/** `redisClusterSetOptionMaxRetry(cc, n)`: redirects and retries per command before err 100; n > 0 (default 5). */
export function redisClusterSetOptionMaxRetry(cc: RedisClusterContext, maxRetryCount: number): number {
  if (!configurable(cc)) return REDIS_ERR;
  if (!Number.isInteger(maxRetryCount) || maxRetryCount <= 0) {
    return refuse(cc, `Invalid max retry count ${maxRetryCount}: must be an integer > 0`);
  }
  cc.maxRetry = maxRetryCount;
  return REDIS_OK;
}

/** Deprecated `redisClusterSetMaxRedirect(cc, n)`: redisClusterSetOptionMaxRetry without a result. */
export function redisClusterSetMaxRedirect(cc: RedisClusterContext, maxRetryCount: number): void {
  redisClusterSetOptionMaxRetry(cc, maxRetryCount);
}

/** Deprecated `redisClusterSetOptionConnectBlock(cc)`: no effect, REDIS_OK. */
export function redisClusterSetOptionConnectBlock(_cc: RedisClusterContext): number {
  return REDIS_OK;
}

/** Deprecated `redisClusterSetOptionConnectNonBlock(cc)`: no effect, REDIS_OK. */
export function redisClusterSetOptionConnectNonBlock(_cc: RedisClusterContext): number {
  return REDIS_OK;
}

/**
 * `redisClusterSetConnectCallback(cc, fn)`: `fn(c, status)` after each connect attempt of the sync
 * context's links, status REDIS_OK or REDIS_ERR (then `c.err`/`c.errstr` say why); `c.tcp.host` and
 * `c.tcp.port` name the node. Can be set once: a second call returns REDIS_ERR.
 */
export function redisClusterSetConnectCallback(cc: RedisClusterContext, fn: RedisConnectCallback): number {
  if (typeof fn !== 'function') return refuse(cc, 'Invalid connect callback: expected a function');
  if (cc.connectCallback !== null) return refuse(cc, 'connect callback already set');
  cc.connectCallback = fn;
  return REDIS_OK;
}

/**
 * `redisClusterSetEventCallback(cc, fn, privdata)`: `fn(cc, event, privdata)` with
 * HIRCLUSTER_EVENT_SLOTMAP_UPDATED after every slot-map update, HIRCLUSTER_EVENT_READY once after the
 * first, HIRCLUSTER_EVENT_FREE_CONTEXT when freed. For an async context set it on `acc.cc`. Can be set
 * once: a second call returns REDIS_ERR.
 */
export function redisClusterSetEventCallback<P>(
  cc: RedisClusterContext,
  fn: RedisClusterEventCallback<P>,
  privdata?: P,
): number {
  if (typeof fn !== 'function') return refuse(cc, 'Invalid event callback: expected a function');
  if (cc.eventCallback !== null) return refuse(cc, 'event callback already set');
  cc.eventCallback = fn as RedisClusterEventCallback;
  cc.eventPrivdata = privdata;
  return REDIS_OK;
}

/**
 * `redisClusterSetOptionEnableSSL(cc, ssl)`: TLS on every link. Where C passes a `redisSSLContext`
 * (from `redisCreateSSLContext(cacert, capath, cert, key, server_name, ...)`), pass Node TLS options:
 * `{ ca, cert, key, servername }` (`{}` for the system CAs). Certificates are verified.
 */
export function redisClusterSetOptionEnableSSL(cc: RedisClusterContext, ssl: ConnectionOptions): number {
  if (!configurable(cc)) return REDIS_ERR;
  if (ssl === null || typeof ssl !== 'object')
    return refuse(cc, 'Invalid TLS options: expected Node TLS options');
  cc.tls = ssl;
  return REDIS_OK;
}
