/**
 * hiredis reply type numbers (`REDIS_REPLY_*` in read.h) and the hiredis-style typed reply object.
 */

/** `$` bulk string. */
export const REDIS_REPLY_STRING = 1;
/** `*` array. */
export const REDIS_REPLY_ARRAY = 2;
/** `:` integer. */
export const REDIS_REPLY_INTEGER = 3;
/** `_`, `$-1`, `*-1` null. */
export const REDIS_REPLY_NIL = 4;
/** `+` simple string. */
export const REDIS_REPLY_STATUS = 5;
/** `-` simple error and `!` blob error. */
export const REDIS_REPLY_ERROR = 6;
/** `,` double. */
export const REDIS_REPLY_DOUBLE = 7;
/** `#` boolean. */
export const REDIS_REPLY_BOOL = 8;
/** `%` map. */
export const REDIS_REPLY_MAP = 9;
/** `~` set. */
export const REDIS_REPLY_SET = 10;
/** `|` attribute. */
export const REDIS_REPLY_ATTR = 11;
/** `>` push. */
export const REDIS_REPLY_PUSH = 12;
/** `(` big number. */
export const REDIS_REPLY_BIGNUM = 13;
/** `=` verbatim string. */
export const REDIS_REPLY_VERB = 14;

/** A hiredis-style `redisReply`: only the fields that hiredis fills for `type` are present. */
export interface TypedReply {
  /** One of the `REDIS_REPLY_*` numbers. */
  type: number;
  /**
   * The text of STRING, STATUS, ERROR, VERB (without its `txt:` prefix), BIGNUM (the digits) and DOUBLE
   * (as the server wrote it, e.g. `3.14` or `inf`). A Buffer for STRING and VERB with `returnBuffers`.
   */
  str?: string | Uint8Array;
  /** Byte length of `str` on the wire (hiredis `len`); differs from `str.length` for non-ASCII text. */
  len?: number;
  /** INTEGER value (a bigint beyond ±(2^53 - 1)); BOOL as 1 or 0, as hiredis stores it. */
  integer?: number | bigint;
  /** DOUBLE value (`Infinity`, `-Infinity` and `NaN` for inf, -inf, nan). */
  dval?: number;
  /**
   * ARRAY, SET, PUSH, MAP, ATTR: the number of children, as hiredis' `size_t elements` (a MAP of n pairs
   * has 2n), so a C loop `for (i = 0; i < r.elements; i++) use(r.element[i])` reads the same.
   */
  elements?: number;
  /** The children of an aggregate (hiredis' `element`); for MAP the flat key, value, key, value... list. */
  element?: TypedReply[];
  /** VERB format, e.g. `txt` or `mkd` (hiredis `vtype`). */
  vtype?: string;
}
