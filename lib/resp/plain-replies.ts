/**
 * The default ReplyBuilder: plain JS values.
 *
 * status -> string, error -> ReplyError (returned, not thrown), integer -> number (bigint beyond
 * ±(2^53 - 1)), bulk -> string (a copied Buffer with returnBuffers), nil -> null, array -> Array,
 * map -> Map (an attribute too, for a builder that adds `attribute`), set -> Set, double -> number,
 * boolean -> boolean, big number -> bigint, verbatim -> string without its format prefix (a copied
 * Buffer with returnBuffers), push -> PushReply.
 */
import { Buffer } from 'node:buffer';
import { ReplyError } from '../errors.js';
import type { FastBuffer } from './buffer-view.js';
import type { ReplyBuilder } from './reply-builder.js';
import { REDIS_REPLY_ATTR, REDIS_REPLY_MAP, REDIS_REPLY_PUSH, REDIS_REPLY_SET } from './reply-types.js';

/** A push frame (`>`): an Array subclass, so it is never mistaken for a command's reply. */
export class PushReply extends Array<unknown> {}

type Container = unknown[] | Map<unknown, unknown> | Set<unknown>;

function text(buf: Buffer, start: number, end: number): string {
  // 'OK' is most replies to writes: skip the native call.
  if (end - start === 2 && buf[start] === 79 && buf[start + 1] === 75) return 'OK';
  return (buf as FastBuffer).utf8Slice(start, end);
}

/** A copy: the frame's memory is reused for the next reply. */
function copy(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  buf.copy(out, 0, start, end);
  return out;
}

function makePlainReplies(returnBuffers: boolean): ReplyBuilder<unknown, Container> {
  return {
    string: returnBuffers ? copy : text,
    status: text,
    error: (buf, start, end) => new ReplyError((buf as FastBuffer).utf8Slice(start, end)),
    verbatim: returnBuffers
      ? (_format, buf, start, end) => copy(buf, start, end)
      : (_format, buf, start, end) => text(buf, start, end),
    integer: (value) => value,
    double: (value) => value,
    bigNumber: (buf, start, end) => BigInt((buf as FastBuffer).latin1Slice(start, end)),
    bool: (value) => value,
    nil: () => null,
    aggregate(type, length) {
      if (type === REDIS_REPLY_MAP || type === REDIS_REPLY_ATTR) return new Map();
      if (type === REDIS_REPLY_SET) return new Set();
      if (type === REDIS_REPLY_PUSH) return new PushReply();
      return length > 0 ? new Array(length) : [];
    },
    element(container, index, value) {
      if (container instanceof Set) container.add(value);
      else (container as unknown[])[index] = value;
    },
    entry(container, key, value) {
      (container as Map<unknown, unknown>).set(key, value);
    },
    end: (container) => container,
  };
}

/** Plain JS values; bulk strings as UTF-8 strings. */
export const plainReplies: ReplyBuilder = makePlainReplies(false);

const plainBuffers = makePlainReplies(true);

/** Plain JS values; with `returnBuffers`, bulk and verbatim strings are Buffers (copies). */
export function plainRepliesWith(opts: { returnBuffers?: boolean }): ReplyBuilder {
  return opts.returnBuffers ? plainBuffers : plainReplies;
}
