/**
 * The blocking context's options as its worker thread receives them: plain data that survives structured
 * cloning (no code: the address map as its table, no reply builder, no random source), turned back into
 * the engine's options there without validating again: the caller's resolver did, once.
 */
import { addressLookup, type ResolvedBlockingOptions, type ResolvedOptions } from '../options.js';
import { plainReplies } from '../resp/build.js';
import type { ScriptBytes } from './code-cache.js';

/** What crosses to the worker: the engine's settings. The caller keeps its own (spin, deadline, pipelines, memory). */
export type WorkerOptions = Omit<
  ResolvedBlockingOptions,
  'replyBuilder' | 'spin' | 'callTimeout' | 'pipelineRedirects' | 'bufferBytes'
>;

/** What the blocking context hands its worker thread: the channel's data. */
export interface WorkerData {
  options: WorkerOptions;
  /** The worker's bundle and its code cache, read ahead by the caller's thread (worker-files.ts). */
  body: ScriptBytes | undefined;
  /** The link board's memory (link-board.ts); null when the caller makes no direct calls. */
  board: SharedArrayBuffer | null;
}

/** The plain data of resolved blocking options, for the worker. */
export function toWorkerOptions(options: ResolvedBlockingOptions): WorkerOptions {
  const {
    replyBuilder: _builder,
    spin: _spin,
    callTimeout: _callTimeout,
    pipelineRedirects: _pipelineRedirects,
    bufferBytes: _bufferBytes,
    ...data
  } = options;
  return data;
}

/** The engine's options from the worker's plain data, as resolved by the caller. */
export function fromWorkerOptions(data: WorkerOptions): ResolvedOptions {
  return {
    ...data,
    addressMap: data.addressMap === undefined ? undefined : addressLookup(data.addressMap),
    // The blocking context takes no random source (code cannot cross threads): its worker uses the default.
    random: Math.random,
    // Reply frames go to the caller as bytes and are built there: the worker's engine builds only its own.
    replyBuilder: plainReplies,
  };
}
