/**
 * C calling conventions turned into JavaScript values: `%b` given as a (buffer, length) pair, argv with
 * an optional argvlen, a pre-encoded command with its length, and `struct timeval` timeouts.
 */
import { Buffer } from 'node:buffer';
import { otherError } from '../errors.js';
import { parseNumericConversion } from '../resp/printf.js';

/** A C `struct timeval`: seconds plus microseconds. */
export interface Timeval {
  /** Whole seconds. */
  tv_sec: number;
  /** Microseconds, added to `tv_sec`. */
  tv_usec: number;
}

/** A timeout as C code gives it (`struct timeval`) or in milliseconds. */
export type Timeout = Timeval | number;

/** One argument of argv: text (sent as UTF-8) or bytes. */
export type CArg = string | Uint8Array;

const PERCENT = 0x25;

/**
 * Per conversion of `format`, whether it is `%b`; null when the format is invalid (formatArgv then
 * reports it). Every conversion takes one argument, as in hiredis.
 */
function binaryConversions(format: string): boolean[] | null {
  const kinds: boolean[] = [];
  for (let i = 0; i < format.length - 1; i++) {
    if (format.charCodeAt(i) !== PERCENT) continue;
    const c = format.charAt(i + 1);
    if (c === '%') {
      i++;
    } else if (c === 's' || c === 'b') {
      kinds.push(c === 'b');
      i++;
    } else {
      try {
        i = parseNumericConversion(format, i).end - 1;
      } catch {
        return null;
      }
      kinds.push(false);
    }
  }
  return kinds;
}

/**
 * C code passes `%b` as two arguments, a pointer and a length: `"SET %b %b", key, keylen, val, vallen`.
 * When a `%b` conversion's argument is a Uint8Array and the next argument is a number, the number is
 * its length and the bytes are `buffer.subarray(0, length)` — unless taking the number would leave
 * fewer arguments than the conversions after it need (so `"SET %b %d", buf, 5` reads 5 as the `%d`).
 * A lone Uint8Array is used whole. Returns `args` itself when there is no pair.
 */
export function pairBinaryArgs(format: string, args: readonly unknown[]): readonly unknown[] {
  if (typeof format !== 'string' || !format.includes('%b')) return args;
  const kinds = binaryConversions(format);
  if (kinds === null) return args;
  let out: unknown[] | null = null;
  let j = 0;
  for (let k = 0; k < kinds.length && j < args.length; k++) {
    const arg = args[j];
    const length = args[j + 1];
    if (
      kinds[k] &&
      arg instanceof Uint8Array &&
      typeof length === 'number' &&
      args.length - (j + 2) >= kinds.length - k - 1
    ) {
      if (!Number.isInteger(length) || length < 0 || length > arg.length) {
        throw otherError(
          `Invalid format string: '%b' length ${length} (argument ${j + 2}) is not within 0..${arg.length}, the size of its buffer`,
        );
      }
      out ??= args.slice(0, j);
      out.push(arg.subarray(0, length));
      j += 2;
    } else {
      out?.push(arg);
      j++;
    }
  }
  if (out === null) return args;
  // Arguments beyond the conversions stay: the formatter refuses them with the count.
  for (; j < args.length; j++) out.push(args[j]);
  return out;
}

function byteLength(arg: CArg): number {
  return typeof arg === 'string' ? Buffer.byteLength(arg) : arg.length;
}

/**
 * hiredis' `(argc, argv, argvlen)`: the first `argc` arguments, each cut to `argvlen[i]` bytes when
 * argvlen is given (C passes NULL to mean "whole strings"). Throws otherError naming the bad part.
 */
export function argvFromC(argc: number, argv: readonly CArg[], argvlen?: readonly number[] | null): CArg[] {
  if (!Array.isArray(argv)) throw otherError('Invalid argv: expected an array of strings or Uint8Arrays');
  if (!Number.isInteger(argc) || argc < 1 || argc > argv.length) {
    throw otherError(`Invalid argc ${argc}: must be 1..${argv.length}, the length of argv`);
  }
  if (argvlen != null && (!Array.isArray(argvlen) || argvlen.length < argc)) {
    throw otherError(`Invalid argvlen: expected an array of at least ${argc} lengths`);
  }
  const out: CArg[] = new Array(argc);
  for (let i = 0; i < argc; i++) {
    const arg = argv[i];
    if (typeof arg !== 'string' && !(arg instanceof Uint8Array)) {
      throw otherError(`Invalid argv[${i}]: expected a string or a Uint8Array, got ${describe(arg)}`);
    }
    if (argvlen == null) {
      out[i] = arg;
      continue;
    }
    const size = byteLength(arg);
    const len = argvlen[i];
    if (!Number.isInteger(len) || len! < 0 || len! > size) {
      throw otherError(
        `Invalid argvlen[${i}]: ${len} is not within 0..${size}, the byte length of argv[${i}]`,
      );
    }
    if (len === size) out[i] = arg;
    else out[i] = (typeof arg === 'string' ? Buffer.from(arg) : arg).subarray(0, len);
  }
  return out;
}

/** hiredis' `(char *cmd, int len)`: the first `len` bytes of a pre-encoded command (all of it without len). */
export function formattedFromC(cmd: Uint8Array | string, len?: number): Uint8Array {
  if (typeof cmd !== 'string' && !(cmd instanceof Uint8Array)) {
    throw otherError(`Invalid command: expected RESP bytes (a Uint8Array or a string), got ${describe(cmd)}`);
  }
  const bytes = typeof cmd === 'string' ? Buffer.from(cmd) : cmd;
  if (len === undefined) return bytes;
  if (!Number.isInteger(len) || len < 0 || len > bytes.length) {
    throw otherError(`Invalid command length ${len}: not within 0..${bytes.length}, the size of the command`);
  }
  return len === bytes.length ? bytes : bytes.subarray(0, len);
}

/**
 * Milliseconds of a timeout: a `struct timeval` (microseconds rounded up to whole milliseconds) or an
 * integer number of milliseconds. 0 means no timeout, as a zero timeval means for a socket.
 */
export function timeoutMs(timeout: Timeout): number {
  if (typeof timeout === 'number') {
    if (Number.isInteger(timeout) && timeout >= 0) return timeout;
    throw otherError(`Invalid timeout: expected an integer number of ms >= 0 or a timeval, got ${timeout}`);
  }
  if (timeout !== null && typeof timeout === 'object') {
    const { tv_sec: sec, tv_usec: usec } = timeout;
    if (Number.isInteger(sec) && Number.isInteger(usec) && sec >= 0 && usec >= 0) {
      return sec * 1000 + Math.ceil(usec / 1000);
    }
    throw otherError(`Invalid timeout: tv_sec and tv_usec must be integers >= 0, got {${sec}, ${usec}}`);
  }
  throw otherError(`Invalid timeout: expected { tv_sec, tv_usec } or ms, got ${describe(timeout)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
