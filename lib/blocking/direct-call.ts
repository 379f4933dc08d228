/**
 * Direct calls: the caller thread writes a routed command on its node's lent link and reads the reply itself
 * (`fs.writeSync`/`fs.readSync` on the socket's descriptor, which belongs to the whole process), with no
 * hand-off to the worker. It only ever takes an ordinary reply: anything else — an error reply (a redirect
 * among them), a push, bytes it cannot parse, the peer's close, a socket error, a reply slower than its spin
 * budget, a write the kernel does not take whole — is handed over to the worker with what was written and
 * read, and the worker carries on as if it had done it all itself (Engine.serveAdopted).
 *
 * Waiting polls the socket: a read that would block throws EAGAIN, so waiting costs a core, which is why it
 * lasts only the spin budget (spin.ts) before the worker's path, where the caller sleeps, takes over.
 */
import { readSync, writeSync } from 'node:fs';
import type { TransportError } from '../../adapters/adapter.js';
import { transportError } from '../../adapters/node.js';
import { FrameScanner, type RespLimits } from '../resp/scan.js';
import { fdWord, type LinkBoard, LinkState, MAX_BOARD_LINKS, stateWord } from './link-board.js';
import type { DirectSpin } from './spin.js';

/** {@link DirectCalls.call}'s outcome when the command went nowhere: send it through the worker. */
export const NOT_TAKEN = -1;
/** {@link DirectCalls.call}'s outcome when the worker must adopt it (see {@link DirectCalls.handed}). */
export const HANDED = -2;

const INITIAL_READ_BYTES = 16 * 1024;
/**
 * A link this long unused by direct calls is read once before writing: a close the node made meanwhile is
 * then found before the command goes out, as the worker finds it (it reads idle links it has not lent), and
 * the call ends as on the worker's path instead of on whichever of EOF or RST comes first after the write.
 * A busy link is never probed: a probe costs a failed read (~6 µs).
 */
const PROBE_AFTER_IDLE_MS = 10;
const MINUS = 0x2d; // '-'
const BANG = 0x21; // '!'
const PUSH = 0x3e; // '>'

type SystemError = Error & { code?: string };

/** What a direct call that was handed over did on its link (sent with the hand-over request). */
export interface Handover {
  /** Board index of the link. */
  index: number;
  /** Command bytes on the wire; -1 when none went out and the link is not to be used for it. */
  written: number;
  /** Reply bytes read: `DirectCalls.buffer[0..read)`. */
  read: number;
  /** What the socket said: an I/O error, undefined for EOF, null for nothing. */
  failure: TransportError | undefined | null;
}

export class DirectCalls {
  /** Reply bytes of the last call: a frame `[0..end)` after a direct reply, the bytes read after a hand-over. */
  buffer = Buffer.allocUnsafe(INITIAL_READ_BYTES);
  readonly handed: Handover = { index: 0, written: 0, read: 0, failure: null };
  /** Set after a call through the worker timed out, until the worker answers one: no direct call meanwhile. */
  suspended = false;
  private readonly scanner: FrameScanner;
  /** The last call gave up waiting for its reply. */
  private late = false;
  /** When each link last carried a direct call (caller clock, ms). */
  private readonly lastUse = new Float64Array(MAX_BOARD_LINKS);
  /** The failure a probe met (see probe). */
  private failure: TransportError | undefined = undefined;

  constructor(
    private readonly board: LinkBoard,
    private readonly spin: DirectSpin,
    /** The context's options: the command timeout (ms, 0: none) is read live. */
    private readonly timeouts: { readonly commandTimeout: number },
    limits: RespLimits,
    /** The detectIdleClose option: look for the peer's close before every write. */
    private readonly probeFirst: boolean,
  ) {
    this.scanner = new FrameScanner(limits);
  }

  /**
   * Sends `bytes[start..end)` (one command for `slot`) on its node's lent link and reads the reply: the
   * reply frame's end in `buffer` (it starts at 0), {@link NOT_TAKEN}, or {@link HANDED}. The wait never
   * outlasts the call's deadline (`deadlineMs`, 0: none) or the command timeout: the worker's timer, which
   * starts at the hand-over, takes it from there.
   */
  call(slot: number, bytes: Uint8Array, start: number, end: number, deadlineMs: number): number {
    const board = this.board;
    const index = board.route[slot]!;
    if (index === 0 || this.suspended || !board.enabled) return NOT_TAKEN;
    const budgetUs = Math.min(this.spin.budgetUs(), capUs(deadlineMs), capUs(this.timeouts.commandTimeout));
    if (budgetUs <= 0) return NOT_TAKEN;
    const words = board.words;
    if (
      Atomics.compareExchange(words, stateWord(index), LinkState.LENT, LinkState.CALLER) !== LinkState.LENT
    ) {
      return NOT_TAKEN;
    }
    const fd = words[fdWord(index)]!;
    const began = performance.now();
    const probe = this.probeFirst || began - this.lastUse[index]! > PROBE_AFTER_IDLE_MS;
    this.lastUse[index] = began;
    // EAGAIN is thrown at every empty poll: its stack trace would be most of a poll's cost.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    let outcome = HANDED;
    try {
      this.late = false;
      outcome = this.exchange(index, fd, probe, bytes, start, end, began + budgetUs / 1000);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
      // A throw leaves the link handed over with no hand-over to come: the worker closes it (dropOrphans).
      Atomics.store(words, stateWord(index), outcome >= 0 ? LinkState.LENT : LinkState.HANDED);
    }
    // Only the wait says whether polling pays: a reply handed over for what it says does not.
    if (outcome >= 0 || this.late) this.spin.record((performance.now() - began) * 1000, outcome >= 0);
    return outcome;
  }

  private exchange(
    index: number,
    fd: number,
    probe: boolean,
    bytes: Uint8Array,
    start: number,
    end: number,
    until: number,
  ): number {
    if (probe) {
      const probed = this.probe(fd);
      if (probed !== 0) return this.handOver(index, -1, probed, probed < 0 ? this.failure : null);
    }
    let written = 0;
    try {
      while (start + written < end) written += writeSync(fd, bytes, start + written, end - start - written);
    } catch (err) {
      // EAGAIN: the kernel took part of it; the worker sends the rest.
      return this.handOver(index, written, 0, isAgain(err) ? null : transportError(err as SystemError));
    }
    let read = 0;
    for (;;) {
      let n: number;
      try {
        if (read === this.buffer.length) this.grow(read);
        n = readSync(fd, this.buffer, read, this.buffer.length - read, null);
      } catch (err) {
        if (!isAgain(err)) return this.handOver(index, written, read, transportError(err as SystemError));
        if (performance.now() >= until) {
          this.late = true;
          return this.handOver(index, written, read, null);
        }
        continue;
      }
      if (n === 0) return this.handOver(index, written, read, undefined);
      read += n;
      let frameEnd: number;
      try {
        frameEnd = this.scanner.scan(this.buffer, 0, read);
      } catch {
        // The worker's reader meets the same bytes and fails the link with the same words.
        return this.handOver(index, written, read, null);
      }
      if (frameEnd < 0) continue;
      const type = this.scanner.frameType;
      if (frameEnd !== read || type === MINUS || type === BANG || type === PUSH) {
        return this.handOver(index, written, read, null);
      }
      return frameEnd;
    }
  }

  /**
   * Reads before writing: 0 when nothing waits, as expected; the bytes read (a push, or bytes nobody asked
   * for) or -1 for the peer's close or an error (in `failure`).
   */
  private probe(fd: number): number {
    try {
      const n = readSync(fd, this.buffer, 0, this.buffer.length, null);
      if (n > 0) return n;
      this.failure = undefined;
    } catch (err) {
      if (isAgain(err)) return 0;
      this.failure = transportError(err as SystemError);
    }
    return -1;
  }

  private handOver(
    index: number,
    written: number,
    read: number,
    failure: TransportError | undefined | null,
  ): number {
    this.scanner.reset();
    const handed = this.handed;
    handed.index = index;
    handed.written = written;
    handed.read = Math.max(read, 0);
    handed.failure = failure;
    return HANDED;
  }

  private grow(keep: number): void {
    const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
    this.buffer.copy(bigger, 0, 0, keep);
    this.buffer = bigger;
  }
}

/** A timeout in ms (0: none) as a bound in µs. */
function capUs(ms: number): number {
  return ms > 0 ? ms * 1000 : Number.POSITIVE_INFINITY;
}

function isAgain(err: unknown): boolean {
  const code = (err as SystemError).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}
