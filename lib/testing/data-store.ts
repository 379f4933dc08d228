/**
 * The keyspace of one shard: an ioredis-mock instance of its own, shared by the primary and its
 * replicas (so a replica reads what its primary wrote, as after instant replication). Runs the data
 * commands of `data-commands.ts` with Redis' checks and error texts in front, turns the results into
 * mock replies, and moves keys between shards for slot migrations.
 *
 * Keys are text (ioredis-mock keeps them as object properties): keys that are not valid UTF-8 are
 * changed. Values are binary-safe.
 */
import { Buffer } from 'node:buffer';
import { keySlot } from '../cluster/keyslot.js';
import type { DataCommand, ValueType } from './data-commands.js';
import type { MockReply } from './mock-reply.js';

/** The parts of an ioredis-mock instance MockCluster uses. */
export interface RedisMockInstance {
  /** The raw keyspace; `get` returns a copy of the value (and drops an expired key). */
  readonly data: {
    get(key: string): unknown;
    set(key: string, value: unknown): void;
    has(key: string): boolean;
    delete(key: string): void;
    keys(): string[];
  };
  /** Expiry times in ms since the epoch. */
  readonly expires: {
    get(key: string): number | undefined;
    set(key: string, timestamp: number): void;
    has(key: string): boolean;
  };
}

/** The ioredis-mock constructor. */
export type RedisMockClass = new (options: { host: string; port: number }) => RedisMockInstance;

type CommandMethod = (...args: (string | Buffer)[]) => Promise<unknown>;

const NOT_INTEGER = 'ERR value is not an integer or out of range';
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const INTEGER_TEXT = /^-?(0|[1-9][0-9]*)$/;
const FLOAT_TEXT = /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/;
let storeCount = 0;

/** TYPE's answer for a raw ioredis-mock value. */
function typeOfValue(value: unknown): ValueType {
  if (value instanceof Set) return 'set';
  if (value instanceof Map) return 'zset';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string' || Buffer.isBuffer(value)) return 'string';
  return 'hash';
}

function isInteger(arg: Buffer): boolean {
  const text = arg.toString('latin1');
  return INTEGER_TEXT.test(text) && Number.isSafeInteger(Number(text));
}

function isFloat(arg: Buffer): boolean {
  return FLOAT_TEXT.test(arg.toString('latin1'));
}

/** ioredis-mock works best on strings: bytes that survive UTF-8 go as text, others as a Buffer. */
function argument(arg: Buffer): string | Buffer {
  const text = arg.toString('utf8');
  return Buffer.byteLength(text) === arg.length && Buffer.from(text).equals(arg) ? text : arg;
}

function hasWord(argv: readonly Buffer[], from: number, word: string): boolean {
  for (let i = from; i < argv.length; i++)
    if (argv[i]!.toString('latin1').toUpperCase() === word) return true;
  return false;
}

/** Redis error texts start with an upper-case code; anything else ioredis-mock throws gets `ERR`. */
function errorReply(err: unknown): MockReply {
  const message = err instanceof Error ? err.message : String(err);
  return { error: /^[A-Z][A-Z_]* /.test(message) ? message : `ERR ${message}` };
}

export class DataStore {
  private readonly mock: RedisMockInstance;

  constructor(RedisMock: RedisMockClass) {
    // ioredis-mock shares one keyspace between instances of the same host and port: a name of its own.
    this.mock = new RedisMock({ host: `hircluster-mock-shard-${++storeCount}`, port: 6379 });
  }

  /** Keys held now (expired keys left out). */
  get size(): number {
    return this.mock.data.keys().length;
  }

  /** TYPE of a key: its value type, or 'none'. */
  typeOf(key: string): ValueType | 'none' {
    return this.mock.data.has(key) ? typeOfValue(this.mock.data.get(key)) : 'none';
  }

  /** The keys of one slot. */
  keysInSlot(slot: number): string[] {
    return this.mock.data.keys().filter((key) => keySlot(key) === slot);
  }

  /** Whether the key exists (not expired). */
  has(key: string): boolean {
    return this.mock.data.has(key);
  }

  /** Moves one key, its value and its expiry, to another shard (MIGRATE); `copy` keeps it here too. */
  moveKey(key: string, to: DataStore, copy = false): void {
    const { data, expires } = this.mock;
    if (!data.has(key)) return;
    const expiry = expires.has(key) ? expires.get(key) : undefined;
    to.mock.data.set(key, data.get(key));
    if (expiry !== undefined) to.mock.expires.set(key, expiry);
    if (!copy) data.delete(key);
  }

  /**
   * Runs a data command whose routing was checked; `keys` are the key positions in argv. The effect
   * happens now (ioredis-mock runs synchronously); the reply may come from a promise.
   */
  run(
    command: DataCommand,
    argv: readonly Buffer[],
    keys: readonly number[],
    resp: 2 | 3,
  ): MockReply | Promise<MockReply> {
    const refused = this.check(command, argv, keys);
    if (refused !== null) return { error: refused };
    if (command.name === 'type') return { status: this.typeOf(argv[1]!.toString('utf8')) };
    const method = (this.mock as unknown as Record<string, CommandMethod>)[`${command.name}Buffer`];
    if (typeof method !== 'function') return { error: `ERR unknown command '${command.name}'` };
    const args = argv.slice(1).map((arg, i) => (keys.includes(i + 1) ? arg.toString('utf8') : argument(arg)));
    let result: Promise<unknown>;
    try {
      result = method.apply(this.mock, args);
    } catch (err) {
      return errorReply(err);
    }
    return result.then((value) => reply(command, argv, value, resp), errorReply);
  }

  /** Redis' own checks that ioredis-mock skips: integer arguments, value types, counter values. */
  private check(command: DataCommand, argv: readonly Buffer[], keys: readonly number[]): string | null {
    for (const at of command.integers) if (at < argv.length && !isInteger(argv[at]!)) return NOT_INTEGER;
    if (command.type !== null) {
      const setWithGet = command.name === 'set' && hasWord(argv, 3, 'GET');
      for (const at of keys) {
        if (command.overwrites === 'all' && !setWithGet) continue;
        if (command.overwrites !== 'all' && command.overwrites.includes(at)) continue;
        const type = this.typeOf(argv[at]!.toString('utf8'));
        if (type !== 'none' && type !== command.type) return WRONGTYPE;
      }
    }
    const key = keys.length > 0 ? argv[keys[0]!]!.toString('utf8') : '';
    switch (command.name) {
      case 'incr':
      case 'decr':
      case 'incrby':
      case 'decrby': {
        const value = this.mock.data.get(key);
        if (value !== undefined && !isInteger(Buffer.from(value as string | Buffer))) return NOT_INTEGER;
        break;
      }
      case 'incrbyfloat':
        if (!isFloat(argv[2]!)) return 'ERR value is not a valid float';
        break;
      case 'hincrbyfloat':
        if (!isFloat(argv[3]!)) return 'ERR value is not a valid float';
        break;
      case 'hincrby': {
        const hash = this.mock.data.get(key) as Record<string, string | Buffer> | undefined;
        const field = hash?.[argv[2]!.toString('utf8')];
        if (field !== undefined && !isInteger(Buffer.from(field))) return 'ERR hash value is not an integer';
        break;
      }
    }
    return null;
  }
}

/** An ioredis-mock result as the reply Redis would send for this command. */
function reply(command: DataCommand, argv: readonly Buffer[], value: unknown, resp: 2 | 3): MockReply {
  switch (command.shape) {
    case 'status':
      if (command.name === 'set' && hasWord(argv, 3, 'GET')) break;
      return Buffer.isBuffer(value) || typeof value === 'string' ? { status: String(value) } : plain(value);
    case 'map':
      return plain(value);
    case 'set':
      return Array.isArray(value) ? { set: value.map(plain) } : plain(value);
    case 'double':
      return value === null || value === undefined ? null : { double: Number(String(value)) };
    case 'doubles':
      return Array.isArray(value)
        ? value.map((v) => (v === null ? null : { double: Number(String(v)) }))
        : plain(value);
    case 'scores': {
      const pop = command.name === 'zpopmin' || command.name === 'zpopmax';
      if (!Array.isArray(value) || !(pop || hasWord(argv, 2, 'WITHSCORES'))) break;
      const paired = resp === 3 && (!pop || argv.length > 2);
      return pairs(value, paired, (score) => ({ double: Number(String(score)) }));
    }
    case 'values':
      if (!Array.isArray(value) || !hasWord(argv, 3, 'WITHVALUES') || resp === 2) break;
      return pairs(value, true, plain);
  }
  return plain(value);
}

/** [a, b, c, d] -> [[a, f(b)], [c, f(d)]], or flat [a, f(b), c, f(d)] when not `paired`. */
function pairs(flat: readonly unknown[], paired: boolean, second: (v: unknown) => MockReply): MockReply {
  const out: MockReply[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const first = plain(flat[i]);
    if (paired) out.push([first, second(flat[i + 1])]);
    else out.push(first, second(flat[i + 1]));
  }
  return out;
}

/** Default conversion: bytes/strings -> bulk, integers -> integer, objects -> map, NaN -> an error. */
function plain(value: unknown): MockReply {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { error: NOT_INTEGER };
    return Number.isInteger(value) ? value : { double: value };
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map || value instanceof Set) return [...value.values()].map(plain);
  if (typeof value === 'object')
    return { map: Object.entries(value).map(([k, v]) => [k, plain(v)] as const) };
  return String(value);
}
