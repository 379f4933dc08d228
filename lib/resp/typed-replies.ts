/**
 * A ReplyBuilder of hiredis-style typed replies ({@link TypedReply}), for code that mirrors hiredis'
 * `redisReply` handling (the CLIs print replies the way hiredis-cluster's do).
 */
import { Buffer } from 'node:buffer';
import type { FastBuffer } from './buffer-view.js';
import type { ReplyBuilder } from './reply-builder.js';
import {
  REDIS_REPLY_BIGNUM,
  REDIS_REPLY_BOOL,
  REDIS_REPLY_DOUBLE,
  REDIS_REPLY_ERROR,
  REDIS_REPLY_INTEGER,
  REDIS_REPLY_NIL,
  REDIS_REPLY_STATUS,
  REDIS_REPLY_STRING,
  REDIS_REPLY_VERB,
  type TypedReply,
} from './reply-types.js';

type Aggregate = TypedReply & { elements: number; element: TypedReply[] };

function utf8(buf: Buffer, start: number, end: number): string {
  return (buf as FastBuffer).utf8Slice(start, end);
}

function copy(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  buf.copy(out, 0, start, end);
  return out;
}

function makeTypedReplies(returnBuffers: boolean): ReplyBuilder<TypedReply, Aggregate> {
  const payload = returnBuffers ? copy : utf8;
  return {
    string: (buf, start, end) => ({
      type: REDIS_REPLY_STRING,
      str: payload(buf, start, end),
      len: end - start,
    }),
    status: (buf, start, end) => ({ type: REDIS_REPLY_STATUS, str: utf8(buf, start, end), len: end - start }),
    error: (buf, start, end) => ({ type: REDIS_REPLY_ERROR, str: utf8(buf, start, end), len: end - start }),
    verbatim: (format, buf, start, end) => ({
      type: REDIS_REPLY_VERB,
      str: payload(buf, start, end),
      len: end - start,
      vtype: format,
    }),
    integer: (value) => ({ type: REDIS_REPLY_INTEGER, integer: value }),
    double: (value, buf, start, end) => ({
      type: REDIS_REPLY_DOUBLE,
      dval: value,
      str: (buf as FastBuffer).latin1Slice(start, end),
      len: end - start,
    }),
    bigNumber: (buf, start, end) => ({
      type: REDIS_REPLY_BIGNUM,
      str: (buf as FastBuffer).latin1Slice(start, end),
      len: end - start,
    }),
    bool: (value) => ({ type: REDIS_REPLY_BOOL, integer: value ? 1 : 0 }),
    nil: () => ({ type: REDIS_REPLY_NIL }),
    aggregate: (type) => ({ type, elements: 0, element: [] }),
    element(container, _index, value) {
      container.element.push(value);
    },
    entry(container, key, value) {
      container.element.push(key, value);
    },
    end(container) {
      container.elements = container.element.length;
      return container;
    },
  };
}

/** hiredis-style typed replies; strings as UTF-8 text. */
export const typedReplies: ReplyBuilder<TypedReply> = makeTypedReplies(false) as ReplyBuilder<TypedReply>;

const typedBuffers = makeTypedReplies(true) as ReplyBuilder<TypedReply>;

/** hiredis-style typed replies; with `returnBuffers`, STRING and VERB `str` are Buffers (copies). */
export function typedRepliesWith(opts: { returnBuffers?: boolean }): ReplyBuilder<TypedReply> {
  return opts.returnBuffers ? typedBuffers : typedReplies;
}
