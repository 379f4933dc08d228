/**
 * Which arguments of a command are keys, from the generated command table (COMMAND INFO key specs).
 *
 * Behaviour and error strings follow hiredis-cluster's command parser (command.c):
 * - arg0, and arg1 for container commands (XGROUP CREATE, OBJECT ENCODING, ...), are looked up
 *   case-insensitively; an unknown name fails with "Unknown command <arg0> [<arg1>]", printed as the
 *   caller sent it (hiredis prints arg1 whenever there is one, and cuts the text to 99 characters);
 * - the arity is checked (negative = minimum) and a command whose keys cannot be found fails with
 *   "Failed to find keys of command <NAME>" (the table's upper-case name);
 * - both are parse failures: ClusterError with REDIS_ERR_PROTOCOL, as hiredis sets them;
 * - a command without keys (or EVAL/FCALL/... with numkeys 0) fails with REDIS_ERR_OTHER
 *   "No keys in command(must have keys for redis cluster mode)": such commands go to a node explicitly.
 *
 * Beyond hiredis, every key is returned (not only the first): all key specs are applied in order, XREAD /
 * XREADGROUP yield every stream after STREAMS, SORT its STORE key, MIGRATE the keys after KEYS. The first
 * key decides the route; the rest let callers check or split cross-slot commands. Sharded pub/sub channels
 * (SPUBLISH, SSUBSCRIBE, SUNSUBSCRIBE: key specs flagged not_key) count as keys, since they route by slot.
 */

import { Buffer } from 'node:buffer';
import { ClusterError, otherError, REDIS_ERR_PROTOCOL } from '../errors.js';
import { addName, lookupName } from './command-name.js';
import { COMMANDS, type CommandInfo } from './commands.generated.js';

export interface CommandKeys {
  /** Upper-case command name; 'XGROUP CREATE' for a subcommand. */
  name: string;
  /** Indices in argv of the key arguments, in key-spec order; keys[0] decides the slot. */
  keys: number[];
  /** The table flags it `readonly`: a replica may serve it (readFrom). */
  readOnly: boolean;
}

/** Arguments as callers give them; numbers are sent as their decimal text. */
export type CommandArgv = readonly (string | Uint8Array | number | bigint)[];

export const NO_KEYS_MESSAGE = 'No keys in command(must have keys for redis cluster mode)';

/** True for commandKeys' refusal of a command the table does not know. */
export function isUnknownCommand(err: unknown): boolean {
  return (
    err instanceof ClusterError &&
    err.code === REDIS_ERR_PROTOCOL &&
    err.message.startsWith('Unknown command ')
  );
}

/** True for commandKeys' refusal of a keyless command: the one error tip routing takes over. */
export function isNoKeys(err: unknown): boolean {
  return err instanceof ClusterError && err.message === NO_KEYS_MESSAGE;
}

/** hiredis formats these into a 100-byte buffer. */
const MAX_MESSAGE_LENGTH = 99;

const BEGIN_INDEX = 0;
const BEGIN_KEYWORD = 1;
const BEGIN_UNKNOWN = 2;
const FIND_RANGE = 0;
const FIND_KEYNUM = 1;
const FIND_UNKNOWN = 2;

/** A key spec flattened to numbers so the interpreter below stays monomorphic. */
interface CompiledSpec {
  begin: number;
  index: number;
  keyword: string;
  startFrom: number;
  find: number;
  lastKey: number;
  keyStep: number;
  limit: number;
  keyNumIdx: number;
  firstKey: number;
}

type KeyFinder = (argv: CommandArgv) => number[] | null;

interface Entry {
  name: string;
  arity: number;
  readOnly: boolean;
  specs: CompiledSpec[];
  /** The result when the key positions never depend on the arguments (GET, SET, RENAME, ...); frozen. */
  fixed: CommandKeys | null;
  /** Commands whose keys need the server's own getkeys logic rather than the specs. */
  finder: KeyFinder | null;
  subcommands: Map<string, Entry> | null;
  tips: CommandTips;
}

/**
 * The key arguments of `argv` (command name first). The result may be shared between calls (it is frozen
 * then): do not modify it. Throws ClusterError with hiredis' strings, see the module comment.
 */
export function commandKeys(argv: CommandArgv, learned: CommandTable | null = null): CommandKeys {
  const argc = argv.length;
  const entry = entryOf(argv, learned);
  const arity = entry.arity;
  if (arity >= 0 ? argc !== arity : argc < -arity) throw failedToFindKeys(entry);
  if (entry.fixed !== null) return entry.fixed;
  const keys = entry.finder !== null ? entry.finder(argv) : keysFromSpecs(entry.specs, argv);
  if (keys === null) throw failedToFindKeys(entry);
  if (keys.length === 0) throw otherError(NO_KEYS_MESSAGE);
  return { name: entry.name, keys, readOnly: entry.readOnly };
}

/** A command's routing tips (COMMAND INFO): where it goes without keys, how several replies make one. */
export interface CommandTips {
  /** Upper-case command name; 'SCRIPT LOAD' for a subcommand. */
  name: string;
  request: CommandInfo['requestPolicy'];
  response: CommandInfo['responsePolicy'];
}

/** The tips of `argv`'s command; throws hiredis' parse errors for an unknown one, as commandKeys does. */
export function commandTips(argv: CommandArgv, learned: CommandTable | null = null): CommandTips {
  return entryOf(argv, learned).tips;
}

/**
 * Commands learned from a server's COMMAND INFO (lib/cluster/learned-commands.ts), looked up after the
 * built-in table: one per context.
 */
export class CommandTable {
  /** @internal */
  readonly entries = new Map<string, Entry>();

  /** How many commands it holds. */
  get size(): number {
    return this.entries.size / 2;
  }

  /** Adds a command (upper-case `name`) and its subcommands (by their upper-case names), as the generator would. */
  add(name: string, info: CommandInfo, subcommands: ReadonlyMap<string, CommandInfo>): void {
    const entry = compileEntry(name, info);
    if (subcommands.size > 0) {
      entry.subcommands = new Map();
      for (const [sub, subInfo] of subcommands)
        addName(entry.subcommands, sub, compileEntry(`${name} ${sub}`, subInfo));
    }
    addName(this.entries, name, entry);
  }
}

/** Learned names may be longer than any built-in one. */
const MAX_LEARNED_NAME_LENGTH = 100;

function entryOf(argv: CommandArgv, learned: CommandTable | null): Entry {
  const argc = argv.length;
  if (argc === 0) throw parseError('Command parse error');
  const entry =
    lookupName(TABLE, argv[0]!, MAX_NAME_LENGTH) ??
    (learned === null ? undefined : lookupName(learned.entries, argv[0]!, MAX_LEARNED_NAME_LENGTH));
  if (entry === undefined) throw unknownCommand(argv);
  if (entry.subcommands === null) return entry;
  const sub = argc > 1 ? lookupName(entry.subcommands, argv[1]!, MAX_NAME_LENGTH) : undefined;
  if (sub === undefined) throw unknownCommand(argv);
  return sub;
}

/** The table entry of a command by its upper-case name ('GET', 'XGROUP CREATE'), if the table has it. */
export function commandInfo(name: string): CommandInfo | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

// --- key specs (same semantics as Redis' getKeysUsingKeySpecs) ---

/**
 * Keys from all specs in order. null when the first spec finds no valid position (hiredis' "Failed to find
 * keys"); a later spec that does not apply (optional STORE keyword, bad numkeys) adds nothing and the
 * server judges the syntax.
 */
function keysFromSpecs(specs: readonly CompiledSpec[], argv: CommandArgv): number[] | null {
  const argc = argv.length;
  const keys: number[] = [];
  for (let s = 0; s < specs.length; s++) {
    const spec = specs[s]!;
    let first: number;
    if (spec.begin === BEGIN_INDEX) {
      first = spec.index;
    } else if (spec.begin === BEGIN_KEYWORD) {
      first = findKeyword(argv, spec.keyword, spec.startFrom);
      if (first < 0) {
        if (s === 0) return null;
        continue;
      }
    } else {
      continue; // 'unknown' specs: key names that come from data (SORT BY/GET patterns)
    }
    let last: number;
    let step: number;
    if (spec.find === FIND_RANGE) {
      if (spec.lastKey >= 0) last = first + spec.lastKey;
      else if (spec.limit === 0) last = argc + spec.lastKey;
      else last = first + Math.floor((argc - first) / spec.limit) + spec.lastKey;
      step = spec.keyStep;
      // MSET-like key/value runs must end with a value (hiredis rejects an even MSET argc).
      if (step > 1 && spec.lastKey < 0 && (last - first + 1) % step !== 0) last = -1;
    } else if (spec.find === FIND_KEYNUM) {
      const at = first + spec.keyNumIdx;
      const numkeys = at < argc ? parseCount(argv[at]!) : -1;
      if (numkeys === 0) continue; // EVAL script 0 ...: no keys from this spec
      if (numkeys < 0) {
        if (s === 0) return null;
        continue;
      }
      first += spec.firstKey;
      step = spec.keyStep;
      last = first + (numkeys - 1) * step;
    } else {
      continue;
    }
    if (first >= argc || last >= argc || last < first) {
      if (s === 0) return null;
      continue;
    }
    for (let i = first; i <= last; i += step) keys.push(i);
  }
  return keys;
}

/** Index after the keyword (searched forward from startFrom, or backward from argc+startFrom), or -1. */
function findKeyword(argv: CommandArgv, keyword: string, startFrom: number): number {
  const argc = argv.length;
  if (startFrom > 0) {
    for (let i = startFrom; i < argc - 1; i++) if (equalsKeyword(argv[i]!, keyword)) return i + 1;
  } else {
    for (let i = argc + startFrom; i >= 1; i--) if (equalsKeyword(argv[i]!, keyword)) return i + 1;
  }
  return -1;
}

// --- commands whose keys the server finds with its own getkeys procedure ---

/** Redis' sortGetKeys: the sorted key, and the argument after the last STORE. */
function sortKeys(argv: CommandArgv): number[] {
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (equalsKeyword(arg, 'LIMIT')) i += 2;
    else if (equalsKeyword(arg, 'GET') || equalsKeyword(arg, 'BY')) i += 1;
    else if (equalsKeyword(arg, 'STORE') && i + 1 < argv.length) store = i + 1;
  }
  return store < 0 ? [1] : [1, store];
}

/**
 * Redis' migrateGetKeys: the key at 3, or with the KEYS option (key argument empty) every argument
 * after KEYS. hiredis cannot route the KEYS form; here it routes by its first key. An empty key without
 * KEYS, or KEYS with a non-empty key argument, has no key to route by.
 */
function migrateKeys(argv: CommandArgv): number[] | null {
  const argc = argv.length;
  const key = argv[3]!;
  const keyEmpty = typeof key !== 'number' && typeof key !== 'bigint' && key.length === 0;
  for (let i = 6; i < argc; i++) {
    const arg = argv[i]!;
    if (equalsKeyword(arg, 'KEYS')) {
      if (!keyEmpty || i + 1 >= argc) return null;
      const keys: number[] = [];
      for (let k = i + 1; k < argc; k++) keys.push(k);
      return keys;
    }
    if (equalsKeyword(arg, 'AUTH')) i += 1;
    else if (equalsKeyword(arg, 'AUTH2')) i += 2;
  }
  return keyEmpty ? null : [3];
}

const FINDERS: Readonly<Record<string, KeyFinder>> = { SORT: sortKeys, MIGRATE: migrateKeys };

// --- argument helpers ---

/** Case-insensitive compare of an argument with an upper-case ASCII keyword, without allocating. */
function equalsKeyword(arg: string | Uint8Array | number | bigint, keyword: string): boolean {
  if (typeof arg === 'number' || typeof arg === 'bigint') return false;
  const len = keyword.length;
  if (arg.length !== len) return false;
  const isString = typeof arg === 'string';
  for (let i = 0; i < len; i++) {
    let c = isString ? arg.charCodeAt(i) : arg[i]!;
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c !== keyword.charCodeAt(i)) return false;
  }
  return true;
}

/** A non-negative decimal count as Redis' string2ll accepts it ("0", no sign, no leading zero), else -1. */
function parseCount(arg: string | Uint8Array | number | bigint): number {
  if (typeof arg === 'number') return Number.isInteger(arg) && arg >= 0 && arg < 1e9 ? arg : -1;
  if (typeof arg === 'bigint') return arg >= 0n && arg < 1_000_000_000n ? Number(arg) : -1;
  const len = arg.length;
  if (len === 0 || len > 9) return -1;
  const isString = typeof arg === 'string';
  let value = 0;
  for (let i = 0; i < len; i++) {
    const c = isString ? arg.charCodeAt(i) : arg[i]!;
    if (c < 0x30 || c > 0x39 || (i === 0 && c === 0x30 && len > 1)) return -1;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

function argText(arg: string | Uint8Array | number | bigint): string {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'number' || typeof arg === 'bigint') return String(arg);
  return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString();
}

// --- errors ---

function parseError(message: string): ClusterError {
  return new ClusterError(REDIS_ERR_PROTOCOL, message.slice(0, MAX_MESSAGE_LENGTH));
}

function unknownCommand(argv: CommandArgv): ClusterError {
  const name = argText(argv[0]!);
  return parseError(
    argv.length > 1 ? `Unknown command ${name} ${argText(argv[1]!)}` : `Unknown command ${name}`,
  );
}

function failedToFindKeys(entry: Entry): ClusterError {
  return parseError(`Failed to find keys of command ${entry.name}`);
}

// --- table compilation (once, at load) ---

function compileSpec(info: CommandInfo['keySpecs'][number]): CompiledSpec {
  const spec: CompiledSpec = {
    begin: BEGIN_UNKNOWN,
    index: 0,
    keyword: '',
    startFrom: 0,
    find: FIND_UNKNOWN,
    lastKey: 0,
    keyStep: 1,
    limit: 0,
    keyNumIdx: 0,
    firstKey: 0,
  };
  const { begin, find } = info;
  if (begin.type === 'index') {
    spec.begin = BEGIN_INDEX;
    spec.index = begin.index;
  } else if (begin.type === 'keyword') {
    spec.begin = BEGIN_KEYWORD;
    spec.keyword = begin.keyword.toUpperCase();
    spec.startFrom = begin.startFrom;
  }
  if (find.type === 'range') {
    spec.find = FIND_RANGE;
    spec.lastKey = find.lastKey;
    spec.keyStep = find.keyStep;
    spec.limit = find.limit;
  } else if (find.type === 'keynum') {
    spec.find = FIND_KEYNUM;
    spec.keyNumIdx = find.keyNumIdx;
    spec.firstKey = find.firstKey;
    spec.keyStep = find.keyStep;
  }
  return spec;
}

/** Key positions valid for every argc the arity allows, or null when they depend on the arguments. */
function fixedKeys(specs: CompiledSpec[], arity: number): number[] | null {
  const minArgc = Math.abs(arity);
  const keys: number[] = [];
  for (const spec of specs) {
    if (spec.begin === BEGIN_UNKNOWN) continue;
    if (spec.begin !== BEGIN_INDEX || spec.find !== FIND_RANGE || spec.lastKey < 0) return null;
    const last = spec.index + spec.lastKey;
    if (last >= minArgc) return null;
    for (let i = spec.index; i <= last; i += spec.keyStep) keys.push(i);
  }
  return keys.length > 0 ? keys : null;
}

function compileEntry(name: string, info: CommandInfo): Entry {
  const specs = info.keySpecs.map(compileSpec);
  const finder = Object.hasOwn(FINDERS, name) ? FINDERS[name]! : null;
  const fixed = finder === null ? fixedKeys(specs, info.arity) : null;
  const readOnly = info.flags.includes('readonly');
  return {
    name,
    arity: info.arity,
    readOnly,
    specs,
    fixed: fixed === null ? null : Object.freeze({ name, keys: Object.freeze(fixed) as number[], readOnly }),
    finder,
    subcommands: null,
    tips: Object.freeze({ name, request: info.requestPolicy, response: info.responsePolicy }),
  };
}

function compileTable(): Map<string, Entry> {
  const table = new Map<string, Entry>();
  for (const name of Object.keys(COMMANDS)) {
    if (name.includes(' ')) continue;
    const info = COMMANDS[name]!;
    const entry = compileEntry(name, info);
    if (info.subcommands !== undefined) {
      const subs = new Map<string, Entry>();
      for (const sub of info.subcommands) {
        const full = `${name} ${sub}`;
        addName(subs, sub, compileEntry(full, COMMANDS[full]!));
      }
      entry.subcommands = subs;
    }
    addName(table, name, entry);
  }
  return table;
}

const TABLE = compileTable();
/** Longest command or subcommand name: longer byte arguments cannot be one. */
const MAX_NAME_LENGTH = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
