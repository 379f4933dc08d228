/**
 * The byte layout of the blocking context's requests and responses inside the channel's areas.
 *
 * A batch request holds `count` commands, each:
 *   u8 kind | its target: i32 slot (ROUTED, ROUTED_NO_REDIRECT), u16 length + "host:port" (TO_NODE), i32 slot +
 *   i32 wait in ms (BLOCKING), i32 slot + i32 frames (TRANSACTION), i32 session id + i32 frames (SESSION) |
 *   i32 length + the command's RESP bytes.
 * Its response starts with a table of `count` Int32 pairs, one per command in order: where its result starts
 * and its length, or -1 for a failure. The results follow in the order they arrived: a reply is its frame,
 * a failure is i32 err code | i32 length + UTF-8 errstr | i32 length + UTF-8 address of its node (0: none).
 * Both threads share the platform's byte order. Other opcodes answer STATUS_OK with no bytes, or
 * STATUS_ERROR with one failure (the same layout).
 */
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

  constructor(
    private area: Buffer,
    private readonly grow: (minBytes: number, keepBytes: number) => Buffer,
  ) {}

  /** Starts over at the beginning of the area (the last grown one). */
  reset(): void {
    this.length = 0;
    this.count = 0;
  }

  /** Room for `bytes` more. */
  private room(bytes: number): Buffer {
    if (this.length + bytes > this.area.length) this.area = this.grow(this.length + bytes, this.length);
    return this.area;
  }

  /**
   * Adds a command encoded straight into the area (no intermediate buffer). `slot` is the session id for
   * SESSION; `extra` the wait (BLOCKING) or the reply frames (TRANSACTION, SESSION).
   */
  addArgv(kind: number, slot: number, address: string, argv: readonly CommandArg[], extra = 0): void {
    const start = this.writeHeader(kind, slot, address, extra, 64);
    let end = encodeArgvInto(this.area, start + 4, argv);
    while (end < 0) {
      this.area = this.grow(this.area.length * 2, start);
      end = encodeArgvInto(this.area, start + 4, argv);
    }
    this.area.writeInt32LE(end - start - 4, start);
    this.length = end;
    this.count++;
  }

  /** Adds a pre-encoded command (see addArgv). */
  add(kind: number, slot: number, address: string, command: Uint8Array, extra = 0): void {
    const start = this.writeHeader(kind, slot, address, extra, command.length);
    this.area.writeInt32LE(command.length, start);
    this.area.set(command, start + 4);
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
    if (!twoWords(kind)) return at + 4;
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
