/**
 * The options of both contexts, validated once at construction with messages that name the option:
 * {@link resolveOptions} for the async context (and the engine), {@link resolveBlockingOptions} for the
 * blocking one, over one core. Node lists use hiredis-cluster's "host:port,host:port" form (IPv6 split at
 * the last colon, or bracketed).
 */
import type { ConnectionOptions } from 'node:tls';
import type { EventLoopAdapter } from '../adapters/adapter.js';
import type { TimerWheelOptions } from '../adapters/timer-wheel.js';
// The blocking face's options are bounded by its channel: the resolver checks them against its figures.
import { DEFAULT_BUFFER_BYTES, MAX_AREA_BYTES, MIN_BUFFER_BYTES } from './blocking/channel-layout.js';
import type { SpinSetting } from './blocking/spin.js';
import { type HostPort, parseHostPort } from './cluster/address.js';
import { otherError } from './errors.js';
import type { OfflineQueueOptions } from './face/offline-queue.js';
import {
  channelInteger,
  flag,
  integer,
  invalid,
  resolveTimerWheel,
  secret,
  spinSetting,
  text,
} from './option-checks.js';
import { type ReadAndFailoverOptions, type ReadFrom, resolveReadAndFailover } from './read-options.js';
import { plainReplies, plainRepliesWith, type ReplyBuilder } from './resp/build.js';
import { DEFAULT_LIMITS, MAX_LIMITS, type RespLimits } from './resp/scan.js';
import { hidden, hideTlsSecrets, showAs } from './secrets.js';
import { resolveCallTimeout, resolveTimeouts } from './timeouts.js';

/** Jittered exponential backoff for TRYAGAIN / CLUSTERDOWN retries (hiredis retries at once). */
export interface RetryBackoff {
  /** First delay in ms (the n-th retry waits up to `baseMs * 2^(n-1)`, capped). */
  baseMs: number;
  /** Upper bound of one delay in ms. */
  maxMs: number;
}

/** Options shared by {@link AsyncClusterContext} and the blocking context. */
export interface ClusterOptions {
  /** Seed nodes: `"h:p,h:p"` or an array of `"h:p"`; IPv6 as `::1:7000` or `[::1]:7000`. */
  nodes: string | readonly string[];
  /** ACL user name sent with AUTH (needs `password`). */
  username?: string;
  /** Password: every new link sends `AUTH [username] password` first. Empty disables. */
  password?: string;
  /** TCP (and TLS) connect timeout in ms; 0 waits for the OS. Default 10 000. */
  connectTimeout?: number;
  /** Per-command timeout in ms; when it passes the link is dropped (hiredis). 0 = none (default). */
  commandTimeout?: number;
  /**
   * How long a node may take to answer one slot-map request once its link is open, in ms; past it that
   * attempt fails with 'Timeout' and the next node is asked. 0 = none (hiredis). Default 5000.
   */
  updateTimeout?: number;
  /** Cluster redirects and retries allowed per command before err 100. Default 5. */
  maxRetry?: number;
  /** Ask `CLUSTER NODES` instead of `CLUSTER SLOTS` for the slot map. */
  useClusterNodes?: boolean;
  /** Ask `CLUSTER SHARDS` (Redis 7+) instead of `CLUSTER SLOTS`; not together with `useClusterNodes`. */
  useClusterShards?: boolean;
  /** Keep replicas in the slot map (never used for routing, as in hiredis-cluster). */
  parseReplicas?: boolean;
  /**
   * Route keyless commands by the server's command tips (DBSIZE to every primary, summed; ...) in the
   * hiredis-named calls too (`command`, `commandArgv`, compat). Default false: they refuse them with
   * hiredis' 'No keys in command'. `send` always routes by tips.
   */
  tipRouting?: boolean;
  /** Keep migrating/importing slots from `CLUSTER NODES`. */
  parseOpenSlots?: boolean;
  /** TLS for every link: `true` or Node TLS options. Certificates and host names are verified by default. */
  tls?: boolean | ConnectionOptions;
  /** Protocol: 2 (default, nothing extra sent) or 3 (`HELLO 3` on every link). */
  resp?: 2 | 3;
  /** Logical database: `SELECT n` on every new link (Valkey 9 multi-db clusters). */
  selectDb?: number;
  /**
   * NAT: maps every address the client learns (seeds, slot maps, redirects) before it dials it; a
   * function, or plain data `{ "host:port": "host:port" }` (the form the blocking context's worker takes).
   */
  addressMap?: ((address: HostPort) => HostPort) | Readonly<Record<string, string>>;
  /** Commands waiting for a reply, all links together; past it a command is refused. Default 100 000. */
  maxPending?: number;
  /**
   * Dedicated links per node at most (blocking commands and WATCH sessions each hold one while they run;
   * past it they wait for one to be returned; on the blocking face they fail at once). Default 16.
   */
  maxDedicatedLinks?: number;
  /** Source of randomness in [0, 1) for node choice; seed it for reproducible runs. Default Math.random. */
  random?: () => number;
  /** Wait between TRYAGAIN / CLUSTERDOWN retries; default none (hiredis retries at once). */
  retryBackoff?: RetryBackoff;
  /** Bulk strings as Buffers instead of strings (default reply builder only). */
  returnBuffers?: boolean;
  /** Builds reply values (hiredis' reply object functions); default plain JS values. */
  replyBuilder?: ReplyBuilder;
  /** Decoder limits (max bulk length, aggregate size, nesting depth). */
  limits?: Partial<RespLimits>;
  /** The event loop the async context runs on. Default: Node's own. */
  adapter?: EventLoopAdapter;
  /**
   * Per-command deadlines on a hashed timer wheel over the event loop (`TimerWheel`): starting and
   * stopping a command's timeout is O(1) and costs no timer of the loop. `true` for the defaults
   * (1 ms ticks, 4096 slots) or `{ tickMs, slots }`. Default off: one deadline timer per link.
   */
  timerWheel?: boolean | TimerWheelOptions;
  /**
   * Where read-only commands (by the command table) go: `'primary'` (default, as hiredis-cluster),
   * `'preferReplica'`, `'replica'`, `'nearest'` or `{ az: '<zone>' }`. Replica reads may be stale. Any
   * setting but `'primary'` keeps replicas in the slot map and sends `READONLY` on every link.
   */
  readFrom?: ReadFrom;
  /** Refresh the slot map in the background every this many ms, and when a node's link closes unasked. 0 = off (default). */
  refreshInterval?: number;
  /**
   * Hold a routed command whose node is unreachable, or whose slot has no owner or is CLUSTERDOWN, for up
   * to this many ms while the slot map is refreshed, and resend it to the slot's new owner. 0 = off (default).
   */
  failoverWait?: number;
  /**
   * With `failoverWait`: resend also a write that was written on a link that then failed before its reply
   * (it may be applied twice). Default false: such a write fails with "... (the command may have been applied)".
   */
  retryWrites?: boolean;
  /**
   * The async context's JavaScript-native calls (`send`, typed methods, `batch`, `sendTo`, scripts) made before
   * the first slot map wait for it, at most `max` calls (0: off, they fail at once) for `timeoutMs` each.
   * Default `{ max: 1000, timeoutMs: 10000 }`. See README, "Offline queue".
   */
  offlineQueue?: OfflineQueueOptions;
}

/** Options of the blocking context: the async context's, less the ones that cannot cross threads. */
export interface BlockingOptions
  extends Omit<ClusterOptions, 'adapter' | 'random' | 'addressMap' | 'offlineQueue'> {
  /** NAT, as plain data for the worker: `{ "host:port": "host:port" }`. */
  addressMap?: Readonly<Record<string, string>>;
  /** Busy-poll before sleeping: 'auto' (adaptive, default), 0 (off) or a budget in µs. */
  spin?: SpinSetting;
  /**
   * Longest time one call may block, in ms; past it the call throws "Timeout"; 0 = for ever (hiredis).
   * Default: 60 s without a `commandTimeout`, else enough for every retry's connect and command timeout.
   */
  callTimeout?: number;
  /** Let pipelines follow MOVED/ASK (hiredis-cluster #172); off by default, as in hiredis. */
  pipelineRedirects?: boolean;
  /** Initial size of the shared request + response areas (they grow when needed). Default 1 MiB. */
  bufferBytes?: number;
  /**
   * Reconnect a node's link that the server closed while it was idle before the next command is written on
   * it. Default false, as hiredis-cluster's sync API: that command fails with the close ('Server closed the
   * connection') and an update is made due for the next one.
   */
  detectIdleClose?: boolean;
}

/** An address map as plain data: a normalized `"host:port"` -> the address dialled instead. */
export type AddressTable = Readonly<Record<string, HostPort>>;
type AddressMapFunction = (address: HostPort) => HostPort;

/** Options after validation and defaults. */
export interface ResolvedOptions extends ReadAndFailoverOptions {
  seeds: HostPort[];
  username: string;
  password: string;
  connectTimeout: number;
  commandTimeout: number;
  updateTimeout: number;
  maxRetry: number;
  useClusterNodes: boolean;
  useClusterShards: boolean;
  parseReplicas: boolean;
  parseOpenSlots: boolean;
  tipRouting: boolean;
  tls: ConnectionOptions | undefined;
  resp: 2 | 3;
  selectDb: number;
  addressMap: AddressMapFunction | undefined;
  maxPending: number;
  maxDedicatedLinks: number;
  random: () => number;
  retryBackoff: RetryBackoff | undefined;
  replyBuilder: ReplyBuilder;
  limits: RespLimits;
  /** The timer wheel's settings, or undefined for none. */
  timerWheel: TimerWheelOptions | undefined;
}

/** The blocking context's options after validation and defaults: its own included, plain data but the reply builder. */
export interface ResolvedBlockingOptions extends Omit<ResolvedOptions, 'addressMap' | 'random'> {
  /** The NAT table, or undefined for none. */
  addressMap: AddressTable | undefined;
  spin: SpinSetting;
  /** ms; 0 = a call may block for ever (hiredis), by choice. */
  callTimeout: number;
  pipelineRedirects: boolean;
  bufferBytes: number;
  detectIdleClose: boolean;
}

/** The options both contexts take. */
const SHARED = new Set([
  'nodes',
  'username',
  'password',
  'connectTimeout',
  'commandTimeout',
  'updateTimeout',
  'maxRetry',
  'useClusterNodes',
  'useClusterShards',
  'parseReplicas',
  'parseOpenSlots',
  'tipRouting',
  'tls',
  'resp',
  'selectDb',
  'addressMap',
  'maxPending',
  'maxDedicatedLinks',
  'retryBackoff',
  'returnBuffers',
  'replyBuilder',
  'limits',
  'timerWheel',
  'readFrom',
  'refreshInterval',
  'failoverWait',
  'retryWrites',
]);
/** Code cannot cross to the blocking context's worker thread: these are the async context's alone. */
const ASYNC_ONLY = ['adapter', 'random', 'offlineQueue'];
/** Each face's own options, beside the shared ones. */
const OWN = {
  async: new Set(ASYNC_ONLY),
  blocking: new Set(['spin', 'callTimeout', 'pipelineRedirects', 'bufferBytes', 'detectIdleClose']),
};

/** Parses a hiredis-cluster node list: `"h:p,h:p"` or an array of `"h:p"`. Duplicates are dropped. */
export function parseNodeList(nodes: string | readonly string[]): HostPort[] {
  const items = typeof nodes === 'string' ? nodes.split(',') : nodes;
  const seen = new Set<string>();
  const out: HostPort[] = [];
  for (const item of items) {
    if (typeof item !== 'string') invalid('nodes', 'must hold "host:port" strings', item);
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const address = parseHostPort(trimmed);
    const key = `${address.host}:${address.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(address);
  }
  return out;
}

/** The address map as given: a function, or its table checked and normalized. */
function resolveAddressMap(map: ClusterOptions['addressMap']): AddressMapFunction | AddressTable | undefined {
  if (map === undefined || typeof map === 'function') return map;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    invalid('addressMap', 'must be a function or an object of "host:port" -> "host:port"', map);
  }
  const table: Record<string, HostPort> = {};
  for (const [from, to] of Object.entries(map)) {
    const source = parseHostPort(from);
    table[`${source.host}:${source.port}`] = parseHostPort(to);
  }
  return table;
}

/** The address map of a table: an address the table does not name is dialled as it is. */
export function addressLookup(table: AddressTable): AddressMapFunction {
  const map = new Map(Object.entries(table));
  return (address) => map.get(`${address.host}:${address.port}`) ?? address;
}

/**
 * What resolved options show to util.inspect and JSON: the settings (not the reply builder and the
 * random source, which are code), with the secrets (password, TLS private material) as `<hidden>`.
 */
export function visibleOptions(o: ResolvedOptions | ResolvedBlockingOptions): object {
  const { replyBuilder: _builder, random: _random, ...settings }: typeof o & { random?: unknown } = o;
  return {
    ...settings,
    seeds: o.seeds.map((s) => `${s.host}:${s.port}`),
    password: hidden(o.password),
    tls: hideTlsSecrets(o.tls),
  };
}

/**
 * The async context's (and the engine's) options: validates `options` and fills in the defaults; throws
 * a ClusterError naming the bad option (a bad password is named by its type only). The result shows its
 * secrets hidden to util.inspect and JSON.
 */
export function resolveOptions(options: ClusterOptions): ResolvedOptions {
  const core = resolveCore(options, 'async');
  const map = core.addressMap;
  const resolved: ResolvedOptions = {
    ...core,
    addressMap: typeof map === 'object' ? addressLookup(map) : map,
  };
  return showAs(resolved, () => visibleOptions(resolved));
}

/**
 * The blocking context's options, as {@link resolveOptions} does for the async one: the shared options,
 * its own (spin, callTimeout, pipelineRedirects, bufferBytes), and the async context's refused.
 */
export function resolveBlockingOptions(options: BlockingOptions): ResolvedBlockingOptions {
  const { random: _random, addressMap, ...shared } = resolveCore(options, 'blocking');
  const resolved: ResolvedBlockingOptions = {
    ...shared,
    // A function was refused: the blocking context's map is its table.
    addressMap: addressMap as AddressTable | undefined,
    callTimeout: resolveCallTimeout(options.callTimeout, shared, shared.maxRetry, shared.failoverWait),
    pipelineRedirects: flag('pipelineRedirects', options.pipelineRedirects),
    detectIdleClose: flag('detectIdleClose', options.detectIdleClose),
    bufferBytes: channelInteger(
      'bufferBytes',
      options.bufferBytes,
      DEFAULT_BUFFER_BYTES,
      MIN_BUFFER_BYTES,
      2 * MAX_AREA_BYTES,
    ),
    spin: spinSetting(options.spin),
  };
  return showAs(resolved, () => visibleOptions(resolved));
}

/** The options a face refuses because they are the other face's, with what it says. */
function refuseOtherFace(options: object, face: keyof typeof OWN): void {
  if (face === 'async') return;
  for (const key of ASYNC_ONLY) {
    if (key in options) throw otherError(`Unknown option '${key}' (not for the blocking context)`);
  }
  if (typeof (options as ClusterOptions).addressMap === 'function') {
    throw otherError(
      'Invalid option \'addressMap\': the blocking context takes an object of "host:port" -> "host:port"',
    );
  }
}

/** Both faces' options checked and defaulted; the address map as given (a function or its table). */
function resolveCore(
  options: ClusterOptions,
  face: keyof typeof OWN,
): Omit<ResolvedOptions, 'addressMap'> & { addressMap: AddressMapFunction | AddressTable | undefined } {
  if (options === null || typeof options !== 'object') invalid('options', 'must be an object', options);
  refuseOtherFace(options, face);
  for (const key of Object.keys(options)) {
    if (!SHARED.has(key) && !OWN[face].has(key)) throw otherError(`Unknown option '${key}'`);
  }
  if (options.nodes === undefined || (typeof options.nodes !== 'string' && !Array.isArray(options.nodes))) {
    invalid('nodes', 'must be "host:port,host:port" or an array of "host:port"', options.nodes);
  }
  const seeds = parseNodeList(options.nodes);
  if (seeds.length === 0) invalid('nodes', 'must name at least one node', options.nodes);

  const username = text('username', options.username);
  const password = secret('password', options.password);
  if (username !== '' && password === '') invalid('username', 'needs a password', options.username);
  if (options.resp !== undefined && options.resp !== 2 && options.resp !== 3) {
    invalid('resp', 'must be 2 or 3', options.resp);
  }
  if (
    flag('useClusterShards', options.useClusterShards) &&
    flag('useClusterNodes', options.useClusterNodes)
  ) {
    throw otherError(
      "Invalid option 'useClusterShards': cannot be combined with useClusterNodes (each picks the slot-map command)",
    );
  }
  const addressMap = resolveAddressMap(options.addressMap);
  if (options.random !== undefined && typeof options.random !== 'function') {
    invalid('random', 'must be a function returning a number in [0, 1)', options.random);
  }
  let tls: ConnectionOptions | undefined;
  if (options.tls === true) tls = {};
  else if (options.tls !== undefined && options.tls !== false) {
    if (typeof options.tls !== 'object' || options.tls === null) {
      invalid('tls', 'must be a boolean or Node TLS options', options.tls);
    }
    tls = options.tls;
  }
  let retryBackoff: RetryBackoff | undefined;
  if (options.retryBackoff !== undefined) {
    const b = options.retryBackoff;
    if (b === null || typeof b !== 'object') invalid('retryBackoff', 'must be { baseMs, maxMs }', b);
    integer('retryBackoff.baseMs', b.baseMs, 0, 1);
    integer('retryBackoff.maxMs', b.maxMs, 0, b.baseMs);
    retryBackoff = { baseMs: b.baseMs, maxMs: b.maxMs };
  }
  if (options.replyBuilder !== undefined && options.returnBuffers !== undefined) {
    throw otherError("Invalid option 'returnBuffers': it applies to the default reply builder only");
  }
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(options.limits ?? {})) {
    if (!(key in DEFAULT_LIMITS)) throw otherError(`Unknown option 'limits.${key}'`);
    const name = key as keyof RespLimits;
    limits[name] = integer(`limits.${key}`, value, 0, 1, MAX_LIMITS[name]);
  }
  const readAndFailover = resolveReadAndFailover(options);
  return {
    ...readAndFailover,
    seeds,
    username,
    password,
    ...resolveTimeouts(options),
    maxRetry: integer('maxRetry', options.maxRetry, 5, 1),
    useClusterNodes: flag('useClusterNodes', options.useClusterNodes),
    useClusterShards: flag('useClusterShards', options.useClusterShards),
    // Replica reads need the replicas.
    parseReplicas:
      flag('parseReplicas', options.parseReplicas) || readAndFailover.readFrom.mode !== 'primary',
    parseOpenSlots: flag('parseOpenSlots', options.parseOpenSlots),
    tipRouting: flag('tipRouting', options.tipRouting),
    tls,
    resp: options.resp ?? 2,
    selectDb: integer('selectDb', options.selectDb, 0, 0),
    addressMap,
    maxPending: integer('maxPending', options.maxPending, 100_000, 1),
    maxDedicatedLinks: integer('maxDedicatedLinks', options.maxDedicatedLinks, 16, 1, 10_000),
    random: options.random ?? Math.random,
    retryBackoff,
    replyBuilder:
      options.replyBuilder ??
      (flag('returnBuffers', options.returnBuffers)
        ? plainRepliesWith({ returnBuffers: true })
        : plainReplies),
    limits,
    timerWheel: resolveTimerWheel(options.timerWheel),
  };
}
