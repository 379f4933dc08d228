/**
 * The argument and reply types of the typed command methods (lib/face/methods.generated.ts).
 */

/** What a face's call returns: the reply itself (the blocking face) or a Promise of it (the async face). */
export type Face = 'sync' | 'async';

/** A reply as face `F` returns it. */
export type Out<F extends Face, T> = F extends 'async' ? Promise<T> : T;

/** A key: text (sent as UTF-8) or bytes. Numbers are not keys: `get(5)` does not compile. */
export type RedisKey = string | Uint8Array;

/** A value: text, bytes, or a number (sent as its decimal text). */
export type RedisValue = string | Uint8Array | number;

/** A score or a coordinate: a number, an infinity, or an exclusive bound `(1.5` where a range takes one. */
export type RedisScore = number | '+inf' | '-inf' | `(${number}`;

/** A stream entry: its ID and its fields (a field given twice keeps its last value). */
export type StreamEntry<S> = [id: string, fields: Record<string, S>];
