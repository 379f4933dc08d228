/**
 * The decoder's reference model: random valid RESP2/RESP3 frames of every type (streamed strings and
 * aggregates, attributes, nesting) together with what they must decode to — the plain value, the
 * hiredis-style typed reply — and the decoder limits they need. Written from the RESP3 spec, not from
 * lib/resp, so the two can disagree.
 */
import { Buffer } from 'node:buffer';
import { ReplyError } from '../../lib/errors.js';
import { PushReply } from '../../lib/resp/plain-replies.js';
import type { TypedReply } from '../../lib/resp/reply-types.js';
import type { RespLimits } from '../../lib/resp/scan.js';
import type { Random } from './random.js';

/** One generated frame and what it must decode to. */
export interface ModelFrame {
  wire: Buffer;
  /** The plainReplies value (compare with {@link view}). */
  plain: unknown;
  /** The typedReplies value. */
  typed: TypedReply;
  /** The smallest limits that accept the frame. */
  needs: RespLimits;
  /** The type of every element in it, as on the wire: `$`, `$?`, `*`, `*?`, `|`, ... */
  kinds: string[];
}

/** A comparable picture of a plain reply that keeps its kinds visible (Map, Set, PushReply, errors). */
export function view(value: unknown): unknown {
  if (value instanceof ReplyError) return { error: value.message };
  if (value instanceof PushReply) return { push: [...value].map(view) };
  if (Buffer.isBuffer(value)) return { buffer: value.toString('hex') };
  if (Array.isArray(value)) return value.map(view);
  if (value instanceof Map) return { map: [...value].map(([k, v]) => [view(k), view(v)]) };
  if (value instanceof Set) return { set: [...value].map(view) };
  return value;
}

/** Shape knobs of the generator. */
export interface ModelOptions {
  /** Deepest aggregate nesting to generate (may exceed the limits on purpose). */
  maxDepth: number;
  /** Most elements per aggregate. */
  maxElements: number;
  /** Probability of a large (up to 70 KB) bulk string: crosses the links' read buffers. */
  largeBulk: number;
}

const CRLF = Buffer.from('\r\n');

/** A value under construction: its wire parts, the limits it needs and the types in it. */
interface Node {
  parts: Buffer[];
  plain: unknown;
  typed: TypedReply;
  needs: RespLimits;
  kinds: string[];
}

function needs(bulk = 0, elements = 0, depth = 0): RespLimits {
  return { maxBulkLength: bulk, maxAggregateElements: elements, maxDepth: depth };
}

function widen(into: RespLimits, from: RespLimits): void {
  into.maxBulkLength = Math.max(into.maxBulkLength, from.maxBulkLength);
  into.maxAggregateElements = Math.max(into.maxAggregateElements, from.maxAggregateElements);
  into.maxDepth = Math.max(into.maxDepth, from.maxDepth);
}

function ascii(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** Bytes of a `+`/`-` line: anything but CR (a bare LF is legal inside a line). */
function lineBytes(rng: Random): Buffer {
  const n = rng.size(6);
  const out = rng.chance(0.5) ? ascii(randomWord(rng, n)) : rng.bytes(n);
  for (let i = 0; i < out.length; i++) if (out[i] === 13) out[i] = rng.chance(0.5) ? 10 : 32;
  return out;
}

function randomWord(rng: Random, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.range(32, 126));
  return s;
}

/** A bulk payload: text, binary, CRLF-laden or UTF-8, sometimes large. */
function payload(rng: Random, options: ModelOptions): Buffer {
  if (rng.chance(options.largeBulk)) return rng.bytes(rng.range(16 * 1024, 70 * 1024));
  const n = rng.size(7);
  switch (rng.int(4)) {
    case 0:
      return ascii(randomWord(rng, n));
    case 1:
      return rng.bytes(n);
    case 2:
      return Buffer.from('é😀\r\n\0'.repeat(1 + (n >> 3)), 'utf8').subarray(0, n);
    default:
      return ascii('\r\n'.repeat(n)).subarray(0, n);
  }
}

const INTEGER_TEXTS = [
  '0',
  '-0',
  '+7',
  '9007199254740991',
  '-9007199254740991',
  '9007199254740992',
  '-9007199254740993',
  '9223372036854775807',
  '-9223372036854775808',
  '00000000000000000012',
  '123456789012345678901234567890',
];

function integerText(rng: Random): string {
  if (rng.chance(0.4)) return rng.pick(INTEGER_TEXTS);
  const value = BigInt(rng.next()) * BigInt(rng.next() >>> rng.int(32));
  return `${rng.pick(['', '-', '+'])}${value}`;
}

const DOUBLE_SPECIALS = ['inf', '-inf', '+inf', 'nan', '-nan', 'INF', 'NaN', '-Inf'];

function doubleText(rng: Random): string {
  if (rng.chance(0.15)) return rng.pick(DOUBLE_SPECIALS);
  const x = rng.chance(0.5) ? (rng.float() - 0.5) * 10 ** rng.range(-20, 20) : bitsToDouble(rng);
  if (!Number.isFinite(x)) return 'inf';
  switch (rng.int(6)) {
    case 0:
      return x.toExponential(rng.int(17));
    case 1:
      return x.toExponential(rng.int(10)).toUpperCase();
    case 2:
      return Math.abs(x) < 1e20 ? x.toFixed(rng.int(12)) : String(x);
    case 3:
      return rng.pick(['.5', '5.', '-.25', '+1.5', '0', '-0', '1e0', '2E+3', '1e-310']);
    default:
      return String(x);
  }
}

function bitsToDouble(rng: Random): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, rng.next());
  view.setUint32(4, rng.next());
  return view.getFloat64(0);
}

/** The value a RESP3 double's text stands for (inf/nan in any case, with a sign). */
function doubleValue(text: string): number {
  const word = text.replace(/^[+-]/, '').toLowerCase();
  if (word === 'nan') return Number.NaN;
  if (word === 'inf') return text.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

function integerValue(text: string): number | bigint {
  const big = BigInt(text);
  return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
}

/** A line-typed scalar: `<type><content>\r\n`. */
function line(type: string, content: Buffer, plain: unknown, typed: TypedReply): Node {
  return { parts: [ascii(type), content, CRLF], plain, typed, needs: needs(content.length), kinds: [type] };
}

/** A length-prefixed scalar: `<type><len>\r\n<content>\r\n`. */
function counted(type: string, content: Buffer, plain: unknown, typed: TypedReply): Node {
  return {
    parts: [ascii(`${type}${content.length}\r\n`), content, CRLF],
    plain,
    typed,
    needs: needs(content.length),
    kinds: [type],
  };
}

function scalar(rng: Random, options: ModelOptions, level: number): Node {
  switch (rng.int(14)) {
    case 0: {
      const text = lineBytes(rng);
      const str = text.toString('utf8');
      return line('+', text, str, { type: 5, str, len: text.length });
    }
    case 1: {
      const text = lineBytes(rng);
      const str = text.toString('utf8');
      return line('-', text, new ReplyError(str), { type: 6, str, len: text.length });
    }
    case 2: {
      const text = integerText(rng);
      const value = integerValue(text);
      return line(':', ascii(text), value, { type: 3, integer: value });
    }
    case 3:
    case 4: {
      const bytes = payload(rng, options);
      const str = bytes.toString('utf8');
      return counted('$', bytes, str, { type: 1, str, len: bytes.length });
    }
    case 5: {
      const wire = rng.pick(['$-1\r\n', '*-1\r\n', '_\r\n']);
      return {
        parts: [ascii(wire)],
        plain: null,
        typed: { type: 4 },
        needs: needs(),
        kinds: [wire.slice(0, -2)],
      };
    }
    case 6: {
      const text = doubleText(rng);
      const value = doubleValue(text);
      return line(',', ascii(text), value, { type: 7, dval: value, str: text, len: text.length });
    }
    case 7: {
      const value = rng.chance(0.5);
      return line('#', ascii(value ? 't' : 'f'), value, { type: 8, integer: value ? 1 : 0 });
    }
    case 8: {
      const text = `${rng.pick(['', '-', '+'])}${randomDigits(rng, rng.range(1, 60))}`;
      return line('(', ascii(text), BigInt(text), { type: 13, str: text, len: text.length });
    }
    case 9: {
      const bytes = payload(rng, options);
      const str = bytes.toString('utf8');
      return counted('!', bytes, new ReplyError(str), { type: 6, str, len: bytes.length });
    }
    case 10: {
      const format = rng.chance(0.7) ? ascii(rng.pick(['txt', 'mkd'])) : rng.bytes(3);
      const text = payload(rng, options);
      const str = text.toString('utf8');
      return counted('=', Buffer.concat([format, ascii(':'), text]), str, {
        type: 14,
        str,
        len: text.length,
        vtype: format.toString('latin1'),
      });
    }
    case 11:
      return streamedString(rng, options, level);
    default:
      return line('_', Buffer.alloc(0), null, { type: 4 });
  }
}

function randomDigits(rng: Random, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(48 + rng.int(10));
  return s;
}

/** `$?` then `;len` chunks and `;0`: one string, and one nesting level while it streams. */
function streamedString(rng: Random, options: ModelOptions, level: number): Node {
  const parts: Buffer[] = [ascii('$?\r\n')];
  const chunks: Buffer[] = [];
  for (let i = rng.int(4); i > 0; i--) {
    const chunk = payload(rng, options);
    if (chunk.length === 0) continue;
    chunks.push(chunk);
    parts.push(ascii(`;${chunk.length}\r\n`), chunk, CRLF);
  }
  parts.push(ascii(';0\r\n'));
  const joined = Buffer.concat(chunks);
  const str = joined.toString('utf8');
  return {
    parts,
    plain: str,
    typed: { type: 1, str, len: joined.length },
    needs: needs(joined.length, 0, level + 1),
    kinds: ['$?'],
  };
}

/** Aggregate kinds: type byte, hiredis type, whether elements come in key/value pairs. */
const AGGREGATES: readonly [string, number, boolean][] = [
  ['*', 2, false],
  ['~', 10, false],
  ['%', 9, true],
  ['>', 12, false],
];

function aggregate(rng: Random, options: ModelOptions, level: number): Node {
  const [type, typedType, pairs] = rng.pick(AGGREGATES);
  const streamed = type !== '>' && rng.chance(0.25);
  const count = rng.int(options.maxElements + 1);
  const children: Node[] = [];
  for (let i = 0; i < (pairs ? 2 * count : count); i++) children.push(value(rng, options, level + 1));
  const elements = children.length;
  const parts: Buffer[] = [ascii(streamed ? `${type}?\r\n` : `${type}${count}\r\n`)];
  const need = needs(0, elements, streamed || elements > 0 ? level + 1 : 0);
  const kinds = [streamed ? `${type}?` : type];
  for (const child of children) {
    parts.push(...child.parts);
    widen(need, child.needs);
    kinds.push(...child.kinds);
  }
  if (streamed) parts.push(ascii('.\r\n'));
  const typed: TypedReply = { type: typedType, elements, element: children.map((c) => c.typed) };
  let plain: unknown;
  if (type === '%') {
    const map = new Map<unknown, unknown>();
    for (let i = 0; i < children.length; i += 2) map.set(children[i]!.plain, children[i + 1]!.plain);
    plain = map;
  } else if (type === '~') plain = new Set(children.map((c) => c.plain));
  else if (type === '>') plain = PushReply.from(children.map((c) => c.plain));
  else plain = children.map((c) => c.plain);
  return { parts, plain, typed, needs: need, kinds };
}

/** `|n` key/value pairs: skipped by both builders, but scanned against the limits. */
function attribute(rng: Random, options: ModelOptions, level: number): Node {
  const count = rng.int(3);
  const parts: Buffer[] = [ascii(`|${count}\r\n`)];
  const need = needs(0, 2 * count, count > 0 ? level + 1 : 0);
  const kinds = ['|'];
  for (let i = 0; i < 2 * count; i++) {
    const child = value(rng, options, level + 1);
    parts.push(...child.parts);
    widen(need, child.needs);
    kinds.push(...child.kinds);
  }
  return { parts, plain: undefined, typed: { type: 11 }, needs: need, kinds };
}

/** Any value at nesting `level` (0: a whole frame), sometimes annotated by attributes. */
function value(rng: Random, options: ModelOptions, level: number): Node {
  const node =
    level < options.maxDepth && rng.chance(level === 0 ? 0.6 : 0.3)
      ? aggregate(rng, options, level)
      : scalar(rng, options, level);
  if (!rng.chance(0.08)) return node;
  const annotation = attribute(rng, options, level);
  widen(annotation.needs, node.needs);
  return {
    ...node,
    parts: [...annotation.parts, ...node.parts],
    needs: annotation.needs,
    kinds: [...annotation.kinds, ...node.kinds],
  };
}

/** One random complete frame. */
export function modelFrame(rng: Random, options: ModelOptions): ModelFrame {
  const node = value(rng, options, 0);
  const wire = Buffer.concat(node.parts);
  return {
    wire,
    plain: node.plain,
    typed: node.typed,
    needs: node.needs,
    kinds: node.kinds,
  };
}

/** Names of the limits a frame needs more of than `limits` allow. */
export function exceededLimits(frame: ModelFrame, limits: RespLimits): (keyof RespLimits)[] {
  return (Object.keys(limits) as (keyof RespLimits)[]).filter((name) => frame.needs[name] > limits[name]);
}
