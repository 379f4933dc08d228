/**
 * The byte layout of the blocking context's requests and responses inside the channel's areas.
 *
 * A batch request holds `count` commands, each:
 *   u8 kind (ROUTED, ROUTED_NO_REDIRECT, TO_NODE) | i32 slot, or u16 length + "host:port" for TO_NODE |
 *   i32 length + the command's RESP bytes.
 * Its response starts with a table of `count` Int32 pairs, one per command in order: where its result starts
 * and its length, or -1 for a failure. The results follow in the order they arrived: a reply is its frame,
 * a failure is i32 err code | i32 length + UTF-8 errstr. Both threads share the platform's byte order.
 * Other opcodes answer STATUS_OK with no bytes, or STATUS_ERROR with one failure (code + errstr).
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

/** Routed by slot, following redirects. */
export const ROUTED = 0;
/** Routed by slot; a redirect is the reply (hiredis' pipelines). */
export const ROUTED_NO_REDIRECT = 1;
/** Sent to one node (ToNode). */
export const TO_NODE = 2;

/** The table's length of a failed command. */
const FAILURE = -1;
/** Frames up to this size are copied byte by byte: cheaper than a native copy's call overhead. */
const SMALL_FRAME = 64;

/** A command as the worker reads it. */
export interface BatchCommand {
  kind: number;
  slot: number;
  address: string;
  /** A view of the request area: the worker copies it when it queues the command. */
  bytes: Uint8Array;
}

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

  /** Adds a command encoded straight into the area (no intermediate buffer). */
  addArgv(kind: number, slot: number, address: string, argv: readonly CommandArg[]): void {
    const start = this.writeHeader(kind, slot, address, 64);
    let end = encodeArgvInto(this.area, start + 4, argv);
    while (end < 0) {
      this.area = this.grow(this.area.length * 2, start);
      end = encodeArgvInto(this.area, start + 4, argv);
    }
    this.area.writeInt32LE(end - start - 4, start);
    this.length = end;
    this.count++;
  }

  /** Adds a pre-encoded command. */
  add(kind: number, slot: number, address: string, command: Uint8Array): void {
    const start = this.writeHeader(kind, slot, address, command.length);
    this.area.writeInt32LE(command.length, start);
    this.area.set(command, start + 4);
    this.length = start + 4 + command.length;
    this.count++;
  }

  /** Writes kind and target with room for `bytes` more; returns where the command's length goes. */
  private writeHeader(kind: number, slot: number, address: string, bytes: number): number {
    const addressBytes = kind === TO_NODE ? Buffer.byteLength(address) : 0;
    const area = this.room(1 + (kind === TO_NODE ? 2 + addressBytes : 4) + 4 + bytes);
    let at = this.length;
    area[at++] = kind;
    if (kind === TO_NODE) {
      area.writeUInt16LE(addressBytes, at);
      return at + 2 + area.write(address, at + 2, 'utf8');
    }
    area.writeInt32LE(slot, at);
    return at + 4;
  }
}

/** The commands of a batch request. */
export function readBatch(body: Buffer, count: number): BatchCommand[] {
  const commands: BatchCommand[] = new Array(count);
  const { buffer, byteOffset } = body;
  let at = 0;
  for (let i = 0; i < count; i++) {
    const kind = body[at++]!;
    let slot = -1;
    let address = '';
    if (kind === TO_NODE) {
      const length = body.readUInt16LE(at);
      address = body.toString('utf8', at + 2, at + 2 + length);
      at += 2 + length;
    } else {
      slot = body.readInt32LE(at);
      at += 4;
    }
    const length = body.readInt32LE(at);
    // A plain view: Buffer#subarray costs several times more, and nothing needs Buffer methods on it.
    commands[i] = {
      kind,
      slot,
      address,
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
    const length = Buffer.byteLength(err.message);
    const area = this.room(8 + length);
    const at = this.at;
    area.writeInt32LE(err.code, at);
    area.writeInt32LE(length, at + 4);
    area.write(err.message, at + 8, 'utf8');
    this.table[2 * index] = at;
    this.table[2 * index + 1] = FAILURE;
    this.at = at + 8 + length;
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

/** The failure encoded in a STATUS_ERROR response. */
export function failureBytes(err: ClusterError): Buffer {
  const message = Buffer.from(err.message, 'utf8');
  const out = Buffer.allocUnsafe(4 + message.length);
  out.writeInt32LE(err.code, 0);
  message.copy(out, 4);
  return out;
}

/** Reads the failure of a STATUS_ERROR response. */
export function readFailure(body: Buffer): ClusterError {
  return new ClusterError(body.readInt32LE(0), body.toString('utf8', 4));
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
      const textLength = area.readInt32LE(at + 4);
      onFailure(
        new ClusterError(area.readInt32LE(at), area.toString('utf8', at + 8, at + 8 + textLength)),
        i,
      );
    } else {
      onReply(area, at, at + length, i);
    }
  }
}
