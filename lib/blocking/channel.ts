/// <reference lib="es2024.sharedmemory" />
/**
 * The bridge between a caller thread that blocks in `Atomics.wait` and a worker thread that keeps its event
 * loop free (it waits with `Atomics.waitAsync`): one request in flight at a time over shared memory.
 *
 * Memory: a small control buffer of Int32 words (each group on its own 64-byte line, so the two threads do
 * not share cache lines they both write), plus a request area (written by the caller, grown by the caller)
 * and a response area (written by the worker, grown by the worker), each its own SharedArrayBuffer.
 *
 * Protocol, one call:
 *   caller: encode into the request area -> REQ_SEQ = 0 (writing) -> request header -> REQ_SEQ = seq (store
 *           + notify)
 *   worker: sees REQ_SEQ change -> handles it -> response bytes + header -> RESP_SEQ = seq (store + notify)
 *   caller: spins briefly, then waits in short slices until RESP_SEQ === seq; reads the response.
 * Sequence numbers, not flags: the caller accepts a response only when RESP_SEQ equals its own seq and
 * never trusts `Atomics.wait`'s return value, so a stale notify or a late reply to a timed-out call can
 * never pass for the current call's reply (reference/sync-bridge-and-codec.md §1.2 pitfalls 3–4).
 *
 * Growth needs no extra round trip: whoever writes an area allocates a bigger SharedArrayBuffer, posts it on
 * the channel's MessagePort (shared, not copied) and names its generation in the header it publishes; the
 * reader drains its port with `receiveMessageOnPort` until it holds that generation. A message posted
 * before the publishing `Atomics.store` is already queued when the other side sees the store.
 *
 * Liveness: the caller can receive no events while it is blocked, so everything it must know travels in
 * shared memory: READY, a heartbeat the worker bumps every 50 ms, and a DEAD state with a reason that the
 * worker's fatal paths (uncaught exception, `process.exit`, a module that fails to load) write.
 */
import { Buffer } from 'node:buffer';
import { pathToFileURL } from 'node:url';
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
  workerData,
} from 'node:worker_threads';
import { ClusterError, otherError, REDIS_ERR_OTHER } from '../errors.js';
import { SpinPolicy, type SpinSetting, spinUntilEqual } from './spin.js';

/** Int32 words per 64-byte cache line. */
const LINE = 16;

/** Indices of the control words in the control buffer's Int32Array. */
export const Word = {
  /** Sequence number of the newest request; the caller writes it, the worker waits on it. */
  REQ_SEQ: 0,
  /** Sequence number of the newest response; the worker writes it, the caller waits on it. */
  RESP_SEQ: LINE,
  REQ_OPCODE: 2 * LINE,
  /** Number of commands in the request (pipelines carry many). */
  REQ_COUNT: 2 * LINE + 1,
  REQ_LENGTH: 2 * LINE + 2,
  REQ_FLAGS: 2 * LINE + 3,
  /** The call's timeout in ms (0 = none). Relative, because the threads' clocks have different origins. */
  REQ_TIMEOUT_MS: 2 * LINE + 4,
  /** Generation of the request area the bytes are in. */
  REQ_AREA: 2 * LINE + 5,
  RESP_STATUS: 3 * LINE,
  RESP_LENGTH: 3 * LINE + 1,
  /** Events posted on the port since the previous published response: the caller drains them. */
  RESP_EVENTS: 3 * LINE + 2,
  /** Generation of the response area the bytes are in. */
  RESP_AREA: 3 * LINE + 3,
  HEARTBEAT: 4 * LINE,
  /** A {@link ChannelState}. */
  STATE: 5 * LINE,
  /** Bytes of the death reason (UTF-8) stored after the words. */
  FAILURE_LENGTH: 5 * LINE + 1,
} as const;

const FAILURE_OFFSET = 6 * LINE * 4;
const FAILURE_BYTES = 1024;
const CONTROL_BYTES = FAILURE_OFFSET + FAILURE_BYTES;

/** Values of the STATE word. */
export const ChannelState = { STARTING: 0, READY: 1, CLOSED: 2, DEAD: 3 } as const;

/** Reserved opcode: the caller closes the channel. Opcodes 1..2^31-1 are the user's. */
export const OP_CLOSE = 0;

/** Response statuses. Other non-negative numbers are free for the layer above (e.g. a redirect summary). */
export const STATUS_OK = 0;
/** The response bytes are a UTF-8 error message. */
export const STATUS_ERROR = 1;
/** The deadline passed: returned by the caller's own clock, or answered by the worker. */
export const STATUS_TIMEOUT = 2;

const INT32_MAX = 0x7fffffff;
/** REQ_SEQ while the caller writes a request header; real sequence numbers run 1..INT32_MAX and wrap. */
const SEQ_WRITING = 0;
/** Lengths travel in Int32 words. */
export const MAX_AREA_BYTES = INT32_MAX;
const DEFAULT_BUFFER_BYTES = 1024 * 1024;
const MIN_BUFFER_BYTES = 128;
const DEFAULT_READY_TIMEOUT_MS = 10_000;
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 3000;
const DEFAULT_CLOSE_TIMEOUT_MS = 1000;
/** How often the worker bumps the heartbeat; the same interval keeps the worker alive while open. */
const HEARTBEAT_INTERVAL_MS = 50;
/** The caller's longest single sleep: deadlines and liveness are checked between slices. */
const SLICE_MS = 50;

const MSG_AREA = 1;
const MSG_EVENT = 2;
type PortMessage =
  | { t: typeof MSG_AREA; gen: number; sab: SharedArrayBuffer }
  | { t: typeof MSG_EVENT; v: unknown };

/** What the worker receives in `workerData.hirclusterChannel`. */
export interface ChannelInit {
  control: SharedArrayBuffer;
  request: SharedArrayBuffer;
  response: SharedArrayBuffer;
  port: MessagePort;
  /** URL of the worker entry module. */
  entry: string;
  /** URL of this module, for the bootstrap. */
  channelModule: string;
  /** The caller's `options.data`. */
  data: unknown;
}

const INIT_KEY = 'hirclusterChannel';

export interface ChannelOptions {
  /** Initial size of the request and response areas together, split evenly; 1 MiB by default. */
  bufferBytes?: number;
  /** Busy-polling before sleeping (see spin.ts); `'auto'` by default. */
  spin?: SpinSetting;
  /** The first call (or `waitReady()`) fails when the worker is not serving by then; 10 000 ms by default. */
  readyTimeoutMs?: number;
  /** A call fails when the worker's heartbeat stands still this long; 3000 ms by default. */
  heartbeatTimeoutMs?: number;
  /** Plain data for the worker entry (`WorkerChannel.data`); structured-cloned. */
  data?: unknown;
}

export interface ChannelRequest {
  readonly seq: number;
  readonly opcode: number;
  readonly count: number;
  readonly flags: number;
  /** 0 = no deadline. Counted from when the caller published the request. */
  readonly timeoutMs: number;
  /**
   * A view of the request area. Valid while {@link WorkerChannel.isCurrent} holds; after a caller timeout the
   * caller moves to a fresh area, so bytes a worker still holds (a queued socket write) are never overwritten.
   */
  readonly body: Buffer;
}

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
    const bufferBytes = intOption(
      options,
      'bufferBytes',
      DEFAULT_BUFFER_BYTES,
      MIN_BUFFER_BYTES,
      2 * MAX_AREA_BYTES,
    );
    this.readyTimeoutMs = intOption(options, 'readyTimeoutMs', DEFAULT_READY_TIMEOUT_MS, 1, INT32_MAX);
    this.heartbeatTimeoutMs = intOption(
      options,
      'heartbeatTimeoutMs',
      DEFAULT_HEARTBEAT_TIMEOUT_MS,
      2 * HEARTBEAT_INTERVAL_MS,
      INT32_MAX,
    );
    this.spin = new SpinPolicy(options.spin ?? 'auto');
    this.control = new SharedArrayBuffer(CONTROL_BYTES);
    this.words = new Int32Array(this.control);
    const requestBytes = Math.floor(bufferBytes / 2);
    this.requestBuf = Buffer.from(new SharedArrayBuffer(requestBytes));
    this.responseBuf = Buffer.from(new SharedArrayBuffer(bufferBytes - requestBytes));
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const init: ChannelInit = {
      control: this.control,
      request: this.requestBuf.buffer as SharedArrayBuffer,
      response: this.responseBuf.buffer as SharedArrayBuffer,
      port: port2,
      entry: toUrl(entry),
      channelModule: import.meta.url,
      data: options.data,
    };
    this.worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { [INIT_KEY]: init },
      transferList: [port2],
    });
    // Both listeners are added before unref() (a 'message' listener after it would re-ref the worker,
    // nodejs/node#53036). Without an 'error' listener a worker crash would crash this process. They only run
    // while this thread is not blocked; during a call the same news arrives through shared memory.
    this.worker.on('error', (err) => this.noteGone(describeError(err)));
    this.worker.on('exit', (code) => this.noteGone(`exited with code ${code}`));
    this.worker.unref();
    this.port.unref();
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
    const start = performance.now();
    // The seq-cst store publishes the header and request bytes written before it.
    Atomics.store(w, Word.REQ_SEQ, seq);
    Atomics.notify(w, Word.REQ_SEQ);
    if (
      !spinUntilEqual(w, Word.RESP_SEQ, seq, this.spin.budgetUs(length)) &&
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
  private closed = false;

  constructor(init: ChannelInit = channelInit()) {
    this.data = init.data;
    this.words = new Int32Array(init.control);
    this.port = init.port;
    this.requestBuf = Buffer.from(init.request);
    this.responseBuf = Buffer.from(init.response);
    watchForDeath(this.words);
    // Atomics.waitAsync does not keep a thread alive (nodejs/node#44729): this ref'd interval does, until close.
    this.heartbeat = setInterval(() => Atomics.add(this.words, Word.HEARTBEAT, 1), HEARTBEAT_INTERVAL_MS);
  }

  /**
   * The next request, or null once the caller asked to close (then release resources and call `close()`).
   * The first call tells the caller the worker is ready. A request the caller replaced before it was read
   * (it timed out) is skipped: only the newest is returned.
   */
  async next(): Promise<ChannelRequest | null> {
    const w = this.words;
    if (Atomics.load(w, Word.STATE) === ChannelState.STARTING) {
      Atomics.store(w, Word.STATE, ChannelState.READY);
      Atomics.notify(w, Word.STATE);
    }
    while (!this.closed && this.closeSeq === 0) {
      const seq = Atomics.load(w, Word.REQ_SEQ);
      if (seq !== this.lastSeq && seq !== SEQ_WRITING) {
        const req = this.read(seq);
        // A header rewritten while it was read (the caller timed out meanwhile) belongs to a newer seq.
        if (Atomics.load(w, Word.REQ_SEQ) !== seq) continue;
        this.lastSeq = seq;
        if (req !== null) return req;
        this.closeSeq = seq;
        break;
      }
      const waited = Atomics.waitAsync(w, Word.REQ_SEQ, seq);
      if (waited.async) await waited.value;
    }
    return null;
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
    Atomics.store(w, Word.RESP_SEQ, req.seq);
    Atomics.notify(w, Word.RESP_SEQ, 1);
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

/** Inside a channel worker: what the caller handed over. Throws in any other thread. */
export function channelInit(): ChannelInit {
  const init = (workerData as Record<string, unknown> | null)?.[INIT_KEY];
  if (init === undefined) throw otherError('WorkerChannel: this thread was not started by a CallerChannel');
  return init as ChannelInit;
}

/** Writes the reason and the DEAD state, and wakes the caller. The first reason wins; a closed channel stays closed. */
function recordDeath(words: Int32Array, reason: string): void {
  const state = Atomics.load(words, Word.STATE);
  if (state === ChannelState.DEAD || state === ChannelState.CLOSED) return;
  const target = Buffer.from(words.buffer, FAILURE_OFFSET, FAILURE_BYTES);
  words[Word.FAILURE_LENGTH] = target.write(reason, 0, 'utf8');
  Atomics.store(words, Word.STATE, ChannelState.DEAD);
  Atomics.notify(words, Word.STATE);
  Atomics.notify(words, Word.RESP_SEQ);
}

let watched: Int32Array | null = null;

/** Once per thread: an uncaught exception or `process.exit()` records the death before the thread ends. */
function watchForDeath(words: Int32Array): void {
  if (watched !== null && watched.buffer === words.buffer) return;
  watched = words;
  // The monitor only observes: the exception still ends the thread as it would without us.
  process.on('uncaughtExceptionMonitor', (err) => recordDeath(words, describeError(err)));
  process.on('exit', (code) => recordDeath(words, `exited with code ${code}`));
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function toUrl(entry: string | URL): string {
  if (entry instanceof URL) return entry.href;
  return entry.startsWith('file:') ? entry : pathToFileURL(entry).href;
}

function grownSize(current: number, needed: number, what: string): number {
  if (needed > MAX_AREA_BYTES) {
    throw otherError(`${what} of ${needed} bytes exceeds the channel limit of ${MAX_AREA_BYTES} bytes`);
  }
  let size = Math.max(current, MIN_BUFFER_BYTES);
  while (size < needed) size *= 2;
  return Math.min(size, MAX_AREA_BYTES);
}

function intOption(
  options: ChannelOptions,
  name: 'bufferBytes' | 'readyTimeoutMs' | 'heartbeatTimeoutMs',
  fallback: number,
  min: number,
  max: number,
): number {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw otherError(
      `Invalid option '${name}': expected an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}
