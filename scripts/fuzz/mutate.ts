/**
 * Byte-level mutations of RESP streams: flipped bits, RESP's own bytes in the wrong place, lengths and
 * counts swapped for hostile numbers (zero, negative, at and past the limits, digit floods), cut,
 * repeated or spliced regions, broken line ends — and plain noise.
 */
import { Buffer } from 'node:buffer';
import type { RespLimits } from '../../lib/resp/scan.js';
import type { Random } from './random.js';

/** Bytes that mean something in RESP. */
const SPECIAL = Buffer.from('+-:$*_,#(!=%~>|?.;\r\n0123456789tf', 'latin1');

/** Numbers a length or count may be replaced with; the limits' own edges are added per case. */
const NUMBERS = [
  '0',
  '1',
  '-1',
  '-2',
  '?',
  '',
  '2147483647',
  '2147483648',
  '4294967296',
  '9007199254740993',
  '00000000000000000005',
  '000000000000000000005',
  '99999999999999999999',
  '123456789012345678901234567890',
];

const NOISE = [
  'HTTP/1.1 400 Bad Request\r\n\r\n',
  'SSH-2.0-OpenSSH_9.6\r\n',
  '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
  '-ERR max number of clients reached\r\n',
  '+OK\r\n',
  '\0\0\0\0',
  '\r\n\r\n',
];

/** Type bytes followed by a decimal number: lengths, counts, chunk sizes, integers, big numbers. */
const NUMBERED = new Set(Buffer.from('$*%~>|;!=:(', 'latin1'));

/** The offsets just after a type byte (at a line start) that is followed by a number. */
function numberStarts(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < buf.length; i++) {
    if (NUMBERED.has(buf[i]!) && (i === 0 || buf[i - 1] === 10)) out.push(i + 1);
  }
  return out;
}

function replaceNumber(rng: Random, buf: Buffer, limits: RespLimits): Buffer {
  const starts = numberStarts(buf);
  if (starts.length === 0) return flipBit(rng, buf);
  const at = rng.pick(starts);
  let end = at;
  while (end < buf.length && buf[end] !== 13) end++;
  const edges = Object.values(limits).flatMap((n) => [n - 1, n, n + 1, 2 * n]);
  const text = rng.chance(0.4) ? String(rng.pick(edges)) : rng.pick(NUMBERS);
  return Buffer.concat([buf.subarray(0, at), Buffer.from(text, 'latin1'), buf.subarray(end)]);
}

function flipBit(rng: Random, buf: Buffer): Buffer {
  if (buf.length === 0) return Buffer.from([rng.next() & 0xff]);
  const out = Buffer.from(buf);
  out[rng.int(out.length)]! ^= 1 << rng.int(8);
  return out;
}

function region(rng: Random, buf: Buffer): [number, number] {
  const start = rng.int(buf.length + 1);
  return [start, Math.min(buf.length, start + 1 + rng.size(6))];
}

/** One random mutation of `buf` (a new buffer; `buf` is left alone). */
export function mutate(rng: Random, buf: Buffer, limits: RespLimits, donor: Buffer): Buffer {
  switch (rng.int(10)) {
    case 0:
      return flipBit(rng, buf);
    case 1: {
      const out = Buffer.from(buf.length === 0 ? Buffer.alloc(1) : buf);
      out[rng.int(out.length)] = rng.pick([...SPECIAL]);
      return out;
    }
    case 2: {
      const at = rng.int(buf.length + 1);
      const inserted = rng.chance(0.5) ? Buffer.from([rng.pick([...SPECIAL])]) : rng.bytes(1 + rng.int(4));
      return Buffer.concat([buf.subarray(0, at), inserted, buf.subarray(at)]);
    }
    case 3: {
      const [start, end] = region(rng, buf);
      return Buffer.concat([buf.subarray(0, start), buf.subarray(end)]);
    }
    case 4: {
      const [start, end] = region(rng, buf);
      return Buffer.concat([buf.subarray(0, end), buf.subarray(start, end), buf.subarray(end)]);
    }
    case 5:
      return buf.subarray(0, rng.int(buf.length + 1));
    case 6:
    case 7:
      return replaceNumber(rng, buf, limits);
    case 8: {
      // A piece of another frame in place of a piece of this one.
      const [start, end] = region(rng, buf);
      const [from, to] = region(rng, donor);
      return Buffer.concat([buf.subarray(0, start), donor.subarray(from, to), buf.subarray(end)]);
    }
    default: {
      // A line end broken: CRLF -> LF, CR, or CR CR LF.
      const ends: number[] = [];
      for (let i = 0; i + 1 < buf.length; i++) if (buf[i] === 13 && buf[i + 1] === 10) ends.push(i);
      if (ends.length === 0) return flipBit(rng, buf);
      const at = rng.pick(ends);
      const replacement = Buffer.from(rng.pick(['\n', '\r', '\r\r\n', '\r\0']), 'latin1');
      return Buffer.concat([buf.subarray(0, at), replacement, buf.subarray(at + 2)]);
    }
  }
}

/** Bytes that are not RESP at all: random bytes or another protocol's greeting. */
export function noise(rng: Random): Buffer {
  return rng.chance(0.5) ? rng.bytes(rng.range(1, 64)) : Buffer.from(rng.pick(NOISE), 'latin1');
}
