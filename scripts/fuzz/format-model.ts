/**
 * The format-string encoder's reference model: hiredis' `redisFormatCommand` rules and C printf's
 * numeric conversions as the README documents them, computed a different way from lib/resp (decimal
 * conversions by exact rational arithmetic on BigInts, one number at a time), so that the two can
 * disagree. Gives the argv a format makes, or the exact error it must get.
 */
import { Buffer } from 'node:buffer';

/** What a format and its arguments must give: the argv, or the error message. */
export type FormatVerdict = { argv: Buffer[] } | { error: string };

const MAX_FIELD = 1 << 20;
const INTEGER = 'diouxX';
const DOUBLE = 'eEfFgGaA';

interface Conversion {
  text: string;
  flags: string;
  width: number;
  precision: number;
  length: string;
  conversion: string;
}

/** A piece of an argument: literal text, `%s`/`%b`, or a numeric conversion. */
type Piece = { literal: string } | { string: '%s' | '%b' } | { numeric: Conversion };

class FormatError extends Error {}

function invalid(detail: string): never {
  throw new FormatError(`Invalid format string: ${detail}`);
}

/** Parses the conversion at format[start] === '%'; returns it and the index after it. */
function conversionAt(format: string, start: number): [Conversion, number] {
  let i = start + 1;
  let flags = '';
  while (i < format.length && '#0-+ '.includes(format[i]!)) flags += format[i++];
  const field = (): number => {
    const from = i;
    while (i < format.length && format[i]! >= '0' && format[i]! <= '9') i++;
    if (i === from) return -1;
    const value = Number(format.slice(from, i));
    if (value > MAX_FIELD) {
      invalid(`field width or precision ${value} in '${format.slice(start, i)}' exceeds ${MAX_FIELD}`);
    }
    return value;
  };
  const width = field();
  let precision = -1;
  if (format[i] === '.') {
    i++;
    precision = Math.max(0, field());
  }
  let length = '';
  for (const modifier of ['hh', 'h', 'll', 'l', 'q', 'j', 'z', 't', 'L']) {
    if (format.startsWith(modifier, i)) {
      length = modifier;
      i += modifier.length;
      break;
    }
  }
  if (i >= format.length) invalid(`incomplete conversion '${format.slice(start)}' at the end`);
  const conversion = format[i]!;
  const text = format.slice(start, i + 1);
  if (!INTEGER.includes(conversion) && !DOUBLE.includes(conversion))
    invalid(`unsupported conversion '${text}'`);
  const fits = DOUBLE.includes(conversion) ? ['', 'l', 'L'].includes(length) : length !== 'L';
  if (!fits) invalid(`length modifier '${length}' does not apply to '${text}'`);
  return [{ text, flags, width, precision, length, conversion }, i + 1];
}

/** The arguments of a format as pieces (null: an argument that is only separators). */
function compile(format: string): Piece[][] {
  const args: Piece[][] = [];
  let current: Piece[] | null = null;
  const units = format.split('');
  let i = 0;
  const add = (piece: Piece) => {
    current ??= [];
    current.push(piece);
  };
  while (i < units.length) {
    const c = units[i]!;
    if (c === ' ') {
      if (current !== null) args.push(current);
      current = null;
      i++;
    } else if (c !== '%' || i === units.length - 1) {
      add({ literal: c });
      i++;
    } else if (units[i + 1] === '%') {
      add({ literal: '%' });
      i += 2;
    } else if (units[i + 1] === 's' || units[i + 1] === 'b') {
      add({ string: `%${units[i + 1]}` as '%s' | '%b' });
      i += 2;
    } else {
      const [conversion, next] = conversionAt(format, i);
      add({ numeric: conversion });
      i = next;
    }
  }
  if (current !== null) args.push(current);
  return args;
}

function describeArg(arg: unknown): string {
  if (arg === null) return 'null';
  return typeof arg === 'number' ? `the number ${arg}` : typeof arg;
}

/** A `%s`/`%b` argument: text stays text (it joins the text around it), bytes are bytes. */
function stringArg(kind: string, arg: unknown, n: number): string | Uint8Array {
  if (typeof arg === 'string' || arg instanceof Uint8Array) return arg;
  invalid(
    `'${kind}' expects a string or a Uint8Array, got ${arg === null ? 'null' : typeof arg} (argument ${n})`,
  );
}

/**
 * The argv hiredis' formatter makes of `format` and `args`, or the error it must give. The text pieces
 * of one argument form one JavaScript string, encoded as UTF-8 as a whole (so a surrogate pair split
 * between a literal and a `%s` value is still one character); byte values go in as they are.
 */
export function modelFormat(format: unknown, args: readonly unknown[]): FormatVerdict {
  try {
    if (typeof format !== 'string') invalid(`expected a string, got ${typeof format}`);
    const argv: Buffer[] = [];
    const compiled = compile(format);
    // One value per conversion, exactly: counted over the whole format before any value is read.
    const conversions = compiled.flat().filter((piece) => !('literal' in piece)).length;
    if (args.length !== conversions) {
      invalid(`wrong number of arguments, expected ${conversions} (one per conversion), got ${args.length}`);
    }
    let next = 0;
    for (const pieces of compiled) {
      const bytes: Buffer[] = [];
      let text = '';
      for (const piece of pieces) {
        let value: string | Uint8Array;
        if ('literal' in piece) value = piece.literal;
        else if ('string' in piece) value = stringArg(piece.string, args[next], ++next);
        else value = numeric(piece.numeric, args[next], ++next);
        if (typeof value === 'string') text += value;
        else {
          bytes.push(Buffer.from(text, 'utf8'), Buffer.from(value));
          text = '';
        }
      }
      bytes.push(Buffer.from(text, 'utf8'));
      argv.push(Buffer.concat(bytes));
    }
    return { argv };
  } catch (err) {
    if (err instanceof FormatError) return { error: err.message };
    throw err;
  }
}

/** The RESP multibulk of an argv. */
export function respOf(argv: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const arg of argv) parts.push(Buffer.from(`$${arg.length}\r\n`), arg, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------------
// Numbers

function numeric(spec: Conversion, arg: unknown, n: number): string {
  if (INTEGER.includes(spec.conversion)) {
    if (typeof arg === 'bigint' || (typeof arg === 'number' && Number.isInteger(arg))) {
      return integer(spec, BigInt(arg));
    }
    invalid(`'${spec.text}' expects an integer number or a bigint, got ${describeArg(arg)} (argument ${n})`);
  }
  if (typeof arg === 'number' || typeof arg === 'bigint') return double(spec, Number(arg));
  return invalid(`'${spec.text}' expects a number, got ${describeArg(arg)} (argument ${n})`);
}

/** Width padding; zeros go between the sign/prefix and the digits. */
function padded(spec: Conversion, prefix: string, body: string, zeros: boolean): string {
  const fill = Math.max(0, spec.width - prefix.length - body.length);
  if (spec.flags.includes('-')) return prefix + body + ' '.repeat(fill);
  if (zeros && spec.flags.includes('0')) return prefix + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + prefix + body;
}

function sign(negative: boolean, flags: string): string {
  if (negative) return '-';
  if (flags.includes('+')) return '+';
  return flags.includes(' ') ? ' ' : '';
}

function integer(spec: Conversion, value: bigint): string {
  const signed = spec.conversion === 'd' || spec.conversion === 'i';
  const bits = { hh: 8, h: 16, '': 32 }[spec.length] ?? 64;
  // char and short truncate as C; wider types wrap only negatives of unsigned conversions (documented).
  if (bits <= 16 || (!signed && value < 0n)) {
    const mod = 1n << BigInt(bits);
    value = ((value % mod) + mod) % mod;
    if (signed && value >= mod / 2n) value -= mod;
  }
  const magnitude = value < 0n ? -value : value;
  const base = spec.conversion === 'o' ? 8 : 'xX'.includes(spec.conversion) ? 16 : 10;
  let digits = magnitude === 0n && spec.precision === 0 ? '' : magnitude.toString(base);
  if (spec.conversion === 'X') digits = digits.toUpperCase();
  digits = digits.padStart(spec.precision, '0');
  let prefix = '';
  if (signed) prefix = sign(value < 0n, spec.flags);
  else if (spec.flags.includes('#')) {
    if (spec.conversion === 'o' && !digits.startsWith('0')) digits = `0${digits}`;
    if (spec.conversion !== 'o' && spec.conversion !== 'u' && magnitude !== 0n)
      prefix = `0${spec.conversion}`;
  }
  return padded(spec, prefix, digits, spec.precision < 0);
}

/** x = m * 2^e exactly, for finite x >= 0. */
function exact(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  return biased === 0 ? [fraction, -1074] : [fraction | (1n << 52n), biased - 1075];
}

/** round-half-even(x * 10^k) for finite x >= 0. */
function scaled(x: number, k: number): bigint {
  const [m, e] = exact(x);
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  const q = num / den;
  const twice = 2n * (num % den);
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

/** Whether x >= 10^k, exactly. */
function atLeastPowerOfTen(x: number, k: number): boolean {
  const [m, e] = exact(x);
  const left = e >= 0 ? m << BigInt(e) : m;
  const leftDen = e >= 0 ? 1n : 1n << BigInt(-e);
  return k >= 0 ? left >= 10n ** BigInt(k) * leftDen : left * 10n ** BigInt(-k) >= leftDen;
}

function fixed(x: number, precision: number, hash: boolean): string {
  const digits = scaled(x, precision)
    .toString()
    .padStart(precision + 1, '0');
  const whole = digits.slice(0, digits.length - precision);
  const fraction = digits.slice(digits.length - precision);
  return precision > 0 || hash ? `${whole}.${fraction}` : whole;
}

/** The digits (precision + 1 of them) and decimal exponent of x in %e form. */
function scientific(x: number, precision: number): [string, number] {
  if (x === 0) return ['0'.repeat(precision + 1), 0];
  let e = Math.floor(Math.log10(x));
  while (!atLeastPowerOfTen(x, e)) e--;
  while (atLeastPowerOfTen(x, e + 1)) e++;
  let digits = scaled(x, precision - e);
  if (digits >= 10n ** BigInt(precision + 1)) {
    e++;
    digits = scaled(x, precision - e);
  }
  return [digits.toString(), e];
}

function exponential(digits: string, e: number, upper: boolean, hash: boolean): string {
  const mantissa = digits.length > 1 || hash ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${mantissa}${upper ? 'E' : 'e'}${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function general(x: number, precision: number, upper: boolean, hash: boolean): string {
  const p = precision < 0 ? 6 : Math.max(precision, 1);
  const [digits, e] = scientific(x, p - 1);
  const body = p > e && e >= -4 ? fixed(x, p - 1 - e, hash) : exponential(digits, e, upper, hash);
  if (hash) return body;
  const cut = body.search(/[eE]/);
  const mantissa = cut < 0 ? body : body.slice(0, cut);
  const tail = cut < 0 ? '' : body.slice(cut);
  return (mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa) + tail;
}

function hexadecimal(x: number, precision: number, hash: boolean): string {
  const [m, e] = exact(x);
  // glibc writes normal numbers as 1.h...p(e) and subnormals as 0.h...p-1022; zero is 0p+0.
  let units = x === 0 ? 0n : m;
  const exponent = x === 0 ? 0 : e === -1074 ? -1022 : e + 52;
  let nibbles = 13;
  if (precision >= 0 && precision < 13) {
    const drop = BigInt(4 * (13 - precision));
    const rest = units & ((1n << drop) - 1n);
    const half = 1n << (drop - 1n);
    units >>= drop;
    if (rest > half || (rest === half && (units & 1n) === 1n)) units++;
    nibbles = precision;
  }
  const lead = units >> BigInt(4 * nibbles);
  let fraction = (units & ((1n << BigInt(4 * nibbles)) - 1n)).toString(16).padStart(nibbles, '0');
  if (nibbles === 0) fraction = '';
  if (precision < 0) fraction = fraction.replace(/0+$/, '');
  else fraction = fraction.padEnd(precision, '0');
  const point = fraction !== '' || hash ? '.' : '';
  return `${lead.toString(16)}${point}${fraction}p${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
}

function double(spec: Conversion, x: number): string {
  const c = spec.conversion;
  const upper = c === c.toUpperCase();
  const hash = spec.flags.includes('#');
  if (Number.isNaN(x)) return padded(spec, sign(false, spec.flags), upper ? 'NAN' : 'nan', false);
  const prefix = sign(x < 0 || Object.is(x, -0), spec.flags);
  if (!Number.isFinite(x)) return padded(spec, prefix, upper ? 'INF' : 'inf', false);
  const a = Math.abs(x);
  const p = spec.precision;
  if (c === 'f' || c === 'F') return padded(spec, prefix, fixed(a, p < 0 ? 6 : p, hash), true);
  if (c === 'e' || c === 'E') {
    const [digits, e] = scientific(a, p < 0 ? 6 : p);
    return padded(spec, prefix, exponential(digits, e, upper, hash), true);
  }
  if (c === 'g' || c === 'G') return padded(spec, prefix, general(a, p, upper, hash), true);
  const body = hexadecimal(a, p, hash);
  return padded(spec, prefix + (upper ? '0X' : '0x'), upper ? body.toUpperCase() : body, true);
}
