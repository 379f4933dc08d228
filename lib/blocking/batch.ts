/**
 * The byte layout of the blocking context's requests and responses inside the channel's areas.
 *
 * A batch request holds `count` commands, each:
 *   u8 kind (| READ_ONLY) | its target: i32 slot (ROUTED, ROUTED_NO_REDIRECT), u16 length + "host:port" (TO_NODE), i32 slot +
 *   i32 wait in ms (BLOCKING), i32 slot + i32 frames (TRANSACTION), i32 session id + i32 frames (SESSION) |
 *   i32 length + the command's RESP bytes.
 * Its response starts with a table of `count` Int32 pairs, one per command in order: where its result starts
 * and its length, or -1 for a failure. The results follow in the order they arrived: a reply is its frame,
 * a failure is i32 err code | i32 length + UTF-8 errstr | i32 length + UTF-8 address of its node (0: none).
 * Both threads share the platform's byte order. Other opcodes answer STATUS_OK with no bytes, or
 * STATUS_ERROR with one failure (the same layout).
 *
 * A hand-over (OP_HANDOVER) is a batch of one ROUTED command the caller started on a lent link itself,
 * followed by what it did there: i32 board index | i32 bytes written (-1: none) | i32 failure (0 none,
 * 1 EOF, 2 I/O error) | i32 err code | i32 length + UTF-8 errstr | i32 length + the reply bytes it read.
 * Its response is a batch's.
 */
import type { TransportError } from '../../adapters/adapter.js';
import type { Adopted } from '../engine/lending.js';
import { ClusterError } from '../errors.js';
import { type CommandArg, encodeArgvInto } from '../resp/encode.js';

/** One command or a whole pipeline. */
export const OP_BATCH = 1;
/** The initial slot map (hiredis' redisClusterConnect2). */
export const OP_CONNECT = 2;
/** A blocking slot-map update (redisClusterUpdateSlotmap). */
export const OP_UPDATE = 3;
/** A new command timeout for every link (i32 ms). */
export const OP_SET_TIMEOUT = 4;
/** Drop every link (hiredis' redisClusterReset after an error). */
export const OP_DROP_LINKS = 5;
/** Open a WATCH session on the node of a slot (i32 slot); answers its i32 id. */
export const OP_SESSION_OPEN = 6;
/** Close a WATCH session (i32 id). */
export const OP_SESSION_CLOSE = 7;
/** The links of every known node, answered as JSON (NodeLinks[]). */
export const OP_LINKS = 8;
/** A command the caller started on a lent link, for the worker to adopt (layout above). */
export const OP_HANDOVER = 9;
/** Subscribe (JSON: kind, names, everyPrimary); answered once confirmed. */
export const OP_SUBSCRIBE = 10;
/** Unsubscribe (JSON: kind, names or null for all). */
export const OP_UNSUBSCRIBE = 11;
/** The next message (i32 ms to wait for one); answered as JSON, empty when none came. */
export const OP_GET_MESSAGE = 12;

/** Routed by slot, following redirects. */
export const ROUTED = 0;
/** Routed by slot; a redirect is the reply (hiredis' pipelines). */
export const ROUTED_NO_REDIRECT = 1;
/** Sent to one node (ToNode). */
export const TO_NODE = 2;
/** Routed by slot, on a dedicated link of its own: a blocking command and how long it may wait. */
export const BLOCKING = 3;
/** A transaction (MULTI … EXEC as one command) routed by slot, and the reply frames it brings. */
export const TRANSACTION = 4;
/** A command or a transaction on a WATCH session's link, and the reply frames it brings. */
export const SESSION = 5;

/** Or-ed into a routed kind: the command is read-only (readFrom may send it to a replica). */
export const READ_ONLY = 0x80;

/** True for the kinds whose target is two i32 words. */
export function twoWords(kind: number): boolean {
  return kind >= BLOCKING;
}

/** The table's length of a failed command. */
export const FAILURE = -1;

/** Appends commands to a growable area; `grow(min, keep)` returns a bigger area holding the first `keep` bytes. */
export class BatchWriter {
  length = 0;
  count = 0;
  /** Where the last command's RESP bytes start in {@link area} (they end at {@link length}). */
  commandStart = 0;

  constructor(
    private buffer: Buffer,
    private readonly grow: (minBytes: number, keepBytes: number) => Buffer,
  ) {}

  /** The area written into (the last grown one). */
  get area(): Buffer {
    return this.buffer;
  }

  /** Appends a hand-over's tail after the command (layout above). */
  addHandover(
    index: number,
    written: number,
    failure: TransportError | undefined | null,
    read: Uint8Array,
  ): void {
    const area = this.room(handoverLength(failure, read.length));
    this.length = writeHandover(area, this.length, index, written, failure, read);
  }

  /** Starts over at the beginning of the area (the last grown one). */
  reset(): void {
    this.length = 0;
    this.count = 0;
  }

  /** Room for `bytes` more. */
  private room(bytes: number): Buffer {
    if (this.length + bytes > this.buffer.length) this.buffer = this.grow(this.length + bytes, this.length);
    return this.buffer;
  }

  /**
   * Adds a command encoded straight into the area (no intermediate buffer). `slot` is the session id for
   * SESSION; `extra` the wait (BLOCKING) or the reply frames (TRANSACTION, SESSION).
   */
  addArgv(kind: number, slot: number, address: string, argv: readonly CommandArg[], extra = 0): void {
    const start = this.writeHeader(kind, slot, address, extra, 64);
    this.commandStart = start + 4;
    let end = encodeArgvInto(this.buffer, start + 4, argv);
    while (end < 0) {
      this.buffer = this.grow(this.buffer.length * 2, start);
      end = encodeArgvInto(this.buffer, start + 4, argv);
    }
    this.buffer.writeInt32LE(end - start - 4, start);
    this.length = end;
    this.count++;
  }

  /** Adds a pre-encoded command (see addArgv). */
  add(kind: number, slot: number, address: string, command: Uint8Array, extra = 0): void {
    const start = this.writeHeader(kind, slot, address, extra, command.length);
    this.buffer.writeInt32LE(command.length, start);
    this.buffer.set(command, start + 4);
    this.commandStart = start + 4;
    this.length = start + 4 + command.length;
    this.count++;
  }

  /** Writes kind and target with room for `bytes` more; returns where the command's length goes. */
  private writeHeader(kind: number, slot: number, address: string, extra: number, bytes: number): number {
    const addressBytes = kind === TO_NODE ? Buffer.byteLength(address) : 0;
    const area = this.room(1 + (kind === TO_NODE ? 2 + addressBytes : 8) + 4 + bytes);
    let at = this.length;
    area[at++] = kind;
    if (kind === TO_NODE) {
      area.writeUInt16LE(addressBytes, at);
      return at + 2 + area.write(address, at + 2, 'utf8');
    }
    area.writeInt32LE(slot, at);
    if (!twoWords(kind & ~READ_ONLY)) return at + 4;
    area.writeInt32LE(extra, at + 4);
    return at + 8;
  }
}

/** The bytes one failure takes (see the layout above). */
export function failureLength(err: ClusterError): number {
  return (
    12 + Buffer.byteLength(err.message) + (err.address === undefined ? 0 : Buffer.byteLength(err.address))
  );
}

/** Writes `err` at `at`, where `area` has room for failureLength(err) bytes; returns where it ends. */
export function writeFailure(area: Buffer, at: number, err: ClusterError): number {
  area.writeInt32LE(err.code, at);
  const messageEnd = at + 8 + area.write(err.message, at + 8, 'utf8');
  area.writeInt32LE(messageEnd - at - 8, at + 4);
  const end =
    messageEnd + 4 + (err.address === undefined ? 0 : area.write(err.address, messageEnd + 4, 'utf8'));
  area.writeInt32LE(end - messageEnd - 4, messageEnd);
  return end;
}

/** The failure written at `at`. */
function readFailureAt(area: Buffer, at: number): ClusterError {
  const messageEnd = at + 8 + area.readInt32LE(at + 4);
  const addressLength = area.readInt32LE(messageEnd);
  return new ClusterError(
    area.readInt32LE(at),
    area.toString('utf8', at + 8, messageEnd),
    addressLength === 0 ? undefined : area.toString('utf8', messageEnd + 4, messageEnd + 4 + addressLength),
  );
}

/** The failure encoded in a STATUS_ERROR response. */
export function failureBytes(err: ClusterError): Buffer {
  const out = Buffer.allocUnsafe(failureLength(err));
  writeFailure(out, 0, err);
  return out;
}

/** Reads the failure of a STATUS_ERROR response. */
export function readFailure(body: Buffer): ClusterError {
  return readFailureAt(body, 0);
}

/** Walks the results of a batch response in the caller: `onReply(area, start, end)` or `onFailure(err)`. */
export function readResults(
  area: Buffer,
  count: number,
  onReply: (area: Buffer, start: number, end: number, index: number) => void,
  onFailure: (err: ClusterError, index: number) => void,
): void {
  const table = new Int32Array(area.buffer, area.byteOffset, count * 2);
  for (let i = 0; i < count; i++) {
    const at = table[2 * i]!;
    const length = table[2 * i + 1]!;
    if (length === FAILURE) {
      onFailure(readFailureAt(area, at), i);
    } else {
      onReply(area, at, at + length, i);
    }
  }
}

/** The bytes a hand-over's tail takes after its command. */
export function handoverLength(failure: TransportError | undefined | null, read: number): number {
  return 24 + (failure ? Buffer.byteLength(failure.message) : 0) + read;
}

/** Writes a hand-over's tail at `at` (room: handoverLength); returns where it ends. */
export function writeHandover(
  area: Buffer,
  at: number,
  index: number,
  written: number,
  failure: TransportError | undefined | null,
  read: Uint8Array,
): number {
  area.writeInt32LE(index, at);
  area.writeInt32LE(written, at + 4);
  area.writeInt32LE(failure === null ? 0 : failure === undefined ? 1 : 2, at + 8);
  area.writeInt32LE(failure?.code ?? 0, at + 12);
  const messageEnd = at + 20 + (failure ? area.write(failure.message, at + 20, 'utf8') : 0);
  area.writeInt32LE(messageEnd - at - 20, at + 16);
  area.writeInt32LE(read.length, messageEnd);
  area.set(read, messageEnd + 4);
  return messageEnd + 4 + read.length;
}

/** The board index a hand-over request names (its one command first, then the tail). */
export function handoverIndex(body: Buffer): number {
  const at = 1 + 4; // kind, slot
  return body.readInt32LE(at + 4 + body.readInt32LE(at));
}

/** Reads a hand-over's tail at `at`: the board index and what the engine adopts. */
export function readHandover(body: Buffer, at: number): { index: number; adopted: Adopted } {
  const kind = body.readInt32LE(at + 8);
  const messageEnd = at + 20 + body.readInt32LE(at + 16);
  const failure =
    kind === 0
      ? null
      : kind === 1
        ? undefined
        : { code: body.readInt32LE(at + 12), message: body.toString('utf8', at + 20, messageEnd) };
  const readLength = body.readInt32LE(messageEnd);
  const read = new Uint8Array(body.buffer, body.byteOffset + messageEnd + 4, readLength);
  return { index: body.readInt32LE(at), adopted: { written: body.readInt32LE(at + 4), read, failure } };
}
