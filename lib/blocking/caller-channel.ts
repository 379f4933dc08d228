/// <reference lib="es2024.sharedmemory" />
/** The caller's end of the channel: synchronous calls that block in Atomics.wait (protocol: channel.ts). */
import { Buffer } from 'node:buffer';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { ClusterError, otherError, REDIS_ERR_OTHER } from '../errors.js';
import { channelInteger } from '../option-checks.js';
import {
  type AreasMessage,
  type ChannelInit,
  type ChannelOptions,
  ChannelState,
  CONTROL_BYTES,
  DEFAULT_BUFFER_BYTES,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_READY_TIMEOUT_MS,
  describeError,
  FAILURE_OFFSET,
  grownSize,
  HEARTBEAT_INTERVAL_MS,
  INIT_KEY,
  INT32_MAX,
  MSG_AREA,
  MSG_AREAS,
  OP_CLOSE,
  type PortMessage,
  SEQ_WRITING,
  SLICE_MS,
  STATUS_OK,
  STATUS_TIMEOUT,
  Word,
} from './channel-layout.js';
import { SpinPolicy, spinUntil } from './spin.js';
import type { WorkerChannel } from './worker-channel.js';

// Source for `eval: true`: it loads this module, so a broken entry module is still reported through shared
// memory instead of leaving the caller to wait out its ready timeout. Only dynamic import(): the text runs as
// CommonJS or, when the process was started with --input-type=module (inherited), as an ES module.
const BOOTSTRAP =
  "import('node:worker_threads')" +
  `.then((wt) => import(wt.workerData.${INIT_KEY}.channelModule))` +
  '.then((m) => m.runWorkerEntry());';

/** The caller's end. Synchronous; one call at a time. */
export class CallerChannel {
  readonly worker: Worker;
  private readonly words: Int32Array;
  private readonly control: SharedArrayBuffer;
  private readonly port: MessagePort;
  private readonly spin: SpinPolicy;
  private readonly readyTimeoutMs: number;
  private readonly heartbeatTimeoutMs: number;
  private requestBuf: Buffer;
  private requestGen = 0;
  private responseBuf: Buffer;
  private responseGen = 0;
  private responseLen = 0;
  private seq = 0;
  private ready = false;
  private closed = false;
  private failure: string | null = null;
  private events: unknown[] = [];
  private lastRoundTrip = 0;

  /** Starts the worker on `entry` (a module that creates a {@link WorkerChannel}) without waiting for it. */
  constructor(entry: string | URL, options: ChannelOptions = {}) {
    // bufferBytes and spin come checked: they are the blocking context's options (lib/options.ts).
    const bufferBytes = options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    this.readyTimeoutMs = channelInteger(
      'readyTimeoutMs',
      options.readyTimeoutMs,
      DEFAULT_READY_TIMEOUT_MS,
      1,
      INT32_MAX,
    );
    this.heartbeatTimeoutMs = channelInteger(
      'heartbeatTimeoutMs',
      options.heartbeatTimeoutMs,
      DEFAULT_HEARTBEAT_TIMEOUT_MS,
      2 * HEARTBEAT_INTERVAL_MS,
      INT32_MAX,
    );
    this.spin = new SpinPolicy(options.spin ?? 'auto');
    this.control = new SharedArrayBuffer(CONTROL_BYTES);
    this.words = new Int32Array(this.control);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const init: ChannelInit = {
      control: this.control,
      port: port2,
      entry: toUrl(entry),
      channelModule: new URL('./channel.js', import.meta.url).href,
      workerSpinUs: this.spin.workerCapUs,
      data: options.data,
    };
    const workerOptions = { workerData: { [INIT_KEY]: init }, transferList: [port2] };
    this.worker =
      options.mainScript === true
        ? new Worker(new URL(init.entry), workerOptions)
        : new Worker(BOOTSTRAP, { ...workerOptions, eval: true });
    // The areas once the thread is on its way, which covers the ~1 ms their memory takes (1 MiB by default,
    // zeroed): the worker takes them from the port before any other message.
    const requestBytes = Math.floor(bufferBytes / 2);
    this.requestBuf = Buffer.from(new SharedArrayBuffer(requestBytes));
    this.responseBuf = Buffer.from(new SharedArrayBuffer(bufferBytes - requestBytes));
    this.port.postMessage({
      t: MSG_AREAS,
      request: this.requestBuf.buffer as SharedArrayBuffer,
      response: this.responseBuf.buffer as SharedArrayBuffer,
    } satisfies AreasMessage);
    // Both listeners are added before unref() (a 'message' listener after it would re-ref the worker,
    // nodejs/node#53036). Without an 'error' listener a worker crash would crash this process. They only run
    // while this thread is not blocked; during a call the same news arrives through shared memory.
    this.worker.on('error', (err) => this.noteGone(describeError(err)));
    this.worker.on('exit', (code) => this.noteGone(`exited with code ${code}`));
    this.worker.unref();
    this.port.unref();
  }

  /** True while the worker serves calls: ready, not closed, not dead. */
  get serving(): boolean {
    return (
      this.ready &&
      !this.closed &&
      this.failure === null &&
      Atomics.load(this.words, Word.STATE) === ChannelState.READY
    );
  }

  /** The latest round trip in µs (caller clock, spin or sleep included). */
  get lastRoundTripUs(): number {
    return this.lastRoundTrip;
  }

  /** Blocks until the worker serves requests. Throws a ClusterError when it died or took too long. */
  waitReady(timeoutMs: number = this.readyTimeoutMs): void {
    if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
      throw otherError(`Invalid ready timeout ${timeoutMs}: expected ms >= 0`);
    }
    this.checkOpen();
    if (this.ready) return;
    const w = this.words;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const state = Atomics.load(w, Word.STATE);
      if (state === ChannelState.READY) {
        this.ready = true;
        return;
      }
      if (state !== ChannelState.STARTING) this.failOnState(state);
      const now = performance.now();
      if (now >= deadline) this.fail(`Worker thread not ready after ${timeoutMs} ms`);
      Atomics.wait(w, Word.STATE, ChannelState.STARTING, Math.min(SLICE_MS, deadline - now));
    }
  }

  /**
   * The request area to encode into, at least `minBytes` long (grown when smaller; contents not kept).
   * Valid until the next `beginRequest`/`growRequest`/`call`.
   */
  beginRequest(minBytes = 0): Buffer {
    return minBytes <= this.requestBuf.length ? this.requestBuf : this.growRequest(minBytes, 0);
  }

  /** A bigger request area holding the first `keepBytes` bytes of the current one (an encoder ran out of room). */
  growRequest(minBytes: number, keepBytes: number): Buffer {
    const old = this.requestBuf;
    if (minBytes <= old.length) return old;
    if (!(keepBytes >= 0 && keepBytes <= old.length)) {
      throw otherError(`Invalid keepBytes ${keepBytes}: the request area holds ${old.length} bytes`);
    }
    const sab = new SharedArrayBuffer(grownSize(old.length, minBytes, 'Request'));
    this.requestBuf = Buffer.from(sab);
    old.copy(this.requestBuf, 0, 0, keepBytes);
    this.postRequestArea(sab);
    return this.requestBuf;
  }

  /**
   * Sends the `length` bytes encoded at the start of the request area and blocks until the worker answers.
   * Returns the response status (`STATUS_OK`, `STATUS_ERROR`, `STATUS_TIMEOUT` when `timeoutMs` > 0 passed,
   * or a status of the layer above). Throws a ClusterError when the channel is closed or the worker died.
   */
  call(opcode: number, length: number, count = 1, timeoutMs = 0, flags = 0): number {
    if ((opcode | 0) !== opcode || opcode < 1) {
      throw otherError(`Invalid opcode ${opcode}: expected an integer from 1 to ${INT32_MAX}`);
    }
    if ((length | 0) !== length || length < 0 || length > this.requestBuf.length) {
      throw otherError(
        `Invalid request length ${length}: the request area holds ${this.requestBuf.length} bytes`,
      );
    }
    if ((timeoutMs | 0) !== timeoutMs || timeoutMs < 0) {
      throw otherError(`Invalid timeout ${timeoutMs}: expected whole ms >= 0`);
    }
    if ((count | 0) !== count || count < 0 || (flags | 0) !== flags) {
      throw otherError(`Invalid count ${count} or flags ${flags}: expected 32-bit integers, count >= 0`);
    }
    this.checkOpen();
    if (!this.ready) this.waitReady();
    return this.roundTrip(opcode, length, count, timeoutMs, flags);
  }

  /** Bytes of the last accepted response. */
  get responseLength(): number {
    return this.responseLen;
  }

  /**
   * The whole response area; the last response is its first `responseLength` bytes. A view into shared
   * memory, valid until the next call: build values from it and copy what must outlive it.
   */
  get responseArea(): Buffer {
    return this.responseBuf;
  }

  /** The last response's bytes: a view, with the same rules as {@link responseArea}. */
  response(): Buffer {
    return this.responseBuf.subarray(0, this.responseLen);
  }

  /** The last response decoded as UTF-8 (e.g. a `STATUS_ERROR` message). */
  responseText(): string {
    return this.responseBuf.toString('utf8', 0, this.responseLen);
  }

  /** Events the worker posted, in order, received with the responses so far; clears them. */
  takeEvents(): unknown[] {
    const events = this.events;
    if (events.length > 0) this.events = [];
    return events;
  }

  /**
   * Asks the worker to close and waits up to `timeoutMs` for its acknowledgement; a worker that does not
   * acknowledge (dead, stuck, not started) is terminated. Later calls throw. Idempotent.
   */
  close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): void {
    if (this.closed) return;
    let acknowledged = false;
    if (this.failure === null && Atomics.load(this.words, Word.STATE) === ChannelState.READY) {
      try {
        acknowledged = this.roundTrip(OP_CLOSE, 0, 0, timeoutMs, 0) === STATUS_OK;
      } catch {
        // The worker died or closed meanwhile: terminate below.
      }
    }
    this.closed = true;
    this.port.close();
    if (!acknowledged) void this.worker.terminate();
  }

  private roundTrip(opcode: number, length: number, count: number, timeoutMs: number, flags: number): number {
    const w = this.words;
    const start = performance.now();
    // Seqlock: a worker still reading the previous header (that call timed out) sees the seq change and
    // rereads, so it never acts on a header that is half old, half new.
    Atomics.store(w, Word.REQ_SEQ, SEQ_WRITING);
    w[Word.REQ_OPCODE] = opcode;
    w[Word.REQ_COUNT] = count;
    w[Word.REQ_LENGTH] = length;
    w[Word.REQ_FLAGS] = flags;
    w[Word.REQ_TIMEOUT_MS] = timeoutMs;
    w[Word.REQ_AREA] = this.requestGen;
    const seq = this.seq === INT32_MAX ? 1 : this.seq + 1;
    this.seq = seq;
    // The seq-cst store publishes the header and request bytes written before it.
    Atomics.store(w, Word.REQ_SEQ, seq);
    // Store, then load (both seq-cst): either the worker sees this seq before it sleeps, or this sees it asleep.
    if (Atomics.load(w, Word.WORKER_SLEEPS) !== 0) Atomics.notify(w, Word.REQ_SEQ);
    if (
      !spinUntil(w, Word.RESP_SEQ, seq, true, this.spin.budgetUs(length)) &&
      !this.sleepUntilAnswered(seq, start, timeoutMs)
    ) {
      // The worker may still read the abandoned request's bytes (a queued socket write): never reuse them.
      const sab = new SharedArrayBuffer(this.requestBuf.length);
      this.requestBuf = Buffer.from(sab);
      this.postRequestArea(sab);
      return STATUS_TIMEOUT;
    }
    const status = w[Word.RESP_STATUS]!;
    const responseLength = w[Word.RESP_LENGTH]!;
    const gen = w[Word.RESP_AREA]!;
    if (gen !== this.responseGen || w[Word.RESP_EVENTS]! > 0) this.drainPort(gen);
    this.responseLen = responseLength;
    const roundTripUs = (performance.now() - start) * 1000;
    this.lastRoundTrip = roundTripUs;
    this.spin.record(roundTripUs, Math.max(length, responseLength));
    return status;
  }

  /** Sleeps in slices until RESP_SEQ === seq (true) or the deadline passes (false); throws if the worker is gone. */
  private sleepUntilAnswered(seq: number, start: number, timeoutMs: number): boolean {
    const w = this.words;
    const deadline = timeoutMs > 0 ? start + timeoutMs : Number.POSITIVE_INFINITY;
    let beat = Atomics.load(w, Word.HEARTBEAT);
    let beatAt = performance.now();
    let checkedAt = beatAt;
    for (;;) {
      const current = Atomics.load(w, Word.RESP_SEQ);
      if (current === seq) return true;
      const state = Atomics.load(w, Word.STATE);
      if (state !== ChannelState.READY) this.failOnState(state);
      const now = performance.now();
      const heartbeat = Atomics.load(w, Word.HEARTBEAT);
      // A gap between two checks longer than the timeout means this thread did not run either (a stopped
      // process, an overloaded machine): the worker gets a fresh period instead of being declared dead.
      if (heartbeat !== beat || now - checkedAt > this.heartbeatTimeoutMs) {
        beat = heartbeat;
        beatAt = now;
      } else if (now - beatAt > this.heartbeatTimeoutMs) {
        this.fail(`Worker thread died: no heartbeat for ${this.heartbeatTimeoutMs} ms`);
      }
      checkedAt = now;
      if (now >= deadline) return false;
      // Wakes on any RESP_SEQ change (a stale one too) or after the slice; the loop re-checks either way.
      Atomics.wait(w, Word.RESP_SEQ, current, Math.min(SLICE_MS, deadline - now));
    }
  }

  private drainPort(gen: number): void {
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
      const msg = m.message as PortMessage;
      if (msg.t === MSG_AREA) {
        this.responseBuf = Buffer.from(msg.sab);
        this.responseGen = msg.gen;
      } else {
        this.events.push(msg.v);
      }
    }
    if (this.responseGen !== gen) this.fail(`Channel protocol error: response area ${gen} was never posted`);
  }

  private postRequestArea(sab: SharedArrayBuffer): void {
    this.requestGen++;
    this.port.postMessage({ t: MSG_AREA, gen: this.requestGen, sab } satisfies PortMessage);
  }

  private checkOpen(): void {
    if (this.closed) throw otherError('Channel is closed');
    if (this.failure !== null) throw new ClusterError(REDIS_ERR_OTHER, this.failure);
  }

  private failOnState(state: number): never {
    if (state === ChannelState.DEAD) this.fail(`Worker thread died: ${this.deathReason()}`);
    this.fail('Worker thread closed the channel');
  }

  /** The channel is unusable from now on: remember why, stop the worker, throw. */
  private fail(message: string): never {
    this.failure = message;
    void this.worker.terminate();
    throw new ClusterError(REDIS_ERR_OTHER, message);
  }

  /** The worker is gone and this thread heard of it first through an event: what the next call throws. */
  private noteGone(reason: string): void {
    if (this.closed || this.failure !== null) return;
    const state = Atomics.load(this.words, Word.STATE);
    if (state === ChannelState.CLOSED) this.failure = 'Worker thread closed the channel';
    else this.failure = `Worker thread died: ${state === ChannelState.DEAD ? this.deathReason() : reason}`;
  }

  private deathReason(): string {
    const length = Atomics.load(this.words, Word.FAILURE_LENGTH);
    return Buffer.from(this.control, FAILURE_OFFSET, length).toString('utf8');
  }
}

function toUrl(entry: string | URL): string {
  if (entry instanceof URL) return entry.href;
  return entry.startsWith('file:') ? entry : pathToFileURL(entry).href;
}
