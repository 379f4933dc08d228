/**
 * A Buffer over any Uint8Array, so the codec can use Buffer's native slice/write methods on plain
 * Uint8Arrays (e.g. a view of a SharedArrayBuffer area) without copying.
 */
import { Buffer } from 'node:buffer';

/**
 * Buffer's native per-encoding methods. Node has had them on Buffer.prototype for ever, but @types/node
 * does not declare them; they skip `toString`/`write`'s encoding dispatch, which matters for short values.
 */
export interface FastBuffer extends Buffer {
  utf8Write(text: string, offset: number, length?: number): number;
  latin1Write(text: string, offset: number, length?: number): number;
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

// One-entry cache: the same area (socket buffer, channel area) comes back call after call.
let lastArray: Uint8Array | null = null;
let lastView: FastBuffer | null = null;

/** `bytes` itself when it is a Buffer, otherwise a Buffer sharing its memory. */
export function bufferView(bytes: Uint8Array): FastBuffer {
  if (Buffer.isBuffer(bytes)) return bytes as FastBuffer;
  // A length-tracking view over a growable buffer can change length: refresh then too.
  if (bytes !== lastArray || lastView!.length !== bytes.byteLength) {
    lastView = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as FastBuffer;
    lastArray = bytes;
  }
  return lastView!;
}
