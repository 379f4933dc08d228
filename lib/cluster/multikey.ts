/**
 * Splitting a cross-slot multi-key command into one command per slot, and merging the replies back
 * (hiredis-cluster's command_pre_fragment / command_post_fragment).
 *
 * - MGET, DEL, EXISTS, UNLINK, TOUCH take keys only; MSET takes key/value pairs. (hiredis splits MGET,
 *   MSET, DEL and EXISTS; UNLINK and TOUCH follow the same shape.)
 * - One sub-command per SLOT, not per node; keys of a slot keep their order, parts are ordered by the
 *   first appearance of their slot. When every key maps to one slot there is nothing to split.
 * - Merging: the first error reply in part order is the result (the other parts may have run: a partial
 *   MSET is possible, as in hiredis). Otherwise MGET -> one array in the original key order, DEL / EXISTS /
 *   UNLINK / TOUCH -> the sum, MSET -> 'OK'. A part reply of the wrong shape is a context failure:
 *   otherError 'reply type error' (hiredis' text), or 'sub reply elements error' for an MGET part whose
 *   array length does not match its keys.
 */

import { Buffer } from 'node:buffer';
import { otherError, ReplyError } from '../errors.js';
import { keySlot } from './keyslot.js';

export type MultiKeyArgv = readonly (string | Uint8Array | number | bigint)[];

export interface MultiKeyPart {
  slot: number;
  argv: (string | Uint8Array | number | bigint)[];
}

/** How to read and make replies of one reply builder, so typed (hiredis-style) replies merge too. */
export interface MergeOps<T> {
  isError(reply: T): boolean;
  /** The elements of an array reply; undefined for any other reply. */
  elements(reply: T): readonly T[] | undefined;
  /** The value of an integer reply; undefined for any other reply. */
  integer(reply: T): number | undefined;
  /** True for the status reply OK. */
  isOk(reply: T): boolean;
  makeArray(elements: T[]): T;
  makeInteger(value: number): T;
  makeOk(): T;
}

/** MergeOps for the default plain reply values (ReplyError values, arrays, numbers, 'OK'). */
export const plainMergeOps: MergeOps<unknown> = {
  isError: (reply) => reply instanceof ReplyError,
  elements: (reply) => (Array.isArray(reply) ? reply : undefined),
  integer: (reply) => (typeof reply === 'number' && Number.isInteger(reply) ? reply : undefined),
  isOk: (reply) => reply === 'OK',
  makeArray: (elements) => elements,
  makeInteger: (value) => value,
  makeOk: () => 'OK',
};

const KIND_MGET = 0;
const KIND_MSET = 1;
const KIND_COUNT = 2;

const KINDS: ReadonlyMap<string, number> = new Map([
  ['MGET', KIND_MGET],
  ['MSET', KIND_MSET],
  ['DEL', KIND_COUNT],
  ['EXISTS', KIND_COUNT],
  ['UNLINK', KIND_COUNT],
  ['TOUCH', KIND_COUNT],
]);

/** True for the commands splitMultiKey can split (upper-case name). */
export function isSplittable(name: string): boolean {
  return KINDS.has(name);
}

export class MultiKeyPlan {
  readonly parts: MultiKeyPart[];
  private readonly kind: number;
  /** For each key, in original order: the index of the part that holds it. */
  private readonly partOfKey: Uint32Array;

  constructor(kind: number, parts: MultiKeyPart[], partOfKey: Uint32Array) {
    this.kind = kind;
    this.parts = parts;
    this.partOfKey = partOfKey;
  }

  /** Merges plain reply values, one per part in part order. */
  merge(replies: readonly unknown[]): unknown {
    return this.mergeWith(replies, plainMergeOps);
  }

  mergeWith<T>(replies: readonly T[], ops: MergeOps<T>): T {
    const parts = this.parts.length;
    if (replies.length !== parts) {
      throw otherError(`multi-key merge needs ${parts} replies, got ${replies.length}`);
    }
    for (let p = 0; p < parts; p++) if (ops.isError(replies[p]!)) return replies[p]!;
    if (this.kind === KIND_MSET) {
      for (let p = 0; p < parts; p++) if (!ops.isOk(replies[p]!)) throw otherError('reply type error');
      return ops.makeOk();
    }
    if (this.kind === KIND_COUNT) {
      let sum = 0;
      for (let p = 0; p < parts; p++) {
        const count = ops.integer(replies[p]!);
        if (count === undefined) throw otherError('reply type error');
        sum += count;
      }
      return ops.makeInteger(sum);
    }
    return ops.makeArray(this.mergeArrays(replies, ops));
  }

  /** MGET: walk the keys in order, taking the next element of the part that holds each key. */
  private mergeArrays<T>(replies: readonly T[], ops: MergeOps<T>): T[] {
    const parts = replies.length;
    const arrays: (readonly T[])[] = new Array(parts);
    for (let p = 0; p < parts; p++) {
      const elements = ops.elements(replies[p]!);
      if (elements === undefined) throw otherError('reply type error');
      if (elements.length !== this.parts[p]!.argv.length - 1) throw otherError('sub reply elements error');
      arrays[p] = elements;
    }
    const cursors = new Uint32Array(parts);
    const keys = this.partOfKey.length;
    const merged: T[] = new Array(keys);
    for (let k = 0; k < keys; k++) {
      const p = this.partOfKey[k]!;
      merged[k] = arrays[p]![cursors[p]!++]!;
    }
    return merged;
  }
}

/**
 * Splits argv (keys at `keyIndices`, e.g. from commandKeys) per slot. null when there is nothing to split:
 * fewer than two keys, all keys in one slot, or a command this module does not split (sent as it is, the
 * server answers CROSSSLOT if needed).
 */
export function splitMultiKey(argv: MultiKeyArgv, keyIndices: readonly number[]): MultiKeyPlan | null {
  const keys = keyIndices.length;
  if (keys < 2) return null;
  const kind = KINDS.get(commandName(argv[0]!));
  if (kind === undefined) return null;
  const slots = new Uint16Array(keys);
  let sameSlot = true;
  for (let k = 0; k < keys; k++) {
    slots[k] = keySlot(argv[keyIndices[k]!]!);
    if (slots[k] !== slots[0]) sameSlot = false;
  }
  if (sameSlot) return null;
  const command = argv[0]!;
  const partBySlot = new Map<number, number>();
  const parts: MultiKeyPart[] = [];
  const partOfKey = new Uint32Array(keys);
  for (let k = 0; k < keys; k++) {
    const slot = slots[k]!;
    let p = partBySlot.get(slot);
    if (p === undefined) {
      p = parts.length;
      partBySlot.set(slot, p);
      parts.push({ slot, argv: [command] });
    }
    partOfKey[k] = p;
    const at = keyIndices[k]!;
    const partArgv = parts[p]!.argv;
    partArgv.push(argv[at]!);
    if (kind === KIND_MSET) {
      if (at + 1 >= argv.length) throw otherError(`MSET key at index ${at} has no value`);
      partArgv.push(argv[at + 1]!);
    }
  }
  return new MultiKeyPlan(kind, parts, partOfKey);
}

function commandName(arg: string | Uint8Array | number | bigint): string {
  const name =
    typeof arg === 'string' || typeof arg === 'number' || typeof arg === 'bigint'
      ? String(arg)
      : Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('latin1');
  return name.toUpperCase();
}
