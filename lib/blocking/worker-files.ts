/**
 * The worker's bundle and its code cache as bytes in shared memory, handed to each new worker thread: read
 * by the caller's thread, which is idle while the worker starts anyway, so the worker reads no file on its
 * way to its first answer (~1 ms of its start). The bundle is read once per process, so every worker runs
 * the build the caller's thread loaded; the cache again whenever its file changed (a worker saved one).
 */
import { type BigIntStats, readFileSync, statSync } from 'node:fs';
import { cacheFileOf, type ScriptBytes } from './code-cache.js';

interface Read {
  source: Uint8Array;
  cache: Uint8Array | null;
  /** The cache file's identity when it was read; null when there was none. */
  cacheStat: BigIntStats | null;
}

const reads = new Map<string, Read>();

/** `file` and its code cache, read ahead; undefined when `file` cannot be read (the worker then tries). */
export function workerFiles(file: string): ScriptBytes | undefined {
  let read = reads.get(file);
  if (read === undefined) {
    const source = readShared(file);
    if (source === null) return undefined;
    read = { source, cache: null, cacheStat: null };
    reads.set(file, read);
  }
  const cacheFile = cacheFileOf(file);
  const stat = statOrNull(cacheFile);
  if (!sameFile(stat, read.cacheStat)) {
    read.cache = stat === null ? null : readShared(cacheFile);
    read.cacheStat = read.cache === null ? null : stat;
  }
  return { source: read.source, cache: read.cache };
}

function statOrNull(file: string): BigIntStats | null {
  try {
    return statSync(file, { bigint: true, throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

function sameFile(a: BigIntStats | null, b: BigIntStats | null): boolean {
  if (a === null || b === null) return a === b;
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/** The file's bytes in a SharedArrayBuffer (a worker receives them without a copy), or null. */
function readShared(file: string): Uint8Array | null {
  try {
    const bytes = readFileSync(file);
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    return shared;
  } catch {
    return null;
  }
}
