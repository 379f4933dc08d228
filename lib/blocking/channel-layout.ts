/// <reference lib="es2024.sharedmemory" />
/**
 * The channel's shared vocabulary: the control words and their layout, states, opcodes and statuses,
 * the init data a worker receives, and the fatal-path helpers both ends use. The protocol itself is
 * described in channel.ts.
 */
import { Buffer } from 'node:buffer';
import { type MessagePort, workerData } from 'node:worker_threads';
import { otherError } from '../errors.js';
import type { SpinSetting } from './spin.js';

/** Int32 words per 64-byte cache line. */
export const LINE = 16;

/** Indices of the control words in the control buffer's Int32Array. */
export const Word = {
  /** Sequence number of the newest request; the caller writes it, the worker waits on it. */
  REQ_SEQ: 0,
  /** Sequence number of the newest response; the worker writes it, the caller waits on it. */
  RESP_SEQ: LINE,
  /**
   * 1 while the worker may be asleep on REQ_SEQ (the caller must notify after a request), 0 while it polls
   * for one (a notify would only cost the caller a syscall to wake an event loop that is not waiting).
   */
  WORKER_SLEEPS: LINE + 1,
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

export const FAILURE_OFFSET = 6 * LINE * 4;
export const FAILURE_BYTES = 1024;
export const CONTROL_BYTES = FAILURE_OFFSET + FAILURE_BYTES;

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

export const INT32_MAX = 0x7fffffff;
/** REQ_SEQ while the caller writes a request header; real sequence numbers run 1..INT32_MAX and wrap. */
export const SEQ_WRITING = 0;
/** Lengths travel in Int32 words. */
export const MAX_AREA_BYTES = INT32_MAX;
export const DEFAULT_BUFFER_BYTES = 1024 * 1024;
export const MIN_BUFFER_BYTES = 128;
export const DEFAULT_READY_TIMEOUT_MS = 10_000;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 3000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 1000;
/** How often the worker bumps the heartbeat; the same interval keeps the worker alive while open. */
export const HEARTBEAT_INTERVAL_MS = 50;
/** The caller's longest single sleep: deadlines and liveness are checked between slices. */
export const SLICE_MS = 50;

export const MSG_AREA = 1;
export const MSG_EVENT = 2;
export const MSG_AREAS = 3;
export type PortMessage =
  | { t: typeof MSG_AREA; gen: number; sab: SharedArrayBuffer }
  | { t: typeof MSG_EVENT; v: unknown };
/** The caller's first message: both areas, generation 0. */
export interface AreasMessage {
  t: typeof MSG_AREAS;
  request: SharedArrayBuffer;
  response: SharedArrayBuffer;
}

/** What the worker receives in `workerData.hirclusterChannel`. */
export interface ChannelInit {
  control: SharedArrayBuffer;
  /** Its first message holds the request and response areas (MSG_AREAS). */
  port: MessagePort;
  /** URL of the worker entry module. */
  entry: string;
  /** URL of the channel module, for the bootstrap. */
  channelModule: string;
  /** The longest the worker polls for the next request after each answer, µs (spin.ts). */
  workerSpinUs: number;
  /** The caller's `options.data`. */
  data: unknown;
}

export const INIT_KEY = 'hirclusterChannel';

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
  /**
   * Runs `entry` as the worker's main script instead of importing it from a bootstrap. The bootstrap imports
   * the channel module first, so that an entry failing to load is still reported; a CommonJS script that
   * reports its own failures to load (recordDeath, as the blocking context's worker-loader.ts does) needs no
   * such help, and the thread serves ~20 ms sooner without an ES module loader. False by default.
   */
  mainScript?: boolean;
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

/** Inside a channel worker: what the caller handed over. Throws in any other thread. */
export function channelInit(): ChannelInit {
  const init = (workerData as Record<string, unknown> | null)?.[INIT_KEY];
  if (init === undefined) throw otherError('WorkerChannel: this thread was not started by a CallerChannel');
  return init as ChannelInit;
}

/**
 * Tells the caller that the worker serves: the caller writes its first request from then on. An entry may
 * say so while it still loads (the request waits in shared memory, and a failure to load is recorded as a
 * death); WorkerChannel says it at its first next() at the latest. A closed or dead channel stays so.
 */
export function announceReady(words: Int32Array): void {
  // Only the worker writes the state: a load, then a store, cannot race.
  if (Atomics.load(words, Word.STATE) !== ChannelState.STARTING) return;
  Atomics.store(words, Word.STATE, ChannelState.READY);
  Atomics.notify(words, Word.STATE);
}

/** Writes the reason and the DEAD state, and wakes the caller. The first reason wins; a closed channel stays closed. */
export function recordDeath(words: Int32Array, reason: string): void {
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
export function watchForDeath(words: Int32Array): void {
  if (watched !== null && watched.buffer === words.buffer) return;
  watched = words;
  // The monitor only observes: the exception still ends the thread as it would without us.
  process.on('uncaughtExceptionMonitor', (err) => recordDeath(words, describeError(err)));
  process.on('exit', (code) => recordDeath(words, `exited with code ${code}`));
}

export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export function grownSize(current: number, needed: number, what: string): number {
  if (needed > MAX_AREA_BYTES) {
    throw otherError(`${what} of ${needed} bytes exceeds the channel limit of ${MAX_AREA_BYTES} bytes`);
  }
  let size = Math.max(current, MIN_BUFFER_BYTES);
  while (size < needed) size *= 2;
  return Math.min(size, MAX_AREA_BYTES);
}
