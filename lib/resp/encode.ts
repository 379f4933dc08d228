/**
 * RESP command encoding: argv -> `*N\r\n$len\r\narg\r\n...`, written in place.
 *
 * Strings are written with utf8Write straight at the payload position, assuming one byte per UTF-16
 * unit; when the byte count differs the `$len` header is fixed afterwards. That avoids Buffer.byteLength's
 * second pass over the string (16 µs per 100 KB, reference §3.3).
 */
import { Buffer } from 'node:buffer';
import { otherError } from '../errors.js';
import { bufferView, type FastBuffer } from './buffer-view.js';

export { formatArgv } from './format-command.js';

/** One command argument. Numbers are sent as their decimal text, bigints likewise. */
export type CommandArg = string | Uint8Array | number | bigint;

/**
 * `<digits>\r\n` for every length below 1024, 8 bytes per entry, each written at its first use (length 0
 * until then): filling them all at load took a new blocking context's worker thread ~2-5 ms, most of it V8
 * optimizing the loop on the spot.
 */
const HEADER_CACHE_SIZE = 1024;
const headerBytes = new Uint8Array(HEADER_CACHE_SIZE * 8);
const headerLengths = new Uint8Array(HEADER_CACHE_SIZE);

/** Longest text of any number: BigInt(Number.MAX_VALUE) has 309 digits. */
const MAX_NUMBER_TEXT = 330;
/** `$` + up to 16 digits + CRLF before the payload, CRLF after it. */
const ARG_OVERHEAD = 21;
/** Strings shorter than this are copied by a JS loop: cheaper than the native call for short ASCII. */
const SHORT_STRING = 24;

function digitCount(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  let d = 5;
  for (let m = Math.floor(n / 100000); m > 0; m = Math.floor(m / 10)) d++;
  return d;
}

/** Writes `n` (a non-negative safe integer) in decimal at `pos`; returns the offset after it. */
function writeDigits(buf: Uint8Array, pos: number, n: number, digits: number): number {
  let p = pos + digits;
  do {
    buf[--p] = 48 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  return pos + digits;
}

/** Writes `<prefix><n>\r\n`; returns the offset after it. */
function writeHeader(buf: Uint8Array, pos: number, prefix: number, n: number): number {
  buf[pos++] = prefix;
  if (n < HEADER_CACHE_SIZE) {
    const from = n * 8;
    const len = headerLengths[n] || cacheHeader(n);
    for (let i = 0; i < len; i++) buf[pos + i] = headerBytes[from + i]!;
    return pos + len;
  }
  return writeCount(buf, pos, n);
}

/** Writes `<n>\r\n`; returns the offset after it. */
function writeCount(buf: Uint8Array, pos: number, n: number): number {
  pos = writeDigits(buf, pos, n, digitCount(n));
  buf[pos] = 13;
  buf[pos + 1] = 10;
  return pos + 2;
}

/** Fills the header cache's entry for `n`; returns its length. */
function cacheHeader(n: number): number {
  const len = writeCount(headerBytes, n * 8, n) - n * 8;
  headerLengths[n] = len;
  return len;
}

function badArg(arg: unknown, index: number): Error {
  const got = arg === null ? 'null' : typeof arg;
  return otherError(
    `Invalid command argument ${index}: expected a string, Uint8Array, number or bigint, got ${got}`,
  );
}

/** Decimal text of a number or bigint: integers in full (no exponent), other numbers as JS prints them. */
function numberText(value: number | bigint): string {
  if (typeof value === 'bigint' || !Number.isInteger(value)) return String(value);
  return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
}

function notArgv(): Error {
  return otherError('Invalid command: argv must be a non-empty array');
}

/**
 * Checks what a caller gave as argv before anything reads it (routing looks at keys before encoding):
 * an array of strings, Uint8Arrays, numbers and bigints, or the encoder's own clear error.
 */
export function checkArgv(argv: readonly CommandArg[]): void {
  if (!Array.isArray(argv)) throw notArgv();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const t = typeof arg;
    if (t !== 'string' && t !== 'number' && t !== 'bigint' && !(arg instanceof Uint8Array))
      throw badArg(arg, i);
  }
}

/** An upper bound of the encoded size of argv; throws on an argument of the wrong type. */
function maxEncodedLength(argv: readonly CommandArg[]): number {
  if (!Array.isArray(argv) || argv.length === 0) throw notArgv();
  let total = 16;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (typeof arg === 'string') total += 3 * arg.length + ARG_OVERHEAD;
    else if (arg instanceof Uint8Array) total += arg.byteLength + ARG_OVERHEAD;
    else if (typeof arg === 'number') total += MAX_NUMBER_TEXT + ARG_OVERHEAD;
    else if (typeof arg === 'bigint') total += String(arg).length + ARG_OVERHEAD;
    else throw badArg(arg, i);
  }
  return total;
}

/** The exact encoded size of argv (validated by maxEncodedLength before). */
function exactEncodedLength(argv: readonly CommandArg[]): number {
  let total = 3 + digitCount(argv.length);
  for (const arg of argv) {
    let n: number;
    if (typeof arg === 'string') n = Buffer.byteLength(arg, 'utf8');
    else if (typeof arg === 'number' || typeof arg === 'bigint') n = numberText(arg).length;
    else n = arg.byteLength;
    total += 5 + digitCount(n) + n;
  }
  return total;
}

/**
 * Writes a string argument at `pos` with room for 3 × length assured; returns the offset after it.
 * The header assumes one byte per UTF-16 unit and is corrected when the UTF-8 length differs.
 */
function writeString(buf: FastBuffer, pos: number, s: string): number {
  const n = s.length;
  const payload = writeHeader(buf, pos, 36, n);
  let written = 0;
  if (n < SHORT_STRING) {
    for (; written < n; written++) {
      const c = s.charCodeAt(written);
      if (c >= 0x80) break;
      buf[payload + written] = c;
    }
    if (written < n) written += buf.utf8Write(s.slice(written), payload + written);
  } else {
    written = buf.utf8Write(s, payload);
  }
  let end = payload + written;
  if (written !== n) {
    const digits = digitCount(written);
    const shift = digits - digitCount(n);
    if (shift !== 0) {
      buf.copyWithin(payload + shift, payload, end);
      end += shift;
    }
    writeDigits(buf, pos + 1, written, digits);
    buf[pos + 1 + digits] = 13;
    buf[pos + 2 + digits] = 10;
  }
  buf[end] = 13;
  buf[end + 1] = 10;
  return end + 2;
}

function writeBytes(buf: FastBuffer, pos: number, bytes: Uint8Array): number {
  const n = bytes.byteLength;
  pos = writeHeader(buf, pos, 36, n);
  buf.set(bytes, pos);
  pos += n;
  buf[pos] = 13;
  buf[pos + 1] = 10;
  return pos + 2;
}

function writeNumber(buf: FastBuffer, pos: number, value: number | bigint): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    const negative = value < 0;
    const magnitude = negative ? -value : value;
    const digits = digitCount(magnitude);
    pos = writeHeader(buf, pos, 36, digits + (negative ? 1 : 0));
    if (negative) buf[pos++] = 45;
    pos = writeDigits(buf, pos, magnitude, digits);
    buf[pos] = 13;
    buf[pos + 1] = 10;
    return pos + 2;
  }
  return writeString(buf, pos, numberText(value));
}

/**
 * Writes argv at `pos` assuming room for maxEncodedLength(argv) or at least exactEncodedLength(argv) (the
 * ASCII-length guesses only ever place bytes before their final position); returns the offset after it.
 */
function writeArgvAt(buf: FastBuffer, pos: number, argv: readonly CommandArg[]): number {
  pos = writeHeader(buf, pos, 42, argv.length);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (typeof arg === 'string') pos = writeString(buf, pos, arg);
    else if (typeof arg === 'number' || typeof arg === 'bigint') pos = writeNumber(buf, pos, arg);
    else pos = writeBytes(buf, pos, arg);
  }
  return pos;
}

const DEFAULT_INITIAL_SIZE = 16 * 1024;
/** Commands whose size bound exceeds this are measured exactly before the writer grows for them. */
const EXACT_SIZE_ABOVE = 4 * 1024 * 1024;
/** take()/reset() give back a buffer grown beyond this (one huge command should not pin its memory). */
const SHRINK_ABOVE = 1024 * 1024;

/** Reusable growable output: append RESP multibulk commands, take the bytes. */
export class CommandWriter {
  private buf: FastBuffer;
  private pos = 0;
  private readonly initialSize: number;

  constructor(initialSize: number = DEFAULT_INITIAL_SIZE) {
    if (!Number.isSafeInteger(initialSize) || initialSize < 1) {
      throw otherError(`Invalid CommandWriter size ${initialSize}: expected a positive integer`);
    }
    this.initialSize = initialSize;
    this.buf = Buffer.allocUnsafeSlow(initialSize) as FastBuffer;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /** Appends one command. */
  writeArgv(argv: readonly CommandArg[]): void {
    const bound = maxEncodedLength(argv);
    if (this.pos + bound > this.buf.length) {
      // Growing to the 3-bytes-per-unit bound is fine for small commands; for big ones it would triple
      // the memory of an ASCII value, so measure exactly (one extra pass) instead.
      const need = this.pos + (bound <= EXACT_SIZE_ABOVE ? bound : exactEncodedLength(argv));
      if (need > this.buf.length) this.grow(need);
    }
    this.pos = writeArgvAt(this.buf, this.pos, argv);
  }

  /** Appends a pre-encoded command as is. */
  writeRaw(bytes: Uint8Array): void {
    const need = this.pos + bytes.byteLength;
    if (need > this.buf.length) this.grow(need);
    this.buf.set(bytes, this.pos);
    this.pos = need;
  }

  /** A copy of the written bytes; the writer is empty afterwards. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.reset();
    return out;
  }

  /** The written bytes without copying; valid until the next write or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Empties the writer. */
  reset(): void {
    this.pos = 0;
    if (this.buf.length > SHRINK_ABOVE && this.buf.length > this.initialSize) {
      this.buf = Buffer.allocUnsafeSlow(this.initialSize) as FastBuffer;
    }
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(need, this.buf.length * 2)) as FastBuffer;
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

const scratch = new CommandWriter();

/** Encodes one command into a new Buffer. */
export function encodeArgv(argv: readonly CommandArg[]): Buffer {
  scratch.writeArgv(argv);
  return scratch.take();
}

/**
 * Encodes one command into `target` at `offset` (e.g. a SharedArrayBuffer area). Returns the offset
 * after it, or -1 when it does not fit; nothing after `offset` is meaningful then.
 */
export function encodeArgvInto(target: Uint8Array, offset: number, argv: readonly CommandArg[]): number {
  const bound = maxEncodedLength(argv);
  const buf = bufferView(target);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > buf.length) {
    throw otherError(`Invalid offset ${offset} for a target of ${buf.length} bytes`);
  }
  if (offset + bound <= buf.length) return writeArgvAt(buf, offset, argv);
  // Near the end of the target the 3-bytes-per-unit bound is too pessimistic: measure exactly.
  if (offset + exactEncodedLength(argv) > buf.length) return -1;
  return writeArgvAt(buf, offset, argv);
}
