/**
 * Loads a script with CachedScript in a thread of its own, for the code-cache specs: V8 keeps what a thread
 * compiled, so only a fresh thread shows whether a cache file is used. Posts what it saw, then saves.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CachedScript, type ScriptBytes } from '../../lib/blocking/code-cache.js';

/** What the spec passes. */
export interface CodeCacheWorkerData {
  file: string;
  /** The cache file (null: none); next to the script when undefined. */
  cacheFile: string | null | undefined;
  /** The rank to save the cache with. */
  rank: number;
  /** The files' bytes, read ahead. */
  bytes?: ScriptBytes;
}

/** What the worker posts. */
export interface CodeCacheWorkerResult {
  /** The rank of the cache used; -1 when none was. */
  cacheRank: number;
  /** What the script's `module.exports.value()` returned. */
  value: unknown;
}

const { file, cacheFile, rank, bytes } = workerData as CodeCacheWorkerData;
const script = new CachedScript(file, cacheFile, bytes);
const exports = script.run() as { value: () => unknown };
// Runs the function, so it is compiled and the cache holds its bytecode too.
const value = exports.value();
script.save(rank);
parentPort!.postMessage({ cacheRank: script.cacheRank, value } satisfies CodeCacheWorkerResult);
