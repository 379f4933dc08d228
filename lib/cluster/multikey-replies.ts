/**
 * How the parts of a split multi-key command are built and merged for a context's reply builder:
 * the default and hiredis-style typed builders merge in their own shapes; a custom builder gets the
 * merged plain value (its parts are built as plain values, since merging needs to read them).
 */

import {
  plainReplies,
  plainRepliesWith,
  REDIS_REPLY_ARRAY,
  REDIS_REPLY_ERROR,
  REDIS_REPLY_INTEGER,
  REDIS_REPLY_STATUS,
  type ReplyBuilder,
  type TypedReply,
  typedReplies,
  typedRepliesWith,
} from '../resp/build.js';
import { type MergeOps, plainMergeOps } from './multikey.js';

/** Merge rules for hiredis-style typed replies. */
export const typedMergeOps: MergeOps<TypedReply> = {
  isError: (reply) => reply.type === REDIS_REPLY_ERROR,
  elements: (reply) => (reply.type === REDIS_REPLY_ARRAY ? reply.element : undefined),
  integer: (reply) => (reply.type === REDIS_REPLY_INTEGER ? Number(reply.integer) : undefined),
  isOk: (reply) => reply.type === REDIS_REPLY_STATUS && reply.str === 'OK',
  makeArray: (element) => ({ type: REDIS_REPLY_ARRAY, elements: element.length, element }),
  makeInteger: (value) => ({ type: REDIS_REPLY_INTEGER, integer: value }),
  makeOk: () => ({ type: REDIS_REPLY_STATUS, str: 'OK', len: 2 }),
};

export interface MultiKeyReplies {
  /** Builds each part's reply. */
  builder: ReplyBuilder;
  /** Merges the parts' replies. */
  ops: MergeOps<unknown>;
}

/** The part builder and merge rules for replies made by `builder`. */
export function multiKeyReplies(builder: ReplyBuilder): MultiKeyReplies {
  if (builder === typedReplies || builder === typedRepliesWith({ returnBuffers: true })) {
    return { builder, ops: typedMergeOps as MergeOps<unknown> };
  }
  if (builder === plainRepliesWith({ returnBuffers: true })) return { builder, ops: plainMergeOps };
  return { builder: plainReplies, ops: plainMergeOps };
}
