/**
 * The read side of a RESP stream (hiredis' `redisReader`): fed chunks as they arrive, it hands out
 * complete frames. Frames that lie whole in a chunk are scanned and handed out in place; only an
 * incomplete tail is copied, into a buffer the reader keeps (compacted or grown as needed).
 *
 *   reader.feed(chunk);
 *   while ((end = reader.next()) >= 0) use(reader.buffer, reader.start, end, reader.frameType);
 */
import { Buffer } from 'node:buffer';
import { FrameScanner, type RespLimits } from './scan.js';

const INITIAL_BUFFER = 16 * 1024;
const EMPTY = new Uint8Array(0);

/** Feeds a {@link FrameScanner} and keeps what it has not finished; see {@link RespReader.next}. */
export class RespReader {
  /**
   * The frame {@link next} returned last is `buffer[start..end)`. Fields, not getters, for the hot path;
   * callers only read them.
   */
  buffer: Uint8Array = EMPTY;
  start = 0;
  private readonly scanner: FrameScanner;
  /** The chunk being read in place, or null once its frames are out and its tail is kept. */
  private chunk: Uint8Array | null = null;
  private pos = 0;
  /** Kept bytes: an incomplete frame, and behind it whatever arrived after it. */
  private kept: Buffer | null = null;
  private keptStart = 0;
  private keptEnd = 0;

  /** Throws a ClusterError naming the limit when `limits` are out of range. */
  constructor(limits?: Partial<RespLimits>) {
    this.scanner = new FrameScanner(limits);
  }

  /** The type byte of the last frame's value, after any attributes: `>` for a RESP3 push. */
  get frameType(): number {
    return this.scanner.frameType;
  }

  /** Bytes fed and not yet handed out as frames. */
  get pending(): number {
    return (this.chunk === null ? 0 : this.chunk.length - this.pos) + this.keptEnd - this.keptStart;
  }

  /**
   * Adds the next bytes of the stream. The chunk is read in place: it must stay unchanged until
   * {@link next} returns -1, until {@link reset}, or until the next feed (which copies what a consumer
   * left unread).
   */
  feed(chunk: Uint8Array): void {
    if (this.chunk !== null) {
      if (this.pos < this.chunk.length) this.keep(this.chunk, this.pos);
      this.chunk = null;
    }
    if (this.keptEnd === this.keptStart) {
      this.keptStart = this.keptEnd = 0;
      // Set once per chunk, not per frame: frames of a chunk read in place are all in it.
      this.buffer = this.chunk = chunk;
      this.pos = 0;
    } else this.keep(chunk, 0);
  }

  /**
   * The end of the next complete frame, which starts at {@link start} in {@link buffer}; -1 when the
   * bytes fed so far hold no complete frame. The frame's bytes are valid until the next call to the
   * reader. Malformed bytes or a broken limit throw the scanner's error, and again at every call (the
   * bad frame stays first in line, as hiredis' reader stays in error) until {@link reset}.
   */
  next(): number {
    const chunk = this.chunk;
    if (chunk !== null) {
      const start = this.pos;
      if (start < chunk.length) {
        const end = this.scanner.scan(chunk, start, chunk.length);
        if (end >= 0) {
          this.start = start;
          this.pos = end;
          return end;
        }
        this.keep(chunk, start);
      }
      this.chunk = null;
      return -1;
    }
    const start = this.keptStart;
    if (start === this.keptEnd) return -1;
    const kept = this.kept!;
    const end = this.scanner.scan(kept, start, this.keptEnd);
    if (end < 0) return -1;
    this.keptStart = end;
    this.buffer = kept;
    this.start = start;
    return end;
  }

  /** Drops every byte fed and a partial frame; the kept buffer is released. */
  reset(): void {
    this.scanner.reset();
    this.chunk = null;
    this.pos = 0;
    this.kept = null;
    this.keptStart = this.keptEnd = 0;
    this.buffer = EMPTY;
    this.start = 0;
  }

  /** Appends `chunk[from..]` to the kept bytes, compacting or growing the buffer as needed. */
  private keep(chunk: Uint8Array, from: number): void {
    const size = chunk.length - from;
    let kept = this.kept;
    if (kept === null) kept = this.kept = Buffer.allocUnsafe(Math.max(INITIAL_BUFFER, size));
    if (this.keptEnd + size > kept.length) {
      const live = this.keptEnd - this.keptStart;
      if (live + size <= kept.length && this.keptStart > 0) kept.copy(kept, 0, this.keptStart, this.keptEnd);
      else {
        const grown = Buffer.allocUnsafe(Math.max(kept.length * 2, live + size));
        kept.copy(grown, 0, this.keptStart, this.keptEnd);
        kept = this.kept = grown;
      }
      this.keptStart = 0;
      this.keptEnd = live;
    }
    kept.set(from === 0 ? chunk : chunk.subarray(from), this.keptEnd);
    this.keptEnd += size;
  }
}
