/**
 * Mock replies to RESP bytes, for a link speaking RESP2 or RESP3 (after `HELLO 3`). RESP2 has no
 * doubles, maps, sets or verbatim strings: they go out the way Redis sends them to RESP2 clients.
 */
import { Buffer } from 'node:buffer';
import type { MockReply } from './mock-reply.js';

const CRLF = Buffer.from('\r\n');

/** The bytes of `reply` for a link speaking protocol `resp`. Throws on a value RESP cannot carry. */
export function encodeReply(reply: MockReply, resp: 2 | 3): Buffer {
  const parts: Buffer[] = [];
  encodeInto(reply, resp, parts);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function line(prefix: string, text: string): Buffer {
  if (/[\r\n]/.test(text))
    throw new Error(`a RESP ${prefix} line cannot hold CR or LF: ${JSON.stringify(text)}`);
  return Buffer.from(`${prefix}${text}\r\n`);
}

function bulk(bytes: Buffer, parts: Buffer[]): void {
  parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
}

/** Redis' text of a double: shortest round trip, `inf` / `-inf` / `nan`. */
function doubleText(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  return String(value);
}

/** Array.isArray does not narrow readonly arrays out of a union (and arrays have a `map` method). */
function isArrayReply(reply: MockReply): reply is readonly MockReply[] {
  return Array.isArray(reply);
}

function encodeInto(reply: MockReply, resp: 2 | 3, parts: Buffer[]): void {
  if (reply === null) {
    parts.push(Buffer.from(resp === 3 ? '_\r\n' : '$-1\r\n'));
  } else if (typeof reply === 'string') {
    bulk(Buffer.from(reply, 'utf8'), parts);
  } else if (reply instanceof Uint8Array) {
    bulk(Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength), parts);
  } else if (typeof reply === 'number') {
    if (!Number.isInteger(reply)) throw new Error(`an integer reply must be an integer, got ${reply}`);
    parts.push(Buffer.from(`:${reply}\r\n`));
  } else if (typeof reply === 'bigint') {
    parts.push(Buffer.from(`:${reply}\r\n`));
  } else if (isArrayReply(reply)) {
    aggregate('*', reply, resp, parts);
  } else if ('status' in reply) {
    parts.push(line('+', reply.status));
  } else if ('error' in reply) {
    parts.push(line('-', reply.error));
  } else if ('double' in reply) {
    const text = doubleText(reply.double);
    if (resp === 3) parts.push(line(',', text));
    else bulk(Buffer.from(text), parts);
  } else if ('map' in reply) {
    if (resp === 3) parts.push(Buffer.from(`%${reply.map.length}\r\n`));
    else parts.push(Buffer.from(`*${reply.map.length * 2}\r\n`));
    for (const [key, value] of reply.map) {
      encodeInto(key, resp, parts);
      encodeInto(value, resp, parts);
    }
  } else if ('set' in reply) {
    aggregate(resp === 3 ? '~' : '*', reply.set, resp, parts);
  } else if ('verbatim' in reply) {
    const text = Buffer.from(reply.verbatim, 'utf8');
    if (resp === 3) parts.push(Buffer.from(`=${text.length + 4}\r\ntxt:`), text, CRLF);
    else bulk(text, parts);
  } else if ('raw' in reply) {
    parts.push(typeof reply.raw === 'string' ? Buffer.from(reply.raw, 'utf8') : Buffer.from(reply.raw));
  } else {
    throw new Error(`not a mock reply: ${JSON.stringify(reply)}`);
  }
}

function aggregate(prefix: string, items: readonly MockReply[], resp: 2 | 3, parts: Buffer[]): void {
  parts.push(Buffer.from(`${prefix}${items.length}\r\n`));
  for (const item of items) encodeInto(item, resp, parts);
}
