/**
 * C printf numeric conversions for hiredis-style format strings (`%d`, `%05.1f`, `%llx`, `%a`, ...).
 *
 * hiredis hands these to the C library's vsnprintf; we reproduce glibc's output for JS numbers and
 * bigints: exact decimal expansion of the binary double, ties rounded to even, `inf`/`nan` spelling.
 */
import { otherError } from '../errors.js';

const FLAG_MINUS = 1;
const FLAG_PLUS = 2;
const FLAG_SPACE = 4;
const FLAG_ZERO = 8;
const FLAG_HASH = 16;

/** Widths and precisions above this are refused: C would try to print gigabytes. */
const MAX_FIELD = 1 << 20;

/** One parsed `%[flags][width][.precision][length]conversion`. */
export interface NumericConversion {
  /** The conversion as written, e.g. `%-08.3lld`, for error messages. */
  text: string;
  /** Index just past the conversion character in the format. */
  end: number;
  flags: number;
  /** -1 when absent. */
  width: number;
  /** -1 when absent. */
  precision: number;
  /** '' or one of hh h l ll q j z t L. */
  length: string;
  /** One of d i o u x X e E f F g G a A. */
  conversion: string;
}

const INTEGER_CONVERSIONS = 'diouxX';
const DOUBLE_CONVERSIONS = 'eEfFgGaA';
const FLAG_CHARS = '#0-+ ';
const FLAG_BITS = [FLAG_HASH, FLAG_ZERO, FLAG_MINUS, FLAG_PLUS, FLAG_SPACE];

function invalid(detail: string): Error {
  return otherError(`Invalid format string: ${detail}`);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Parses the numeric conversion whose `%` is at `format[start]`. Length modifiers follow C99 (hh h l ll
 * j z t, and BSD's q) for integers; `l` and `L` are accepted (and ignored) for doubles as C allows.
 * Anything else throws otherError('Invalid format string: ...').
 */
export function parseNumericConversion(format: string, start: number): NumericConversion {
  let i = start + 1;
  let flags = 0;
  // At the end charAt gives '', which indexOf finds at 0: the bound keeps '%-' from looping forever.
  while (i < format.length) {
    const f = FLAG_CHARS.indexOf(format.charAt(i));
    if (f < 0) break;
    flags |= FLAG_BITS[f]!;
    i++;
  }
  let width = -1;
  let precision = -1;
  const widthStart = i;
  while (isDigit(format.charCodeAt(i))) i++;
  if (i > widthStart) width = fieldValue(format, widthStart, i, start);
  if (format.charAt(i) === '.') {
    const precisionStart = ++i;
    while (isDigit(format.charCodeAt(i))) i++;
    precision = i > precisionStart ? fieldValue(format, precisionStart, i, start) : 0;
  }
  const lengthStart = i;
  const c = format.charAt(i);
  if (c === 'h' || c === 'l') i += format.charAt(i + 1) === c ? 2 : 1;
  else if (c === 'q' || c === 'j' || c === 'z' || c === 't' || c === 'L') i++;
  const length = format.slice(lengthStart, i);
  const conversion = format.charAt(i);
  if (conversion === '') {
    throw invalid(`incomplete conversion '${format.slice(start)}' at the end`);
  }
  const text = format.slice(start, i + 1);
  const isInteger = INTEGER_CONVERSIONS.includes(conversion);
  const isDouble = DOUBLE_CONVERSIONS.includes(conversion);
  if (!isInteger && !isDouble) throw invalid(`unsupported conversion '${text}'`);
  if (isDouble ? length !== '' && length !== 'l' && length !== 'L' : length === 'L') {
    throw invalid(`length modifier '${length}' does not apply to '${text}'`);
  }
  return { text, end: i + 1, flags, width, precision, length, conversion };
}

function fieldValue(format: string, from: number, to: number, start: number): number {
  const value = Number(format.slice(from, to));
  if (value > MAX_FIELD) {
    throw invalid(`field width or precision ${value} in '${format.slice(start, to)}' exceeds ${MAX_FIELD}`);
  }
  return value;
}

/** Formats `arg` like C printf would for `spec`; a wrongly typed arg throws 'Invalid format string: ...'. */
export function formatNumeric(spec: NumericConversion, arg: unknown, argNumber: number): string {
  if (INTEGER_CONVERSIONS.includes(spec.conversion)) {
    let value: bigint;
    if (typeof arg === 'bigint') value = arg;
    else if (typeof arg === 'number' && Number.isInteger(arg)) {
      // The common plain '%d' of a safe integer skips the bigint path.
      if (spec.flags === 0 && spec.width < 0 && spec.precision < 0 && spec.length === '') {
        if ((spec.conversion === 'd' || spec.conversion === 'i') && Number.isSafeInteger(arg))
          return String(arg);
      }
      value = BigInt(arg);
    } else throw wrongType(spec, 'an integer number or a bigint', arg, argNumber);
    return formatInteger(spec, value);
  }
  if (typeof arg === 'number') return formatDouble(spec, arg);
  if (typeof arg === 'bigint') return formatDouble(spec, Number(arg));
  throw wrongType(spec, 'a number', arg, argNumber);
}

function wrongType(spec: NumericConversion, expected: string, arg: unknown, argNumber: number): Error {
  const got = typeof arg === 'number' ? `the number ${arg}` : arg === null ? 'null' : typeof arg;
  return invalid(`'${spec.text}' expects ${expected}, got ${got} (argument ${argNumber})`);
}

/** Bits of the C type a length modifier names (LP64), used for C's integer conversions. */
function typeBits(length: string): number {
  if (length === 'hh') return 8;
  if (length === 'h') return 16;
  if (length === '') return 32;
  return 64;
}

function formatInteger(spec: NumericConversion, value: bigint): string {
  const conv = spec.conversion;
  const signed = conv === 'd' || conv === 'i';
  const bits = typeBits(spec.length);
  // hh and h convert to char/short as C defines; wider types only wrap negatives for unsigned conversions,
  // so a JS value larger than a C int is printed whole rather than silently truncated.
  if (bits <= 16) value = signed ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value);
  else if (!signed && value < 0n) value = BigInt.asUintN(bits, value);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const base = conv === 'o' ? 8 : conv === 'x' || conv === 'X' ? 16 : 10;
  let digits = spec.precision === 0 && magnitude === 0n ? '' : magnitude.toString(base);
  if (conv === 'X') digits = digits.toUpperCase();
  if (spec.precision > digits.length) digits = '0'.repeat(spec.precision - digits.length) + digits;
  let prefix = '';
  if (spec.flags & FLAG_HASH) {
    if (conv === 'o' && digits.charAt(0) !== '0') digits = `0${digits}`;
    else if ((conv === 'x' || conv === 'X') && magnitude !== 0n) prefix = conv === 'x' ? '0x' : '0X';
  }
  if (signed) prefix = signPrefix(negative, spec.flags);
  return pad(spec, prefix, digits, spec.precision < 0);
}

function signPrefix(negative: boolean, flags: number): string {
  if (negative) return '-';
  if (flags & FLAG_PLUS) return '+';
  if (flags & FLAG_SPACE) return ' ';
  return '';
}

/** Width padding: left spaces, right spaces with '-', or zeros between prefix and digits with '0'. */
function pad(spec: NumericConversion, prefix: string, body: string, zeroAllowed: boolean): string {
  const fill = spec.width - prefix.length - body.length;
  if (fill <= 0) return prefix + body;
  if (spec.flags & FLAG_MINUS) return prefix + body + ' '.repeat(fill);
  if (spec.flags & FLAG_ZERO && zeroAllowed) return prefix + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + prefix + body;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The exact decimal value of a finite non-negative double: 0.D × 10^E with D free of leading zeros ('' for 0). */
interface Decimal {
  digits: string;
  exponent: number;
}

function exactDecimal(x: number): Decimal {
  if (x === 0) return { digits: '', exponent: 0 };
  const [mantissa, exponent2] = binaryParts(x);
  if (exponent2 >= 0) {
    const digits = (mantissa << BigInt(exponent2)).toString();
    return { digits, exponent: digits.length };
  }
  // m / 2^k = m * 5^k / 10^k: an exact, finite decimal expansion.
  const k = -exponent2;
  const digits = (mantissa * 5n ** BigInt(k)).toString();
  return { digits, exponent: digits.length - k };
}

/** x = mantissa * 2^exponent for finite x > 0. */
function binaryParts(x: number): [bigint, number] {
  f64[0] = x;
  const bits = u64[0]!;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  if (biased === 0) return [fraction, -1074];
  return [fraction | (1n << 52n), biased - 1075];
}

/**
 * Keeps the first `keep` digits of 0.D, rounding half to even on the exact remainder (glibc's behaviour
 * in the default rounding mode). Returns the kept digits (length `keep`, or keep + 1 after a carry).
 */
function roundDigits(digits: string, keep: number): string {
  if (keep >= digits.length) return digits + '0'.repeat(keep - digits.length);
  if (keep < 0) return '';
  const kept = digits.slice(0, keep);
  const first = digits.charCodeAt(keep) - 48;
  let up = first > 5;
  if (first === 5) {
    const sticky = /[1-9]/.test(digits.slice(keep + 1));
    const lastOdd = keep > 0 && (digits.charCodeAt(keep - 1) - 48) % 2 === 1;
    up = sticky || lastOdd;
  }
  return up ? incrementDigits(kept) : kept;
}

function incrementDigits(digits: string): string {
  let i = digits.length - 1;
  while (i >= 0 && digits.charAt(i) === '9') i--;
  if (i < 0) return `1${'0'.repeat(digits.length)}`;
  return (
    digits.slice(0, i) + String.fromCharCode(digits.charCodeAt(i) + 1) + '0'.repeat(digits.length - i - 1)
  );
}

function fixedBody(x: number, precision: number, hash: boolean): string {
  const { digits, exponent } = exactDecimal(x);
  const keep = exponent + precision;
  let rounded = roundDigits(digits, keep);
  let intDigits = exponent;
  if (rounded.length > Math.max(keep, 0)) intDigits++;
  if (rounded === '') rounded = '0'.repeat(precision);
  let intPart: string;
  let fraction: string;
  if (intDigits > 0) {
    intPart = rounded.slice(0, intDigits);
    fraction = rounded.slice(intDigits);
  } else {
    intPart = '0';
    fraction = ('0'.repeat(-intDigits) + rounded).slice(0, precision);
  }
  if (fraction === '' && !hash) return intPart;
  return `${intPart}.${fraction}`;
}

/** [digits with precision + 1 significant digits, decimal exponent of the first digit] */
function scientific(x: number, precision: number): [string, number] {
  const { digits, exponent } = exactDecimal(x);
  if (digits === '') return ['0'.repeat(precision + 1), 0];
  let rounded = roundDigits(digits, precision + 1);
  let exp = exponent - 1;
  if (rounded.length > precision + 1) {
    rounded = rounded.slice(0, precision + 1);
    exp++;
  }
  return [rounded, exp];
}

function exponentBody(digits: string, exp: number, upper: boolean, hash: boolean): string {
  const mantissa = digits.length > 1 || hash ? `${digits.charAt(0)}.${digits.slice(1)}` : digits;
  const abs = Math.abs(exp);
  return `${mantissa}${upper ? 'E' : 'e'}${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function generalBody(x: number, precision: number, upper: boolean, hash: boolean): string {
  const p = precision < 0 ? 6 : precision === 0 ? 1 : precision;
  const [digits, exp] = scientific(x, p - 1);
  let body: string;
  if (p > exp && exp >= -4) body = fixedBody(x, p - 1 - exp, hash);
  else body = exponentBody(digits, exp, upper, hash);
  if (hash) return body;
  // %g drops trailing zeros of the fraction, and the point when nothing follows it.
  const e = body.search(/[eE]/);
  const mantissa = e < 0 ? body : body.slice(0, e);
  const tail = e < 0 ? '' : body.slice(e);
  return mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') + tail : body;
}

function hexBody(x: number, precision: number, upper: boolean, hash: boolean): string {
  let lead: bigint;
  let fraction: bigint;
  let exp: number;
  if (x === 0) {
    lead = 0n;
    fraction = 0n;
    exp = 0;
  } else {
    f64[0] = x;
    const bits = u64[0]!;
    const biased = Number((bits >> 52n) & 0x7ffn);
    fraction = bits & 0xfffffffffffffn;
    lead = biased === 0 ? 0n : 1n;
    exp = biased === 0 ? -1022 : biased - 1023;
  }
  let hex: string;
  if (precision < 0) {
    hex = fraction.toString(16).padStart(13, '0').replace(/0+$/, '');
  } else if (precision >= 13) {
    hex = fraction.toString(16).padStart(13, '0') + '0'.repeat(precision - 13);
  } else {
    // Round the 52-bit fraction to `precision` hex digits, ties to even; a carry goes into the lead digit.
    const drop = BigInt(4 * (13 - precision));
    const unit = 1n << drop;
    let kept = fraction >> drop;
    const rest = fraction & (unit - 1n);
    const half = unit >> 1n;
    const lastKeptDigit = precision === 0 ? lead : kept;
    if (rest > half || (rest === half && (lastKeptDigit & 1n) === 1n)) kept++;
    if (kept >> BigInt(4 * precision) !== 0n) {
      lead++;
      kept &= (1n << BigInt(4 * precision)) - 1n;
    }
    hex = precision === 0 ? '' : kept.toString(16).padStart(precision, '0');
  }
  const point = hex !== '' || hash ? '.' : '';
  const body = `${lead.toString(16)}${point}${hex}p${exp < 0 ? '-' : '+'}${Math.abs(exp)}`;
  return upper ? body.toUpperCase() : body;
}

function formatDouble(spec: NumericConversion, x: number): string {
  const conv = spec.conversion;
  const upper = conv === 'E' || conv === 'F' || conv === 'G' || conv === 'A';
  const hash = (spec.flags & FLAG_HASH) !== 0;
  const negative = x < 0 || Object.is(x, -0);
  let sign = signPrefix(negative, spec.flags);
  if (!Number.isFinite(x)) {
    const word = Number.isNaN(x) ? 'nan' : 'inf';
    if (Number.isNaN(x)) sign = signPrefix(false, spec.flags);
    return pad(spec, sign, upper ? word.toUpperCase() : word, false);
  }
  const abs = Math.abs(x);
  const precision = spec.precision;
  let body: string;
  if (conv === 'f' || conv === 'F') body = fixedBody(abs, precision < 0 ? 6 : precision, hash);
  else if (conv === 'e' || conv === 'E') {
    const [digits, exp] = scientific(abs, precision < 0 ? 6 : precision);
    body = exponentBody(digits, exp, upper, hash);
  } else if (conv === 'g' || conv === 'G') body = generalBody(abs, precision, upper, hash);
  else {
    body = hexBody(abs, precision, upper, hash);
    sign += upper ? '0X' : '0x';
  }
  return pad(spec, sign, body, true);
}
