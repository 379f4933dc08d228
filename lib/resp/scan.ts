/**
 * Resumable RESP2/RESP3 frame scanner: finds where the next complete reply ends, across any chunking.
 *
 * It keeps only an offset and a stack of pending element counts, jumps over bulk payloads and never
 * allocates on the hot path, so the reader can tell a reply is complete before anything is built.
 */
import { otherError, protocolError } from '../errors.js';
import {
  expected,
  hexByte,
  isDoubleText,
  isIntegerText,
  latin1Text,
  MAX_LENGTH_DIGITS,
} from './frame-syntax.js';

/** Limits that protect the reader from a hostile or broken server. */
export interface RespLimits {
  /** Largest bulk string, blob error, verbatim string, streamed string or simple line, in bytes. */
  maxBulkLength: number;
  /** Most elements in one aggregate (a map of n pairs has 2n). */
  maxAggregateElements: number;
  /** Deepest nesting of aggregates (a flat array is depth 1). */
  maxDepth: number;
}

/** 512 MiB bulk (Redis' proto-max-bulk-len), 2^24 elements, depth 64. */
export const DEFAULT_LIMITS: Readonly<RespLimits> = Object.freeze({
  maxBulkLength: 512 * 1024 * 1024,
  maxAggregateElements: 1 << 24,
  maxDepth: 64,
});

/** The largest value of each limit: counts are kept in an Int32Array, stacks preallocated for maxDepth. */
export const MAX_LIMITS: Readonly<RespLimits> = Object.freeze({
  maxBulkLength: 2 ** 31 - 1,
  maxAggregateElements: 2 ** 31 - 1,
  maxDepth: 65536,
});

// What a stack level is waiting for.
const COUNTED = 0; // counts[d] elements still to come
const ATTRIBUTE = 1; // like COUNTED, but the finished attribute is not an element of its parent
const STREAMED = 2; // elements until `.`; counts[d] = elements seen
const STREAMED_MAP = 3; // like STREAMED, keys and values
const STREAMED_STRING = 4; // `;len` chunks until `;0`; counts[d] = bytes so far

// Special results of readLength.
const INCOMPLETE = -3;
const QUESTION = -2;

const CR = 13;
const LF = 10;

/** Offset after the CRLF of the last line read by readLength (module scratch: no tuple allocation). */
let lineAfter = 0;

/**
 * Reads the decimal length/count after a type byte at `p` up to its CRLF. Returns it, -1 (`-1`, when
 * `allowNull`), QUESTION (`?`, when `allowStreamed`) or INCOMPLETE; sets lineAfter.
 */
function readLength(
  buf: Uint8Array,
  p: number,
  end: number,
  start: number,
  allowNull: boolean,
  allowStreamed: boolean,
): number {
  const first = p;
  let value = 0;
  if (p < end && buf[p] === 63 && allowStreamed) {
    value = QUESTION;
    p++;
  } else if (p < end && buf[p] === 45 && allowNull) {
    if (p + 1 >= end) return INCOMPLETE;
    if (buf[p + 1] !== 49) throw protocolError(`invalid length at offset ${first - start}`);
    value = -1;
    p += 2;
  } else {
    for (; p < end; p++) {
      const c = buf[p]!;
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
    }
    // Refusing more digits at once keeps a digit flood from being buffered.
    if (p - first > MAX_LENGTH_DIGITS) throw protocolError(`invalid length at offset ${first - start}`);
    if (p === first && p < end) throw protocolError(`invalid length at offset ${first - start}`);
  }
  if (p < end && buf[p] !== CR) throw protocolError(`invalid length at offset ${first - start}`);
  if (p + 1 >= end) return INCOMPLETE;
  if (buf[p + 1] !== LF) throw expected('\\r\\n', p - start);
  lineAfter = p + 2;
  return value;
}

/** Resumable frame scanner; see {@link FrameScanner.scan}. */
export class FrameScanner {
  private readonly maxBulkLength: number;
  private readonly maxAggregateElements: number;
  private readonly maxDepth: number;
  private readonly counts: Int32Array;
  private readonly kinds: Uint8Array;
  /** Progress of a partial frame, relative to its start. */
  private pos = 0;
  private depth = 0;
  /** Where the CR search of an incomplete line resumes, relative to the frame start. */
  private lineFrom = 0;
  private topType = 0;

  constructor(limits?: Partial<RespLimits>) {
    const limit = (name: keyof RespLimits): number => {
      const value = limits?.[name] ?? DEFAULT_LIMITS[name];
      const max = MAX_LIMITS[name];
      if (!Number.isInteger(value) || value < 1 || value > max) {
        throw otherError(`Invalid RESP limit ${name}: ${value} (expected an integer from 1 to ${max})`);
      }
      return value;
    };
    this.maxBulkLength = limit('maxBulkLength');
    this.maxAggregateElements = limit('maxAggregateElements');
    this.maxDepth = limit('maxDepth');
    this.counts = new Int32Array(this.maxDepth + 1);
    this.kinds = new Uint8Array(this.maxDepth + 1);
  }

  /**
   * The frame starts at buf[start]; bytes up to `end` are available. Returns the offset just past the
   * frame's end, or -1 when it is incomplete. Call again with the same start (or the same frame moved to a
   * new start) and a larger end to continue where it stopped. The scanner resets itself after a complete
   * frame or an error; {@link reset} abandons a partial frame.
   *
   * Malformed bytes or a broken limit throw protocolError naming the offset (relative to the frame
   * start) and what was expected or which limit.
   */
  scan(buf: Uint8Array, start: number, end: number): number {
    if (!(start >= 0 && start <= end && end <= buf.length)) {
      throw otherError(`Invalid scan range ${start}..${end} of ${buf.length} bytes`);
    }
    try {
      return this.run(buf, start, end);
    } catch (error) {
      this.reset();
      throw error;
    }
  }

  /**
   * The type byte of the value of the last complete frame, after any attributes before it: a push
   * annotated by an attribute starts with `|` but is still a push (`>`).
   */
  get frameType(): number {
    return this.topType;
  }

  /** Forgets a partial frame. */
  reset(): void {
    this.pos = 0;
    this.depth = 0;
    this.lineFrom = 0;
  }

  /** Remembers where an incomplete frame stopped; returns -1. */
  private suspend(pos: number, depth: number): number {
    this.pos = pos;
    this.depth = depth;
    return -1;
  }

  private push(d: number, offset: number, kind: number, count: number): number {
    if (d === this.maxDepth) {
      throw protocolError(`nesting depth ${d + 1} at offset ${offset} exceeds maxDepth ${this.maxDepth}`);
    }
    this.kinds[d + 1] = kind;
    this.counts[d + 1] = count;
    return d + 1;
  }

  private run(buf: Uint8Array, start: number, end: number): number {
    const counts = this.counts;
    const kinds = this.kinds;
    let d = this.depth;
    let p = start + this.pos;
    for (;;) {
      if (p >= end) return this.suspend(p - start, d);
      const t = buf[p]!;
      // At depth 0 the last type read is the frame's own value: attributes come before it.
      if (d === 0) this.topType = t;
      if (d > 0 && kinds[d] === STREAMED_STRING) {
        if (t !== 59) throw expected("';' (streamed string chunk)", p - start);
        const len = readLength(buf, p + 1, end, start, false, false);
        if (len === INCOMPLETE) return this.suspend(p - start, d);
        if (len > 0) {
          const total = counts[d]! + len;
          if (total > this.maxBulkLength) {
            throw protocolError(
              `streamed string length ${total} at offset ${p - start} exceeds maxBulkLength ${this.maxBulkLength}`,
            );
          }
          const payloadEnd = lineAfter + len;
          if (payloadEnd + 2 > end) return this.suspend(p - start, d);
          if (buf[payloadEnd] !== CR || buf[payloadEnd + 1] !== LF)
            throw expected('\\r\\n', payloadEnd - start);
          counts[d] = total;
          p = payloadEnd + 2;
          continue;
        }
        p = lineAfter;
        d--;
      } else if (t === 43 || t === 45 || t === 58 || t === 44 || t === 40 || t === 35 || t === 95) {
        // Line types: + simple string, - simple error, : integer, , double, ( big number, # boolean, _ null.
        let cr = Math.max(p + 1, start + this.lineFrom);
        while (cr < end && buf[cr] !== CR) cr++;
        if (cr - p - 1 > this.maxBulkLength) {
          throw protocolError(
            `line at offset ${p - start} is longer than maxBulkLength ${this.maxBulkLength}`,
          );
        }
        if (cr + 1 >= end) {
          this.lineFrom = cr - start;
          return this.suspend(p - start, d);
        }
        if (buf[cr + 1] !== LF) throw expected('\\r\\n', cr - start);
        if (t !== 43 && t !== 45) checkLine(buf, t, p + 1, cr, start);
        p = cr + 2;
      } else if (t === 36 || t === 33 || t === 61) {
        // $ bulk string, ! blob error, = verbatim string
        const len = readLength(buf, p + 1, end, start, t === 36, t === 36);
        if (len === INCOMPLETE) return this.suspend(p - start, d);
        if (len === QUESTION) {
          d = this.push(d, p - start, STREAMED_STRING, 0);
          p = lineAfter;
          continue;
        }
        if (len === -1) p = lineAfter;
        else {
          if (len > this.maxBulkLength) {
            const name = t === 36 ? 'bulk' : t === 33 ? 'blob error' : 'verbatim string';
            throw protocolError(
              `${name} length ${lengthText(buf, p + 1)} at offset ${p - start} exceeds maxBulkLength ${this.maxBulkLength}`,
            );
          }
          const payloadEnd = lineAfter + len;
          if (payloadEnd + 2 > end) return this.suspend(p - start, d);
          if (t === 61 && (len < 4 || buf[lineAfter + 3] !== 58)) {
            throw expected("a verbatim format like 'txt:'", lineAfter - start);
          }
          if (buf[payloadEnd] !== CR || buf[payloadEnd + 1] !== LF)
            throw expected('\\r\\n', payloadEnd - start);
          p = payloadEnd + 2;
        }
      } else if (t === 42 || t === 126 || t === 37 || t === 62 || t === 124) {
        // * array, ~ set, % map, > push, | attribute
        const len = readLength(buf, p + 1, end, start, t === 42, t === 42 || t === 126 || t === 37);
        if (len === INCOMPLETE) return this.suspend(p - start, d);
        if (len === QUESTION) {
          d = this.push(d, p - start, t === 37 ? STREAMED_MAP : STREAMED, 0);
          p = lineAfter;
          continue;
        }
        if (len > 0) {
          const elements = t === 37 || t === 124 ? len * 2 : len;
          if (elements > this.maxAggregateElements) {
            throw protocolError(
              `aggregate of ${elements} elements at offset ${p - start} exceeds maxAggregateElements ${this.maxAggregateElements}`,
            );
          }
          d = this.push(d, p - start, t === 124 ? ATTRIBUTE : COUNTED, elements);
          p = lineAfter;
          continue;
        }
        p = lineAfter;
        // An empty attribute annotates the value that follows: it is not an element.
        if (t === 124) continue;
      } else if (t === 46 && d > 0 && (kinds[d] === STREAMED || kinds[d] === STREAMED_MAP)) {
        // . ends a streamed aggregate
        if (p + 2 >= end) return this.suspend(p - start, d);
        if (buf[p + 1] !== CR || buf[p + 2] !== LF) throw expected('\\r\\n', p + 1 - start);
        if (kinds[d] === STREAMED_MAP && (counts[d]! & 1) === 1) {
          throw protocolError(`streamed map ended after a key at offset ${p - start}`);
        }
        p += 3;
        d--;
      } else {
        throw protocolError(`invalid type byte ${hexByte(t)} at offset ${p - start}`);
      }
      // An element ended at p: count it in its parent; a finished aggregate is an element of its own parent.
      for (;;) {
        if (d === 0) {
          this.reset();
          return p;
        }
        const kind = kinds[d]!;
        if (kind === STREAMED || kind === STREAMED_MAP) {
          if (++counts[d]! > this.maxAggregateElements) {
            throw protocolError(
              `streamed aggregate at offset ${p - start} exceeds maxAggregateElements ${this.maxAggregateElements}`,
            );
          }
          break;
        }
        if (--counts[d]! !== 0) break;
        d--;
        if (kind === ATTRIBUTE) break;
      }
    }
  }
}

/** Validates the content of a line-typed element buf[from..cr) (not + and -, whose content is free). */
function checkLine(buf: Uint8Array, t: number, from: number, cr: number, start: number): void {
  let ok: boolean;
  let what: string;
  if (t === 58) {
    ok = isIntegerText(buf, from, cr);
    what = 'integer';
  } else if (t === 44) {
    ok = isDoubleText(buf, from, cr);
    what = 'double';
  } else if (t === 40) {
    ok = isIntegerText(buf, from, cr);
    what = 'big number';
  } else if (t === 35) {
    ok = cr === from + 1 && (buf[from] === 116 || buf[from] === 102);
    what = 'boolean';
  } else {
    ok = cr === from;
    what = 'null';
  }
  if (!ok) throw protocolError(`invalid ${what} at offset ${from - start}`);
}

/** The digits of a length line at `p`, for limit messages. */
function lengthText(buf: Uint8Array, p: number): string {
  let q = p;
  while (buf[q] !== CR) q++;
  return latin1Text(buf, p, q);
}
