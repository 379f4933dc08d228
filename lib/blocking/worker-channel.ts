/// <reference lib="es2024.sharedmemory" />
/** The worker's end of the channel: requests awaited with Atomics.waitAsync (protocol: channel.ts). */
import { Buffer } from 'node:buffer';
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { monotonicMs } from '../clock.js';
import { otherError } from '../errors.js';
import {
  type AreasMessage,
  announceReady,
  type ChannelInit,
  type ChannelRequest,
  ChannelState,
  channelInit,
  describeError,
  grownSize,
  HEARTBEAT_INTERVAL_MS,
  MSG_AREA,
  MSG_AREAS,
  MSG_EVENT,
  OP_CLOSE,
  type PortMessage,
  recordDeath,
  SEQ_WRITING,
  STATUS_OK,
  Word,
  watchForDeath,
} from './channel-layout.js';
import { spinUntil, TurnaroundSpin } from './spin.js';

/** Longest the worker polls for a request header the caller is writing (µs). */
const HEADER_SPIN_US = 20;

/** Runs inside the worker (bootstrap): watches for fatal ends, then loads the entry module. */
export async function runWorkerEntry(): Promise<void> {
  const init = channelInit();
  const words = new Int32Array(init.control);
  watchForDeath(words);
  try {
    await import(init.entry);
  } catch (err) {
    recordDeath(words, describeError(err));
  }
}

/**
 * The worker's end. Typical entry:
 *   const ch = new WorkerChannel();
 *   for (let req = await ch.next(); req !== null; req = await ch.next()) ch.respond(req, STATUS_OK, reply);
 *   ch.close();   // after releasing sockets etc.: acknowledges the caller's close, lets the thread exit
 */
export class WorkerChannel {
  /** The caller's `options.data`. */
  readonly data: unknown;
  private readonly words: Int32Array;
  private readonly port: MessagePort;
  private readonly heartbeat: NodeJS.Timeout;
  private requestBuf: Buffer;
  private requestGen = 0;
  private responseBuf: Buffer;
  private responseGen = 0;
  private lastSeq = 0;
  private closeSeq = 0;
  private pendingEvents = 0;
  private readonly spin: TurnaroundSpin;
  /** When the last answer was published (monotonicMs()), until the next request is seen; else -1. */
  private publishedAt = -1;
  private closed = false;
  /** Whether a waitAsync on REQ_SEQ is registered: at most one, kept across requests until a notify wakes it. */
  private armed = false;
  /** Resolves next()'s sleep: called when the armed waiter wakes, or when publish() polled in a request. */
  private wake: (() => void) | null = null;
  private readonly onWaiterWoken = (): void => {
    this.armed = false;
    this.wakeNext();
  };

  constructor(init: ChannelInit = channelInit()) {
    this.data = init.data;
    this.spin = new TurnaroundSpin(init.workerSpinUs);
    this.words = new Int32Array(init.control);
    this.port = init.port;
    // Posted by the caller right after it started this thread, before anything else.
    const areas = receiveMessageOnPort(this.port)?.message as AreasMessage | undefined;
    if (areas?.t !== MSG_AREAS) throw new Error('Channel protocol error: the areas were not posted first');
    this.requestBuf = Buffer.from(areas.request);
    this.responseBuf = Buffer.from(areas.response);
    watchForDeath(this.words);
    // Atomics.waitAsync does not keep a thread alive (nodejs/node#44729): this ref'd interval does, until close.
    this.heartbeat = setInterval(() => Atomics.add(this.words, Word.HEARTBEAT, 1), HEARTBEAT_INTERVAL_MS);
  }

  /**
   * The next request, or null once the caller asked to close (then release resources and call `close()`).
   * The first call tells the caller the worker is ready (if its entry has not). A request the caller
   * replaced before it was read (it timed out) is skipped: only the newest is returned.
   */
  async next(): Promise<ChannelRequest | null> {
    const w = this.words;
    announceReady(w);
    while (!this.closed && this.closeSeq === 0) {
      const seq = Atomics.load(w, Word.REQ_SEQ);
      if (seq !== this.lastSeq && seq !== SEQ_WRITING) {
        const req = this.read(seq);
        // A header rewritten while it was read (the caller timed out meanwhile) belongs to a newer seq.
        if (Atomics.load(w, Word.REQ_SEQ) !== seq) continue;
        this.lastSeq = seq;
        if (this.publishedAt >= 0) {
          this.spin.record((monotonicMs() - this.publishedAt) * 1000);
          this.publishedAt = -1;
        }
        if (req !== null) return req;
        this.closeSeq = seq;
        break;
      }
      // The caller is between its two stores of a header (a few words): sleeping now would cost it a
      // wake-up syscall at its notify, so wait the nanoseconds out (bounded: it may be descheduled).
      if (seq === SEQ_WRITING && this.headerWritten()) continue;
      const slept = this.sleep(seq);
      if (slept !== undefined) await slept;
    }
    return null;
  }

  /**
   * A promise that resolves once REQ_SEQ may have moved on from `seq`, or undefined when it already has. A
   * waiter registered while a batch was in flight stays armed (its value is only compared when registered,
   * and every wake-up is checked again), so a request polled in by publish() leaves no waiter behind and
   * costs the caller no notify.
   */
  private sleep(seq: number): Promise<void> | undefined {
    const w = this.words;
    Atomics.store(w, Word.WORKER_SLEEPS, 1);
    if (Atomics.load(w, Word.REQ_SEQ) !== seq) return undefined;
    if (!this.armed) {
      const waited = Atomics.waitAsync(w, Word.REQ_SEQ, seq);
      if (!waited.async) return undefined;
      this.armed = true;
      void waited.value.then(this.onWaiterWoken);
    }
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** Waits out a request header the caller is writing (bounded: it may be descheduled); true once it is out. */
  private headerWritten(): boolean {
    return spinUntil(this.words, Word.REQ_SEQ, SEQ_WRITING, false, HEADER_SPIN_US);
  }

  private wakeNext(): void {
    const wake = this.wake;
    if (wake === null) return;
    this.wake = null;
    wake();
  }

  /** Whether the caller still waits for this request (it has not timed out and moved on). */
  isCurrent(req: ChannelRequest): boolean {
    return !this.closed && Atomics.load(this.words, Word.REQ_SEQ) === req.seq;
  }

  /**
   * The response area, at least `minBytes` long, for writing a reply in place (then `publish`). When it is
   * smaller, a bigger one replaces it (the first `keepBytes` bytes copied) and is posted to the caller.
   * Write into it only between `next()` returning a request and publishing its response.
   */
  reserve(minBytes: number, keepBytes = 0): Buffer {
    const old = this.responseBuf;
    if (minBytes <= old.length) return old;
    const sab = new SharedArrayBuffer(grownSize(old.length, minBytes, 'Response'));
    this.responseBuf = Buffer.from(sab);
    old.copy(this.responseBuf, 0, 0, keepBytes);
    this.responseGen++;
    this.port.postMessage({ t: MSG_AREA, gen: this.responseGen, sab } satisfies PortMessage);
    return this.responseBuf;
  }

  /**
   * Copies `body` (bytes, or a string as UTF-8) into the response area and publishes it. Returns false, and
   * writes nothing, when the caller no longer waits for `req`.
   */
  respond(req: ChannelRequest, status: number, body?: Uint8Array | string): boolean {
    if (!this.isCurrent(req)) return false;
    let length = 0;
    if (typeof body === 'string') {
      length = Buffer.byteLength(body);
      this.reserve(length).write(body, 0, length, 'utf8');
    } else if (body !== undefined) {
      length = body.length;
      this.reserve(length).set(body);
    }
    return this.publish(req, status, length);
  }

  /** Publishes the first `length` bytes already written into the response area (see `reserve`). */
  publish(req: ChannelRequest, status: number, length: number): boolean {
    if (!this.isCurrent(req)) return false;
    if ((length | 0) !== length || length < 0 || length > this.responseBuf.length) {
      throw otherError(
        `Invalid response length ${length}: the response area holds ${this.responseBuf.length} bytes`,
      );
    }
    const w = this.words;
    w[Word.RESP_STATUS] = status;
    w[Word.RESP_LENGTH] = length;
    w[Word.RESP_EVENTS] = this.pendingEvents;
    w[Word.RESP_AREA] = this.responseGen;
    this.pendingEvents = 0;
    // Nothing is in flight now: wait for a caller in a loop awake rather than asleep (spin.ts). Said before
    // the answer, so the caller's next request already skips its notify.
    const spinUs = this.spin.budgetUs();
    if (spinUs > 0) Atomics.store(w, Word.WORKER_SLEEPS, 0);
    Atomics.store(w, Word.RESP_SEQ, req.seq);
    Atomics.notify(w, Word.RESP_SEQ, 1);
    this.publishedAt = monotonicMs();
    if (spinUs > 0) {
      // SEQ_WRITING is not the request yet: the caller reads the flag only after its final store.
      if (spinUntil(w, Word.REQ_SEQ, req.seq, false, spinUs)) this.headerWritten();
      // A request stored after the poll ended may have skipped its notify: look once more after the flag.
      Atomics.store(w, Word.WORKER_SLEEPS, 1);
      if (Atomics.load(w, Word.REQ_SEQ) !== req.seq) this.wakeNext();
    }
    return true;
  }

  /** Queues a value (structured-cloned) for the caller, who receives it with the next published response. */
  postEvent(value: unknown): void {
    if (this.closed) return;
    this.port.postMessage({ t: MSG_EVENT, v: value } satisfies PortMessage);
    this.pendingEvents++;
  }

  /** Declares the worker dead with `reason`: the caller's current or next call throws with it. */
  fail(reason: string): void {
    recordDeath(this.words, reason);
    this.release();
  }

  /**
   * Ends the channel: acknowledges a close request (or makes the caller's calls fail when the worker closes on
   * its own) and drops the keep-alive, so the thread exits once nothing else holds it.
   */
  close(): void {
    if (this.closed) return;
    const w = this.words;
    if (this.closeSeq !== 0) {
      w[Word.RESP_STATUS] = STATUS_OK;
      w[Word.RESP_LENGTH] = 0;
      w[Word.RESP_EVENTS] = 0;
      w[Word.RESP_AREA] = this.responseGen;
      Atomics.store(w, Word.RESP_SEQ, this.closeSeq);
    }
    if (Atomics.load(w, Word.STATE) !== ChannelState.DEAD) Atomics.store(w, Word.STATE, ChannelState.CLOSED);
    Atomics.notify(w, Word.RESP_SEQ);
    Atomics.notify(w, Word.STATE);
    this.release();
  }

  private read(seq: number): ChannelRequest | null {
    const w = this.words;
    const opcode = w[Word.REQ_OPCODE]!;
    if (opcode === OP_CLOSE) return null;
    const gen = w[Word.REQ_AREA]!;
    if (gen !== this.requestGen) this.adoptRequestArea(gen);
    return {
      seq,
      opcode,
      count: w[Word.REQ_COUNT]!,
      flags: w[Word.REQ_FLAGS]!,
      timeoutMs: w[Word.REQ_TIMEOUT_MS]!,
      body: this.requestBuf.subarray(0, w[Word.REQ_LENGTH]!),
    };
  }

  private adoptRequestArea(gen: number): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const msg = m.message as PortMessage;
      if (msg.t !== MSG_AREA) continue;
      this.requestBuf = Buffer.from(msg.sab);
      this.requestGen = msg.gen;
      if (msg.gen === gen) return;
    }
    throw new Error(`Channel protocol error: request area ${gen} was never posted`);
  }

  private release(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.port.close();
  }
}
