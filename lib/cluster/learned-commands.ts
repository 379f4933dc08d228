/**
 * Commands the built-in table lacks (a newer server's, a module's), learned from the cluster: the first
 * time one is refused as unknown, a node is asked `COMMAND INFO <name>` and its key specs, flags and tips
 * are read the way scripts/gen-commands.mjs reads them; the command is then routed by its keys. Per context,
 * bounded; each name is asked once (a server that does not know it either gets the command itself, to
 * answer with its own error).
 */
import { Buffer } from 'node:buffer';
import type { CommandArg } from '../resp/encode.js';
import { CommandTable } from './command-keys.js';
import type { BeginSearch, CommandInfo, FindKeys, KeySpec } from './commands.generated.js';

/** Names learned or asked about at most, per context. */
export const MAX_LEARNED = 256;

export class CommandLearning {
  readonly table = new CommandTable();
  /** Names asked about already (learned or not), upper case. */
  private readonly asked = new Set<string>();

  /** The upper-case name to ask about for `argv`, or null when it was asked already or the bound is met. */
  toLearn(argv: readonly CommandArg[]): string | null {
    const first = argv[0];
    if (typeof first !== 'string' && !(first instanceof Uint8Array)) return null;
    const name = (typeof first === 'string' ? first : Buffer.from(first).toString()).toUpperCase();
    if (this.asked.has(name) || this.asked.size >= MAX_LEARNED) return null;
    this.asked.add(name);
    return name;
  }

  /** The question for `name`. */
  question(name: string): CommandArg[] {
    return ['COMMAND', 'INFO', name];
  }

  /** Learns from COMMAND INFO's reply; false when the server does not know the command either. */
  learn(name: string, reply: unknown): boolean {
    const info = Array.isArray(reply) ? reply[0] : null;
    if (!Array.isArray(info)) return false;
    try {
      const subcommands = new Map<string, CommandInfo>();
      for (const sub of list(info[9])) {
        const subName = String((sub as unknown[])[0]).split('|')[1];
        if (subName) subcommands.set(subName.toUpperCase(), parseCommandInfo(sub as unknown[]));
      }
      this.table.add(name, parseCommandInfo(info), subcommands);
      return true;
    } catch {
      return false; // a reply this reader does not follow: the command goes to a node as it is
    }
  }
}

/** One COMMAND INFO entry (RESP2 arrays of pairs or RESP3 maps) as the table's CommandInfo. */
export function parseCommandInfo(info: unknown[]): CommandInfo {
  const [, arity, flags, firstKey, lastKey, step, , tips, specs] = info;
  const tipList = list(tips).map(String);
  const tip = (prefix: string) => tipList.find((t) => t.startsWith(prefix))?.slice(prefix.length);
  return {
    arity: Number(arity),
    flags: list(flags).map(String),
    firstKey: Number(firstKey),
    lastKey: Number(lastKey),
    step: Number(step),
    group: '',
    keySpecs: list(specs).map(keySpec),
    tips: tipList,
    requestPolicy: tip('request_policy:') as CommandInfo['requestPolicy'],
    responsePolicy: tip('response_policy:') as CommandInfo['responsePolicy'],
  };
}

function keySpec(raw: unknown): KeySpec {
  const spec = record(raw);
  const bs = record(spec.begin_search);
  const fk = record(spec.find_keys);
  const bsSpec = record(bs.spec);
  const fkSpec = record(fk.spec);
  let begin: BeginSearch = { type: 'unknown' };
  if (bs.type === 'index') begin = { type: 'index', index: Number(bsSpec.index) };
  else if (bs.type === 'keyword')
    begin = { type: 'keyword', keyword: String(bsSpec.keyword), startFrom: Number(bsSpec.startfrom) };
  let find: FindKeys = { type: 'unknown' };
  if (fk.type === 'range')
    find = {
      type: 'range',
      lastKey: Number(fkSpec.lastkey),
      keyStep: Number(fkSpec.keystep),
      limit: Number(fkSpec.limit),
    };
  else if (fk.type === 'keynum')
    find = {
      type: 'keynum',
      keyNumIdx: Number(fkSpec.keynumidx),
      firstKey: Number(fkSpec.firstkey),
      keyStep: Number(fkSpec.keystep),
    };
  return { flags: list(spec.flags).map(String), begin, find };
}

/** An array, or a RESP3 set, as an array. */
function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value instanceof Set ? [...value] : [];
}

/** A RESP3 map (Map or object) or a RESP2 array of name/value pairs, as an object. */
function record(value: unknown): Record<string, unknown> {
  if (value instanceof Map) return Object.fromEntries(value);
  if (Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < value.length; i += 2) out[String(value[i])] = value[i + 1];
    return out;
  }
  if (typeof value === 'object' && value !== null) return value as Record<string, unknown>;
  return {};
}
