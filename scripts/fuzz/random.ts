/**
 * Seeded randomness for the fuzzer: every case draws from its own generator, derived from the run's
 * seed and the case number, so one failing case replays alone with `--seed S --case N`.
 */
import { Buffer } from 'node:buffer';

/** A 32-bit hash of two integers (murmur3's finaliser over both): independent streams per case. */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** sfc32: small, fast and good enough to drive mutations; never used for anything secret. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  /** The generator of case `caseNumber` of a run seeded with `seed` (both unsigned 32-bit). */
  constructor(seed: number, caseNumber = 0) {
    this.a = mix(seed, 0x2545f491);
    this.b = mix(seed ^ 0x68e31da4, caseNumber);
    this.c = mix(caseNumber, 0x1b873593);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A uniform unsigned 32-bit integer. */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0x100000000 ? Math.floor((this.next() / 0x100000000) * n) : Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** A float in [0, 1) with 53 random bits. */
  float(): number {
    return (this.next() * 0x200000 + (this.next() >>> 11)) / 2 ** 53;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A size that is usually small and sometimes large: uniform in [0, 2^k) for a random k <= maxBits. */
  size(maxBits: number): number {
    return this.int(2 ** this.int(maxBits + 1));
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}
