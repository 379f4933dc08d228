/**
 * Reply values of the mock nodes: what a data command produces and what a test injects with
 * `MockCluster.replyNext()`. Plain data only (no class instances), because they cross between the
 * caller's thread and the worker that hosts the nodes.
 *
 * @module
 */

/** A `+status` line. */
export interface StatusReply {
  /** The text after `+`, e.g. `OK`. */
  readonly status: string;
}

/** A `-error` line. */
export interface ErrorReply {
  /** The text after `-`, e.g. `TRYAGAIN Multiple keys request during rehashing of slot`. */
  readonly error: string;
}

/** A RESP3 double (`,1.5`); a bulk string of the number in RESP2. */
export interface DoubleReply {
  /** The number. */
  readonly double: number;
}

/** A RESP3 map (`%`); a flat key/value array in RESP2. */
export interface MapReply {
  /** Key/value pairs in order. */
  readonly map: readonly (readonly [MockReply, MockReply])[];
}

/** A RESP3 set (`~`); an array in RESP2. */
export interface SetReply {
  /** The members in order. */
  readonly set: readonly MockReply[];
}

/** A RESP3 verbatim string (`=`, format `txt`); a bulk string in RESP2. */
export interface VerbatimReply {
  /** The text. */
  readonly verbatim: string;
}

/** Bytes sent as they are, whatever the protocol: malformed or unusual replies for fault specs. */
export interface RawReply {
  /** The bytes (a string is sent as UTF-8). */
  readonly raw: string | Uint8Array;
}

/**
 * One reply: a string or bytes is a bulk string, an integer number or a bigint an integer, `null` nil,
 * an array an array; the tagged objects are the other RESP types.
 */
export type MockReply =
  | string
  | Uint8Array
  | number
  | bigint
  | null
  | readonly MockReply[]
  | StatusReply
  | ErrorReply
  | DoubleReply
  | MapReply
  | SetReply
  | VerbatimReply
  | RawReply;

/** `+text`, e.g. `mockStatus('OK')`. */
export function mockStatus(text: string): StatusReply {
  return { status: text };
}

/** `-text`, e.g. `mockError('CLUSTERDOWN The cluster is down')`. */
export function mockError(text: string): ErrorReply {
  return { error: text };
}

/** Bytes sent as they are. */
export function rawReply(bytes: string | Uint8Array): RawReply {
  return { raw: bytes };
}

/** The error text of an error reply, or undefined for any other reply. */
export function errorText(reply: MockReply): string | undefined {
  return reply !== null && typeof reply === 'object' && 'error' in reply ? reply.error : undefined;
}
