/**
 * Reads stdin as C's `fgets(buf, 256, stdin)` does: at most 255 bytes a time, up to and including a
 * newline, blocking the thread (as the C programs block their loop). The trailing newline is chopped.
 */
import { readSync } from 'node:fs';

const CHUNK = 255;

export class LineReader {
  private buffer = Buffer.alloc(64 * 1024);
  private start = 0;
  private end = 0;
  private eof = false;

  constructor(private readonly fd = 0) {}

  /** The next line, or null at end of input. */
  next(): string | null {
    for (;;) {
      const newline = this.buffer.indexOf(0x0a, this.start);
      const available = this.end - this.start;
      const lineEnd = newline >= 0 && newline < this.end ? newline + 1 : -1;
      if (lineEnd > 0 && lineEnd - this.start <= CHUNK) return this.take(lineEnd);
      if (available >= CHUNK) return this.take(this.start + CHUNK);
      if (this.eof) return available > 0 ? this.take(this.end) : null;
      this.fill();
    }
  }

  private take(until: number): string {
    let stop = until;
    if (stop > this.start && this.buffer[stop - 1] === 0x0a) stop--;
    const line = this.buffer.toString('utf8', this.start, stop);
    this.start = until;
    return line;
  }

  private fill(): void {
    if (this.start > 0) {
      this.buffer.copy(this.buffer, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    for (;;) {
      try {
        const n = readSync(this.fd, this.buffer, this.end, this.buffer.length - this.end, null);
        if (n === 0) this.eof = true;
        this.end += n;
        return;
      } catch (err) {
        // A non-blocking stdin (a pipe Node opened before) answers EAGAIN: wait and read again.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }
    }
  }
}
