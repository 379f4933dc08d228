/**
 * Hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag, modulo 16384 — the server's
 * `CLUSTER KEYSLOT`: the tag is what lies between the first `{` and the first `}` after it, when that is
 * not empty; else the whole key is hashed.
 *
 * Every command is routed through here, so a string key is hashed as it is read, one UTF-16 unit per
 * byte, while it is ASCII: no UTF-8 copy of it is made (a per-key array costs allocation and its own
 * loop). Other strings are hashed as the UTF-8 bytes the command encoder sends (a lone surrogate as
 * U+FFFD).
 */

import { Buffer } from 'node:buffer';

/** Number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16384;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** CRC16-XMODEM (poly 0x1021, init 0) of each byte value. */
const CRC_TABLE = new Uint16Array(256);
for (let n = 0; n < 256; n++) {
  let crc = n << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  CRC_TABLE[n] = crc;
}

/** The hash slot (0..16383) of a key given as a string (sent as UTF-8), raw bytes, or a number (its decimal text). */
export function keySlot(key: string | Uint8Array | number | bigint): number {
  if (typeof key === 'string') return stringSlot(key);
  if (typeof key === 'number' || typeof key === 'bigint') return stringSlot(String(key));
  return bytesSlot(key);
}

function stringSlot(key: string): number {
  let from = 0;
  let to = key.length;
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) {
      from = open + 1;
      to = close;
    }
  }
  let crc = 0;
  for (let i = from; i < to; i++) {
    const c = key.charCodeAt(i);
    // Braces are ASCII, so the tag of the UTF-8 bytes is the UTF-8 of this range.
    if (c >= 0x80) {
      const bytes = Buffer.from(key.slice(from, to), 'utf8');
      return crc16(bytes, 0, bytes.length) & 0x3fff;
    }
    crc = ((crc << 8) & 0xff00) ^ CRC_TABLE[((crc >> 8) ^ c) & 0xff]!;
  }
  return crc & 0x3fff;
}

function bytesSlot(key: Uint8Array): number {
  let from = 0;
  let to = key.length;
  const open = key.indexOf(OPEN_BRACE);
  if (open >= 0) {
    const close = key.indexOf(CLOSE_BRACE, open + 1);
    if (close > open + 1) {
      from = open + 1;
      to = close;
    }
  }
  return crc16(key, from, to) & 0x3fff;
}

function crc16(bytes: Uint8Array, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xff00) ^ CRC_TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc;
}
