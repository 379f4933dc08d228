/**
 * What makes reply values (hiredis' `redisReplyObjectFunctions`), in its own file so that build.ts and
 * the builders it ships (plain-replies.ts, typed-replies.ts) all import it without importing each other.
 */
import type { Buffer } from 'node:buffer';

/**
 * Makes reply values, one call per RESP element. Scalars receive the frame's bytes as (buf, start, end):
 * a builder must copy what it keeps, never hold a view of `buf`. Aggregates are built by
 * `aggregate` -> `element`/`entry` per child -> `end`, with no closure per element.
 *
 * @typeParam T - the value type produced for every element.
 * @typeParam C - the container type of aggregates under construction.
 */
export interface ReplyBuilder<T = unknown, C = unknown> {
  /** `$` bulk string (also a whole `$?` streamed string): the bytes buf[start..end). */
  string(buf: Buffer, start: number, end: number): T;
  /** `+` simple string. */
  status(buf: Buffer, start: number, end: number): T;
  /** `-` simple error or `!` blob error: the text buf[start..end). */
  error(buf: Buffer, start: number, end: number): T;
  /** `=` verbatim string: `format` is the three letters before `:` (e.g. `txt`), the text is buf[start..end). */
  verbatim(format: string, buf: Buffer, start: number, end: number): T;
  /** `:` integer: a number, or a bigint beyond ±(2^53 - 1). */
  integer(value: number | bigint): T;
  /** `,` double (`Infinity`, `-Infinity`, `NaN` for inf, -inf, nan); its text as sent is buf[start..end). */
  double(value: number, buf: Buffer, start: number, end: number): T;
  /** `(` big number: its digits are buf[start..end). */
  bigNumber(buf: Buffer, start: number, end: number): T;
  /** `#t` / `#f`. */
  bool(value: boolean): T;
  /** `_`, `$-1`, `*-1`. */
  nil(): T;
  /**
   * Starts an aggregate. `type` is REDIS_REPLY_ARRAY, SET, PUSH, MAP or ATTR; `length` is its number of
   * elements (keys and values count separately, so 2 × pairs for MAP and ATTR), or -1 when streamed.
   */
  aggregate(type: number, length: number): C;
  /** Child `index` of an ARRAY, SET or PUSH. */
  element(container: C, index: number, value: T): void;
  /** One key/value pair of a MAP or ATTR. */
  entry(container: C, key: T, value: T): void;
  /** The aggregate is complete: its value. */
  end(container: C, type: number): T;
  /**
   * Optional. Receives a complete attribute (`|`, built as an ATTR aggregate) and the value it annotates,
   * and returns the value to use. Without it attributes are skipped and never built.
   */
  attribute?(attribute: T, value: T): T;
}
