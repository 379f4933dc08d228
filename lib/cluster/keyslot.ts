/**
 * Hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag, modulo 16384.
 *
 * The common path is the `cluster-key-slot` package (table-driven, takes strings and byte arrays).
 * Two cases are corrected around it so the slot always equals the server's `CLUSTER KEYSLOT`:
 * - a string with a lone surrogate: the package encodes the surrogate itself, but the command
 *   encoder sends U+FFFD (Buffer/TextEncoder semantics), so such strings are hashed as those bytes;
 * - an empty first tag (`foo{}{bar}`): Redis hashes the whole key, the package keeps looking for a
 *   later `}` and hashes `{bar`; the whole key is hashed here instead.
 */

import { Buffer } from 'node:buffer';
import calculateSlot from 'cluster-key-slot';

/** Number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16384;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

interface MaybeWellFormed {
  isWellFormed?: () => boolean;
}

/** The hash slot (0..16383) of a key given as a string (sent as UTF-8), raw bytes, or a number (its decimal text). */
export function keySlot(key: string | Uint8Array | number | bigint): number {
  if (typeof key === 'number' || typeof key === 'bigint') return calculateSlot(String(key));
  if (typeof key === 'string') {
    if ((key as MaybeWellFormed).isWellFormed?.() === false) return keySlot(Buffer.from(key, 'utf8'));
    const open = key.indexOf('{');
    if (open >= 0 && key.charCodeAt(open + 1) === CLOSE_BRACE)
      return crc16(Buffer.from(key, 'utf8')) & 0x3fff;
  } else {
    const open = key.indexOf(OPEN_BRACE);
    if (open >= 0 && key[open + 1] === CLOSE_BRACE) return crc16(key) & 0x3fff;
  }
  // The package reads any indexable byte sequence; its typings only name Buffer.
  return calculateSlot(key as Buffer);
}

/** Bitwise CRC16-XMODEM (poly 0x1021, init 0) for the rare whole-key case above. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]! << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}
