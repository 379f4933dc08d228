/**
 * Fuzz target (b), the format-string encoder: random formats (literals in any script, separators,
 * `%%`, `%s`, `%b`, every printf numeric conversion with random flags, widths, precisions and length
 * modifiers, invalid conversions) with random arguments of every type. Each must either encode to
 * exactly the bytes the reference model gives — through formatArgv + encodeArgv, a CommandWriter that
 * already holds commands, and encodeArgvInto a target with little or no room to spare — or fail with
 * exactly the model's error, a ClusterError REDIS_ERR_OTHER naming the problem.
 */
import { Buffer } from 'node:buffer';
import { ClusterError, REDIS_ERR_OTHER } from '../../lib/errors.js';
import { CommandWriter, encodeArgv, encodeArgvInto, formatArgv } from '../../lib/resp/encode.js';
import { type FormatVerdict, modelFormat, respOf } from './format-model.js';
import type { Random } from './random.js';
import { crash, Finding, type FuzzTarget, type Stats } from './target.js';

const LITERALS = [
  'SET',
  'GET',
  'key',
  ':',
  '{tag}',
  'é',
  '😀',
  '\ud83d',
  '\ude00',
  '\r\n',
  '\0',
  '\t',
  '"',
  'x',
];
const INVALID_CONVERSIONS = ['k', 'c', 'p', 'n', 'S', '-s', 'ls', '!', '%', ' '];
const LENGTHS = ['hh', 'h', 'l', 'll', 'q', 'j', 'z', 't', 'L'];
const INTEGER_LENGTHS = ['', '', '', '', 'hh', 'h', 'l', 'll', 'q', 'j', 'z', 't'];
const DOUBLE_LENGTHS = ['', '', '', 'l', 'L'];

/** Doubles where formatting goes wrong if it can: ties, powers of ten, the ends of the range. */
const DOUBLES = [
  0,
  -0,
  0.5,
  1.5,
  2.5,
  0.125,
  0.375,
  1e21,
  1e-7,
  123456.789,
  9.5,
  0.05,
  1 / 3,
  2 ** 52 + 0.5,
  2 ** 53,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  2.2250738585072014e-308,
  Infinity,
  -Infinity,
  Number.NaN,
  999999.5,
  0.000099999,
  1e100,
  5e-324,
];
const INTEGERS: unknown[] = [
  0,
  1,
  -1,
  127,
  128,
  255,
  256,
  -129,
  32767,
  65535,
  65536,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 32,
  2 ** 53,
  -(2 ** 53),
  1e300,
  2n ** 63n,
  -(2n ** 63n),
  2n ** 64n - 1n,
  2n ** 64n,
  10n ** 30n,
];
const WRONG: unknown[] = [null, true, {}, [], 'text', 1.5, Number.NaN, Infinity, Symbol('s'), () => 1];

function randomDouble(rng: Random): number {
  if (rng.chance(0.3)) return rng.pick(DOUBLES);
  if (rng.chance(0.3)) return Math.round((rng.float() - 0.5) * 10 ** rng.range(0, 8)) / 2 ** rng.range(0, 12);
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, rng.next());
  view.setUint32(4, rng.next());
  return view.getFloat64(0);
}

function randomInteger(rng: Random): unknown {
  if (rng.chance(0.4)) return rng.pick(INTEGERS);
  const value = BigInt.asIntN(64, (BigInt(rng.next()) << 32n) | BigInt(rng.next())) >> BigInt(rng.int(64));
  return rng.chance(0.5) ? value : Number(value);
}

function randomText(rng: Random): string {
  let text = '';
  for (let n = rng.size(4); n > 0; n--) text += rng.pick([...LITERALS, ' ', 'a b']);
  return text;
}

function field(rng: Random): string {
  const roll = rng.float();
  if (roll < 0.5) return '';
  if (roll < 0.97) return String(rng.int(25));
  return rng.pick(['1048576', '1048577', '99999999999999999999']);
}

/** A `%...` numeric conversion (sometimes an invalid one) and an argument for it. */
function conversion(rng: Random): [string, unknown] {
  let text = '%';
  for (let n = rng.int(4); n > 0; n--) text += rng.pick(['#', '0', '-', '+', ' ']);
  text += field(rng);
  if (rng.chance(0.4)) text += `.${field(rng)}`;
  if (rng.chance(0.04)) return [text + rng.pick(LENGTHS) + rng.pick(INVALID_CONVERSIONS), rng.pick(INTEGERS)];
  const integer = rng.chance(0.5);
  // Mostly the modifiers that fit; sometimes any (a double with 'h' is an error).
  text += rng.chance(0.1) ? rng.pick(LENGTHS) : rng.pick(integer ? INTEGER_LENGTHS : DOUBLE_LENGTHS);
  const c = rng.pick(integer ? [...'diouxX'] : [...'eEfFgGaA']);
  const arg = rng.chance(0.03) ? rng.pick(WRONG) : integer ? randomInteger(rng) : randomDouble(rng);
  return [text + c, arg];
}

function bytesArg(rng: Random): unknown {
  const roll = rng.float();
  if (roll < 0.4) return randomText(rng);
  if (roll < 0.75) return rng.bytes(rng.size(6));
  if (roll < 0.8) return new Uint8Array(0);
  if (roll < 0.95) return Buffer.from(randomText(rng));
  return rng.pick(WRONG);
}

/** A random format with its arguments (sometimes too few, sometimes too many). */
function formatCase(rng: Random): [unknown, unknown[]] {
  if (rng.chance(0.01)) return [rng.pick([42, null, undefined, Buffer.from('GET k')]), []];
  let format = '';
  const args: unknown[] = [];
  for (let n = rng.range(rng.chance(0.05) ? 0 : 1, 8); n > 0; n--) {
    const roll = rng.float();
    if (roll < 0.3) format += randomText(rng);
    else if (roll < 0.4) format += ' '.repeat(rng.range(1, 3));
    else if (roll < 0.5) format += '%%';
    else if (roll < 0.7) {
      format += rng.pick(['%s', '%b']);
      args.push(bytesArg(rng));
    } else {
      const [text, arg] = conversion(rng);
      format += text;
      args.push(arg);
    }
  }
  if (rng.chance(0.05)) format += rng.pick(['%', '%5', '%l', '%.', '%-']);
  if (rng.chance(0.05) && args.length > 0) args.pop();
  if (rng.chance(0.05)) args.push('extra');
  return [format, args];
}

function show(format: unknown, args: unknown[]): string {
  const text = (v: unknown): string => {
    if (v instanceof Uint8Array) return `<bytes ${Buffer.from(v).toString('hex')}>`;
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    if (typeof v === 'string') return JSON.stringify(v);
    return typeof v === 'symbol' || typeof v === 'function' ? typeof v : String(JSON.stringify(v));
  };
  return `format ${text(format)} args [${args.map(text).join(', ')}]`;
}

/** What the code does: the bytes of one encoded command, or its ClusterError. */
function encoded(format: unknown, args: unknown[], shown: string): FormatVerdict & { bytes?: Buffer } {
  try {
    const argv = formatArgv(format as string, args);
    return { argv: argv.map((a) => Buffer.from(a)), bytes: encodeArgv(argv) };
  } catch (err) {
    if (err instanceof ClusterError && err.code === REDIS_ERR_OTHER) return { error: err.message };
    throw crash('formatArgv/encodeArgv', err, shown);
  }
}

/** The model's verdict for the whole pipeline: an empty argv is no command. */
function expected(format: unknown, args: unknown[]): FormatVerdict {
  const verdict = modelFormat(format, args);
  if ('argv' in verdict && verdict.argv.length === 0)
    return { error: 'Invalid command: argv must be a non-empty array' };
  return verdict;
}

/** Encodes `argv` into a target with `slack` bytes to spare (negative: too small) after `offset`. */
function checkInto(argv: readonly (string | Uint8Array)[], resp: Buffer, rng: Random, shown: string): void {
  const offset = rng.int(16);
  const slack = rng.pick([-1, 0, 0, 1, 3, 64]);
  const target = Buffer.alloc(offset + resp.length + slack, 0xee);
  const end = encodeArgvInto(target, offset, argv);
  if (slack < 0) {
    if (end !== -1)
      throw new Finding(`encodeArgvInto wrote past a target ${-slack} byte(s) too small (end ${end})`, shown);
    return;
  }
  if (end !== offset + resp.length || !target.subarray(offset, end).equals(resp)) {
    throw new Finding(
      `encodeArgvInto at ${offset} with ${slack} bytes to spare wrote ${JSON.stringify(target.subarray(offset, Math.max(offset, end)).toString('latin1'))}`,
      shown,
    );
  }
}

function formatTargetCase(rng: Random, stats: Stats): void {
  const [format, args] = formatCase(rng);
  const shown = show(format, args);
  const want = expected(format, args);
  const got = encoded(format, args, shown);
  if ('error' in want) {
    if (!('error' in got) || got.error !== want.error) {
      throw new Finding(
        `expected the error "${want.error}", got ${'error' in got ? `"${got.error}"` : JSON.stringify(got.bytes!.toString('latin1'))}`,
        shown,
      );
    }
    stats.add(`error: ${want.error.replace(/'.*$|\d.*$/, '').trim()}`);
    return;
  }
  const resp = respOf(want.argv);
  if ('error' in got)
    throw new Finding(
      `expected ${JSON.stringify(resp.toString('latin1'))}, got the error "${got.error}"`,
      shown,
    );
  if (!got.bytes!.equals(resp)) {
    throw new Finding(
      `expected ${JSON.stringify(resp.toString('latin1'))}\n  got      ${JSON.stringify(got.bytes!.toString('latin1'))}`,
      shown,
    );
  }
  stats.add('encoded');
  if (typeof format === 'string')
    for (const m of format.matchAll(/%[-#0+ .0-9hlqjztL]*([a-zA-Z%])/g)) stats.add(`conversion %${m[1]}`);
  // The same argv after other commands in a writer, and into a fixed target.
  const argv = formatArgv(format as string, args);
  const writer = new CommandWriter(rng.range(1, 64));
  const before = encodeArgv(['PING', rng.bytes(rng.size(5))]);
  writer.writeRaw(before);
  writer.writeArgv(argv);
  if (!writer.view().equals(Buffer.concat([before, resp])))
    throw new Finding('a CommandWriter holding a command wrote other bytes', shown);
  checkInto(argv, resp, rng, shown);
}

/** Target (b): the format-string encoder. */
export const formatTarget: FuzzTarget = {
  name: 'format',
  run: formatTargetCase,
};
