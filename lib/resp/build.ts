/**
 * Values from one complete RESP2/RESP3 frame, through a {@link ReplyBuilder} (hiredis'
 * `redisReplyObjectFunctions` in JS terms).
 *
 * The frame is read iteratively with explicit stacks, so nesting depth never threatens the JS stack, and
 * nothing is kept that points into the input: builders copy what they keep (the input may be a
 * SharedArrayBuffer area that is reused for the next reply).
 */
import { Buffer } from 'node:buffer';
import { otherError, protocolError } from '../errors.js';
import { bufferView, type FastBuffer } from './buffer-view.js';
import {
  doubleSpecial,
  expected,
  hexByte,
  isDoubleText,
  isIntegerText,
  MAX_LENGTH_DIGITS,
} from './frame-syntax.js';
import { plainReplies } from './plain-replies.js';
import type { ReplyBuilder } from './reply-builder.js';
import {
  REDIS_REPLY_ARRAY,
  REDIS_REPLY_ATTR,
  REDIS_REPLY_MAP,
  REDIS_REPLY_PUSH,
  REDIS_REPLY_SET,
} from './reply-types.js';

export { PushReply, plainReplies, plainRepliesWith } from './plain-replies.js';
export type { ReplyBuilder } from './reply-builder.js';
export * from './reply-types.js';
export { typedReplies, typedRepliesWith } from './typed-replies.js';

const CR = 13;
const LF = 10;

/** Offset after the element read by the last readScalar/readLength (module scratch: no tuple allocation). */
let after = 0;

function incomplete(offset: number): Error {
  return protocolError(`incomplete frame at offset ${offset}`);
}

/** Offset of the CR ending the line that starts at `p`; checks the LF. */
function lineEnd(buf: Uint8Array, p: number, end: number, start: number): number {
  let cr = p;
  while (cr < end && buf[cr] !== CR) cr++;
  if (cr + 1 >= end) throw incomplete(end - start);
  if (buf[cr + 1] !== LF) throw expected('\\r\\n', cr - start);
  return cr;
}

/** A length or count at `p` (after the type byte): -1, -2 for `?` (when allowed), or >= 0. Sets `after`. */
function readLength(buf: Uint8Array, p: number, end: number, start: number, streamed: boolean): number {
  const cr = lineEnd(buf, p, end, start);
  after = cr + 2;
  if (cr === p + 1 && buf[p] === 63 && streamed) return -2;
  if (cr === p + 2 && buf[p] === 45 && buf[p + 1] === 49) return -1;
  if (cr === p || cr - p > MAX_LENGTH_DIGITS) throw protocolError(`invalid length at offset ${p - start}`);
  let n = 0;
  for (let i = p; i < cr; i++) {
    const c = buf[i]!;
    if (c < 48 || c > 57) throw protocolError(`invalid length at offset ${p - start}`);
    n = n * 10 + (c - 48);
  }
  return n;
}

/** `:` value: digits by hand while exact, BigInt beyond. */
function parseInteger(buf: FastBuffer, p: number, cr: number, start: number): number | bigint {
  if (!isIntegerText(buf, p, cr)) throw protocolError(`invalid integer at offset ${p - start}`);
  const negative = buf[p] === 45;
  let i = negative || buf[p] === 43 ? p + 1 : p;
  if (cr - i > 15) {
    const big = BigInt(buf.latin1Slice(p, cr));
    return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
  }
  let n = 0;
  for (; i < cr; i++) n = n * 10 + (buf[i]! - 48);
  // 0 - n, not -n: ':-0' is 0, not -0.
  return negative ? 0 - n : n;
}

/** Joins the chunks of a `$?` streamed string whose first chunk is at `p`; sets `after`. */
function streamedString(buf: FastBuffer, p: number, end: number, start: number): Buffer {
  let total = 0;
  let q = p;
  for (;;) {
    if (q >= end) throw incomplete(q - start);
    if (buf[q] !== 59) throw expected("';' (streamed string chunk)", q - start);
    const len = readLength(buf, q + 1, end, start, false);
    if (len < 0) throw protocolError(`invalid length at offset ${q + 1 - start}`);
    if (len === 0) break;
    q = after + len;
    if (q + 2 > end) throw incomplete(end - start);
    if (buf[q] !== CR || buf[q + 1] !== LF) throw expected('\\r\\n', q - start);
    q += 2;
    total += len;
  }
  const frameAfter = after;
  const out = Buffer.allocUnsafe(total);
  let o = 0;
  for (q = p; o < total; ) {
    const len = readLength(buf, q + 1, end, start, false);
    buf.copy(out, o, after, after + len);
    o += len;
    q = after + len + 2;
  }
  after = frameAfter;
  return out;
}

/** True for the type bytes of aggregates: * ~ % > | */
function isAggregate(t: number): boolean {
  return t === 42 || t === 126 || t === 37 || t === 62 || t === 124;
}

/** Reads the scalar at `p` (any type but aggregates); sets `after`. With `skip`, nothing is built. */
function readScalar(
  buf: FastBuffer,
  p: number,
  end: number,
  start: number,
  builder: ReplyBuilder<unknown, unknown>,
  skip: boolean,
): unknown {
  const t = buf[p]!;
  if (t === 36 || t === 33 || t === 61) {
    // $ bulk string, ! blob error, = verbatim string
    const len = readLength(buf, p + 1, end, start, t === 36);
    if (len === -1 && t === 36) return skip ? undefined : builder.nil();
    if (len === -2) {
      const joined = streamedString(buf, after, end, start);
      return skip ? undefined : builder.string(joined, 0, joined.length);
    }
    if (len < 0) throw protocolError(`invalid length at offset ${p + 1 - start}`);
    const s = after;
    const e = s + len;
    if (e + 2 > end) throw incomplete(end - start);
    if (buf[e] !== CR || buf[e + 1] !== LF) throw expected('\\r\\n', e - start);
    after = e + 2;
    if (skip) return undefined;
    if (t === 36) return builder.string(buf, s, e);
    if (t === 33) return builder.error(buf, s, e);
    if (len < 4 || buf[s + 3] !== 58) throw expected("a verbatim format like 'txt:'", s - start);
    return builder.verbatim(buf.latin1Slice(s, s + 3), buf, s + 4, e);
  }
  if (t !== 43 && t !== 45 && t !== 58 && t !== 44 && t !== 40 && t !== 35 && t !== 95) {
    throw protocolError(`invalid type byte ${hexByte(t)} at offset ${p - start}`);
  }
  const cr = lineEnd(buf, p + 1, end, start);
  after = cr + 2;
  switch (t) {
    case 43: // + simple string
      return skip ? undefined : builder.status(buf, p + 1, cr);
    case 45: // - simple error
      return skip ? undefined : builder.error(buf, p + 1, cr);
    case 58: {
      // : integer
      const value = parseInteger(buf, p + 1, cr, start);
      return skip ? undefined : builder.integer(value);
    }
    case 44: {
      // , double
      if (!isDoubleText(buf, p + 1, cr)) throw protocolError(`invalid double at offset ${p + 1 - start}`);
      if (skip) return undefined;
      const value = doubleSpecial(buf, p + 1, cr) ?? Number(buf.latin1Slice(p + 1, cr));
      return builder.double(value, buf, p + 1, cr);
    }
    case 40: // ( big number
      if (!isIntegerText(buf, p + 1, cr))
        throw protocolError(`invalid big number at offset ${p + 1 - start}`);
      return skip ? undefined : builder.bigNumber(buf, p + 1, cr);
    case 35: {
      // # boolean
      const c = buf[p + 1];
      if (cr !== p + 2 || (c !== 116 && c !== 102))
        throw protocolError(`invalid boolean at offset ${p + 1 - start}`);
      return skip ? undefined : builder.bool(c === 116);
    }
    default: // _ null
      if (cr !== p + 1) throw protocolError(`invalid null at offset ${p + 1 - start}`);
      return skip ? undefined : builder.nil();
  }
}

function aggregateType(t: number): number {
  if (t === 42) return REDIS_REPLY_ARRAY;
  if (t === 126) return REDIS_REPLY_SET;
  if (t === 37) return REDIS_REPLY_MAP;
  if (t === 62) return REDIS_REPLY_PUSH;
  return REDIS_REPLY_ATTR;
}

/** Marks "no attribute pending" in BuildStack.attributes. */
const NONE = Symbol('none');

/** The stacks of one buildReply call; pooled, so steady-state building allocates no bookkeeping. */
class BuildStack {
  containers: unknown[] = [];
  types: number[] = [];
  /** Elements expected (keys and values for maps), or -1 when streamed. */
  lengths: number[] = [];
  /** Elements received so far. */
  counts: number[] = [];
  /** Pending map key per level. */
  keys: unknown[] = [];
  /** Built attribute waiting for the next value at this level. */
  attributes: unknown[] = [NONE];

  clear(depth: number): void {
    for (let d = 0; d <= depth; d++) {
      this.containers[d] = undefined;
      this.keys[d] = undefined;
      this.attributes[d] = NONE;
    }
  }

  run(buf: FastBuffer, start: number, end: number, builder: ReplyBuilder<unknown, unknown>): unknown {
    const { containers, types, lengths, counts, keys, attributes } = this;
    const annotate = builder.attribute !== undefined;
    let d = 0;
    /** Depth of the attribute being skipped unbuilt; 0 when not skipping. */
    let skipFrom = 0;
    let p = start;
    try {
      for (;;) {
        if (p >= end) throw incomplete(p - start);
        const t = buf[p]!;
        let value: unknown;
        if (isAggregate(t)) {
          const len = readLength(buf, p + 1, end, start, t === 42 || t === 126 || t === 37);
          const type = aggregateType(t);
          if (len === -1 && t !== 42) throw protocolError(`invalid length at offset ${p + 1 - start}`);
          const skipping = skipFrom !== 0 || (type === REDIS_REPLY_ATTR && !annotate);
          if (len === -1) {
            p = after;
            value = skipping ? undefined : builder.nil();
          } else {
            const length =
              len === -2 ? -1 : type === REDIS_REPLY_MAP || type === REDIS_REPLY_ATTR ? 2 * len : len;
            // Every element takes at least 3 bytes: a count the frame cannot hold is refused before
            // a builder preallocates for it.
            if (length * 3 > end - after) {
              throw protocolError(
                `aggregate of ${length} elements at offset ${p - start} does not fit in the frame`,
              );
            }
            p = after;
            const container = skipping ? undefined : builder.aggregate(type, length);
            if (length !== 0) {
              d++;
              if (skipping && skipFrom === 0) skipFrom = d;
              containers[d] = container;
              types[d] = type;
              lengths[d] = length;
              counts[d] = 0;
              attributes[d] = NONE;
              continue;
            }
            value = skipping ? undefined : builder.end(container, type);
            if (type === REDIS_REPLY_ATTR) {
              if (!skipping) attributes[d] = value;
              continue;
            }
          }
        } else if (t === 46 && d > 0 && lengths[d] === -1) {
          // . ends a streamed aggregate
          if (p + 3 > end) throw incomplete(end - start);
          if (buf[p + 1] !== CR || buf[p + 2] !== LF) throw expected('\\r\\n', p + 1 - start);
          if (types[d] === REDIS_REPLY_MAP && (counts[d]! & 1) === 1) {
            throw protocolError(`streamed map ended after a key at offset ${p - start}`);
          }
          p += 3;
          value = skipFrom !== 0 ? undefined : builder.end(containers[d], types[d]!);
          containers[d] = undefined;
          d--;
        } else {
          value = readScalar(buf, p, end, start, builder, skipFrom !== 0);
          p = after;
        }
        // `value` is complete: it goes into the container at depth d (or is the reply at depth 0).
        for (;;) {
          if (attributes[d] !== NONE) {
            value = builder.attribute!(attributes[d], value);
            attributes[d] = NONE;
          }
          if (d === 0) {
            if (p !== end) throw protocolError(`unexpected bytes after the reply at offset ${p - start}`);
            return value;
          }
          const count = counts[d]!;
          const type = types[d]!;
          if (skipFrom === 0) {
            if (type === REDIS_REPLY_MAP || type === REDIS_REPLY_ATTR) {
              if ((count & 1) === 0) keys[d] = value;
              else builder.entry(containers[d], keys[d], value);
            } else builder.element(containers[d], count, value);
          }
          counts[d] = count + 1;
          if (count + 1 !== lengths[d]) break;
          value = skipFrom !== 0 ? undefined : builder.end(containers[d], type);
          containers[d] = undefined;
          keys[d] = undefined;
          d--;
          if (type === REDIS_REPLY_ATTR) {
            // An attribute is no element: it annotates the next value at this level (or is dropped).
            if (skipFrom === d + 1) skipFrom = 0;
            else if (skipFrom === 0) attributes[d] = value;
            break;
          }
        }
      }
    } finally {
      this.clear(d);
    }
  }
}

const pool: BuildStack[] = [];

/**
 * Builds the value of ONE complete frame buf[start..end) (as found by FrameScanner). Attributes are
 * skipped unless the builder has `attribute`. A malformed or truncated frame, or bytes after the reply,
 * throw protocolError naming the offset (relative to `start`).
 */
export function buildReply<T = unknown>(
  buf: Uint8Array,
  start: number,
  end: number,
  builder: ReplyBuilder<T, unknown> = plainReplies as ReplyBuilder<T, unknown>,
): T {
  const b = bufferView(buf);
  if (!(start >= 0 && start < end && end <= b.length)) {
    throw otherError(`Invalid reply range ${start}..${end} of ${b.length} bytes`);
  }
  // A builder that itself calls buildReply must not disturb this call's scratch offset.
  const outerAfter = after;
  try {
    if (!isAggregate(b[start]!)) {
      // Fast path for the most common replies: one scalar.
      const value = readScalar(b, start, end, start, builder, false);
      if (after !== end) throw protocolError(`unexpected bytes after the reply at offset ${after - start}`);
      return value as T;
    }
    const stack = pool.pop() ?? new BuildStack();
    try {
      return stack.run(b, start, end, builder) as T;
    } finally {
      pool.push(stack);
    }
  } finally {
    after = outerAfter;
  }
}
