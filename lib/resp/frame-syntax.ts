/**
 * Byte-level syntax shared by the frame scanner and the reply builder: line contents and error texts.
 */
import type { ClusterError } from '../errors.js';
import { protocolError } from '../errors.js';

/**
 * Most digits of a length or count. 20 is far beyond any limit yet leaves room for leading zeros; the
 * scanner and the builder must agree on it, or a frame the scanner passes could not be built.
 */
export const MAX_LENGTH_DIGITS = 20;

/** `+12`, `-3`, `7`: optional sign then at least one digit. */
export function isIntegerText(buf: Uint8Array, start: number, end: number): boolean {
  let p = start;
  if (p < end && (buf[p] === 43 || buf[p] === 45)) p++;
  if (p === end) return false;
  for (; p < end; p++) {
    const c = buf[p]!;
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isWord(buf: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((buf[start + i]! | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** `inf`/`nan` in any case with an optional sign (Redis before 7.2 may send `-nan`). */
export function doubleSpecial(buf: Uint8Array, start: number, end: number): number | undefined {
  let p = start;
  const negative = buf[p] === 45;
  if (negative || buf[p] === 43) p++;
  if (isWord(buf, p, end, 'inf')) return negative ? -Infinity : Infinity;
  if (isWord(buf, p, end, 'nan')) return Number.NaN;
  return undefined;
}

/** RESP3 double: `[+-]digits[.digits][e[+-]digits]`, `.5`, or inf/nan. */
export function isDoubleText(buf: Uint8Array, start: number, end: number): boolean {
  if (doubleSpecial(buf, start, end) !== undefined) return true;
  let p = start;
  if (p < end && (buf[p] === 43 || buf[p] === 45)) p++;
  let digits = 0;
  while (p < end && buf[p]! >= 48 && buf[p]! <= 57) {
    p++;
    digits++;
  }
  if (p < end && buf[p] === 46) {
    p++;
    while (p < end && buf[p]! >= 48 && buf[p]! <= 57) {
      p++;
      digits++;
    }
  }
  if (digits === 0) return false;
  if (p < end && (buf[p] === 101 || buf[p] === 69)) {
    p++;
    if (p < end && (buf[p] === 43 || buf[p] === 45)) p++;
    const expStart = p;
    while (p < end && buf[p]! >= 48 && buf[p]! <= 57) p++;
    if (p === expStart) return false;
  }
  return p === end;
}

/** "0x40" for error messages. */
export function hexByte(c: number): string {
  return `0x${c.toString(16).padStart(2, '0')}`;
}

/** protocolError("expected <what> at offset N"). */
export function expected(what: string, offset: number): ClusterError {
  return protocolError(`expected ${what} at offset ${offset}`);
}

/** Text of buf[start..end) for error messages. */
export function latin1Text(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
  return s;
}
