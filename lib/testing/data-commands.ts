/**
 * The data commands a mock node runs on ioredis-mock, by family, with what MockCluster checks itself
 * before ioredis-mock sees them (ioredis-mock is lenient: it would `INCR` a word into NaN) and how the
 * results become RESP. Anything not listed here gets Redis' `-ERR unknown command`.
 *
 * Streams, scripting, blocking commands and WATCH are not covered (pub/sub: mock-pubsub.ts).
 */

/** The value type a family's commands work on (TYPE's answer). */
export type ValueType = 'string' | 'hash' | 'list' | 'set' | 'zset';

/** How a command's result becomes a reply (beyond the default: bulk strings, integers, arrays, nil). */
type Shape =
  /** A string result is a +status line. */
  | 'status'
  /** RESP3: the object result is a map. */
  | 'map'
  /** RESP3: the array result is a set. */
  | 'set'
  /** RESP3: the result is a double. */
  | 'double'
  /** RESP3: each element is a double (or nil). */
  | 'doubles'
  /** RESP3 with WITHSCORES (or always, for ZPOPMIN/ZPOPMAX with a count): [member, double] pairs. */
  | 'scores'
  /** RESP3 with WITHVALUES: [field, value] pairs. */
  | 'values';

/** What MockCluster knows about one supported command. */
export interface DataCommand {
  /** Lower-case name, as ioredis-mock's methods are named. */
  readonly name: string;
  /** The type the command's keys must hold (when they exist); null for type-agnostic commands. */
  readonly type: ValueType | null;
  readonly shape: Shape | null;
  /** Argument positions that must be integers. */
  readonly integers: readonly number[];
  /** Key argument positions that are overwritten whatever their type (STORE destinations, SET). */
  readonly overwrites: 'all' | readonly number[];
}

interface Spec {
  shape?: Shape;
  integers?: number[];
  overwrites?: 'all' | number[];
}

const FAMILIES: Readonly<Record<string, { type: ValueType | null; commands: Record<string, Spec> }>> = {
  strings: {
    type: 'string',
    commands: {
      append: {},
      decr: {},
      decrby: { integers: [2] },
      get: {},
      getdel: {},
      getex: {},
      getrange: { integers: [2, 3] },
      getset: {},
      incr: {},
      incrby: { integers: [2] },
      incrbyfloat: {},
      mget: {},
      mset: { shape: 'status', overwrites: 'all' },
      msetnx: { overwrites: 'all' },
      psetex: { shape: 'status', integers: [2], overwrites: 'all' },
      set: { shape: 'status', overwrites: 'all' },
      setex: { shape: 'status', integers: [2], overwrites: 'all' },
      setnx: { overwrites: 'all' },
      setrange: { integers: [2] },
      strlen: {},
      substr: { integers: [2, 3] },
      getbit: { integers: [2] },
      setbit: { integers: [2, 3] },
      bitcount: {},
    },
  },
  hashes: {
    type: 'hash',
    commands: {
      hdel: {},
      hexists: {},
      hget: {},
      hgetall: { shape: 'map' },
      hincrby: { integers: [3] },
      hincrbyfloat: {},
      hkeys: {},
      hlen: {},
      hmget: {},
      hmset: { shape: 'status' },
      hrandfield: { shape: 'values' },
      hscan: { integers: [2] },
      hset: {},
      hsetnx: {},
      hstrlen: {},
      hvals: {},
    },
  },
  lists: {
    type: 'list',
    commands: {
      lindex: { integers: [2] },
      linsert: {},
      llen: {},
      lmove: {},
      lpop: {},
      lpos: {},
      lpush: {},
      lpushx: {},
      lrange: { integers: [2, 3] },
      lrem: { integers: [2] },
      lset: { shape: 'status', integers: [2] },
      ltrim: { shape: 'status', integers: [2, 3] },
      rpop: {},
      rpoplpush: {},
      rpush: {},
      rpushx: {},
    },
  },
  sets: {
    type: 'set',
    commands: {
      sadd: {},
      scard: {},
      sdiff: { shape: 'set' },
      sdiffstore: { overwrites: [1] },
      sinter: { shape: 'set' },
      sinterstore: { overwrites: [1] },
      sismember: {},
      smembers: { shape: 'set' },
      smismember: {},
      smove: {},
      spop: {},
      srandmember: {},
      srem: {},
      sscan: { integers: [2] },
      sunion: { shape: 'set' },
      sunionstore: { overwrites: [1] },
    },
  },
  'sorted sets': {
    type: 'zset',
    commands: {
      zadd: {},
      zcard: {},
      zcount: {},
      zdiff: { shape: 'scores' },
      zincrby: { shape: 'double' },
      zinterstore: { overwrites: [1] },
      zmscore: { shape: 'doubles' },
      zpopmax: { shape: 'scores' },
      zpopmin: { shape: 'scores' },
      zrange: { shape: 'scores' },
      zrangebylex: {},
      zrangebyscore: { shape: 'scores' },
      zrank: {},
      zrem: {},
      zremrangebyrank: { integers: [2, 3] },
      zremrangebyscore: {},
      zrevrange: { shape: 'scores', integers: [2, 3] },
      zrevrangebylex: {},
      zrevrangebyscore: { shape: 'scores' },
      zrevrank: {},
      zscan: { integers: [2] },
      zscore: { shape: 'double' },
    },
  },
  'keys and expiry': {
    type: null,
    commands: {
      del: {},
      exists: {},
      expire: { integers: [2] },
      expireat: { integers: [2] },
      expiretime: {},
      persist: {},
      pexpire: { integers: [2] },
      pexpireat: { integers: [2] },
      pexpiretime: {},
      pttl: {},
      rename: { shape: 'status' },
      renamenx: {},
      ttl: {},
      type: { shape: 'status' },
      unlink: {},
      keys: {},
      scan: { integers: [1] },
      randomkey: {},
    },
  },
  server: {
    type: null,
    commands: {
      dbsize: {},
      flushdb: { shape: 'status' },
      flushall: { shape: 'status' },
    },
  },
};

function build(): Map<string, DataCommand> {
  const table = new Map<string, DataCommand>();
  for (const { type, commands } of Object.values(FAMILIES)) {
    for (const [name, spec] of Object.entries(commands)) {
      table.set(name, {
        name,
        type,
        shape: spec.shape ?? null,
        integers: spec.integers ?? [],
        overwrites: spec.overwrites ?? [],
      });
    }
  }
  return table;
}

const TABLE = build();

/** The supported command named `name` (any case), or undefined. */
export function dataCommand(name: string): DataCommand | undefined {
  return TABLE.get(name.toLowerCase());
}

/** The supported commands by family, for documentation and specs. */
export function dataCommandFamilies(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [family, { commands }] of Object.entries(FAMILIES)) out[family] = Object.keys(commands);
  return out;
}
