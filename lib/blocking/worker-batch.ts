/**
 * The worker's side of a batch request (layout: batch.ts): reading its commands for the engine, and writing
 * its results straight into the response area as they arrive.
 */

import { NOT_BLOCKING } from '../cluster/blocking-commands.js';
import type { BatchItem } from '../engine/batch.js';
import type { Session } from '../engine/session.js';
import type { ClusterError } from '../errors.js';
import {
  BLOCKING,
  FAILURE,
  failureLength,
  READ_ONLY,
  ROUTED_NO_REDIRECT,
  SESSION,
  TO_NODE,
  TRANSACTION,
  twoWords,
  writeFailure,
} from './batch.js';

/** Frames up to this size are copied byte by byte: cheaper than a native copy's call overhead. */
const SMALL_FRAME = 64;

/** The commands of a batch request; a SESSION command's id is looked up in `sessions`. */
export function readBatch(body: Buffer, count: number, sessions: ReadonlyMap<number, Session>): BatchItem[] {
  const commands: BatchItem[] = new Array(count);
  const { buffer, byteOffset } = body;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const flags = body[at++]!;
    const kind = flags & ~READ_ONLY;
    let slot = -1;
    let address = '';
    let extra = 0;
    if (kind === TO_NODE) {
      const length = body.readUInt16LE(at);
      address = body.toString('utf8', at + 2, at + 2 + length);
      at += 2 + length;
    } else {
      slot = body.readInt32LE(at);
      at += 4;
      if (twoWords(kind)) {
        extra = body.readInt32LE(at);
        at += 4;
      }
    }
    const length = body.readInt32LE(at);
    // A plain view: Buffer#subarray costs several times more, and nothing needs Buffer methods on it.
    commands[i] = {
      slot: kind === SESSION ? -1 : slot,
      address,
      redirects: kind !== ROUTED_NO_REDIRECT,
      readOnly: (flags & READ_ONLY) !== 0,
      blockMs: kind === BLOCKING ? extra : NOT_BLOCKING,
      frames: kind === TRANSACTION || kind === SESSION ? extra : 1,
      session: kind === SESSION ? (sessions.get(slot) ?? null) : null,
      bytes: new Uint8Array(buffer, byteOffset + at + 4, length),
    };
    at += 4 + length;
  }
  return commands;
}

/**
 * Writes a batch's results straight into the response area as they arrive (one copy per reply frame).
 * `reserve(minBytes, keepBytes)` returns an area at least `minBytes` long holding the first `keepBytes`.
 */
export class ResultsWriter {
  private area: Buffer = Buffer.alloc(0);
  private table: Int32Array = new Int32Array(0);
  private at = 0;

  constructor(private readonly reserve: (minBytes: number, keepBytes: number) => Buffer) {}

  /** Bytes written so far: the response's length once every command has its result. */
  get length(): number {
    return this.at;
  }

  /** Starts the results of `count` commands. */
  begin(count: number): void {
    this.at = count * 8;
    this.adopt(this.reserve(this.at, 0));
  }

  /** Command `index`'s reply: the frame `buf[start..end)`. */
  reply(index: number, buf: Uint8Array, start: number, end: number): void {
    const length = end - start;
    const area = this.room(length);
    const at = this.at;
    if (length <= SMALL_FRAME) for (let i = 0; i < length; i++) area[at + i] = buf[start + i]!;
    else area.set(buf.subarray(start, end), at);
    this.table[2 * index] = at;
    this.table[2 * index + 1] = length;
    this.at = at + length;
  }

  /** Command `index`'s failure. */
  failure(index: number, err: ClusterError): void {
    const area = this.room(failureLength(err));
    this.table[2 * index] = this.at;
    this.table[2 * index + 1] = FAILURE;
    this.at = writeFailure(area, this.at, err);
  }

  private room(bytes: number): Buffer {
    if (this.at + bytes > this.area.length) this.adopt(this.reserve(this.at + bytes, this.at));
    return this.area;
  }

  private adopt(area: Buffer): void {
    if (area === this.area) return;
    this.area = area;
    this.table = new Int32Array(area.buffer, area.byteOffset, area.length >> 2);
  }
}
