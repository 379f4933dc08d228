/**
 * A CommonJS script compiled with a V8 code cache kept next to it: a new worker thread then deserializes the
 * bytecode of the script and of every function an earlier run compiled, instead of compiling them again
 * (the bundle's parse and the lazy compiles of a first connect and command).
 *
 * V8 checks only that a cache was made by the same V8 with the same flags and for a source of the same
 * length, so the cache also names the script it was made for: the id on the script's first line (the
 * build writes a hash of the bundle there). A cache for another script, a missing, truncated or rejected
 * one is ignored and written anew by `save()`, as is one made by a run that did less (a lower rank: the
 * worker's is 1 once it served a command, 0 before). A cache that cannot be written (a read-only install)
 * only costs the compile it would have saved. It is written to a temporary file and renamed, so a reader
 * never sees half of one.
 */
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Script } from 'node:vm';
import { threadId } from 'node:worker_threads';

/** The cache's header: the script's id and the cache's rank, padded; the V8 data follows (aligned: 64 bytes). */
export const CACHE_HEADER_BYTES = 64;

/** The line the build puts first in a script, followed by the script's id. */
export const SCRIPT_ID_PREFIX = '// hircluster script ';

/** A script's bytes and its cache file's, read ahead (by the caller's thread, into shared memory). */
export interface ScriptBytes {
  readonly source: Uint8Array;
  /** Null when there was no cache file. */
  readonly cache: Uint8Array | null;
}

/** The `require` a script runs with. */
export type ScriptRequire = (id: string) => unknown;

/** The id on `source`'s first line, or null when it carries none (the script is then run without a cache). */
export function scriptId(source: string): string | null {
  if (!source.startsWith(SCRIPT_ID_PREFIX)) return null;
  const end = source.indexOf('\n');
  const id = source.slice(SCRIPT_ID_PREFIX.length, end < 0 ? undefined : end).trim();
  return id.length > 0 && id.length < CACHE_HEADER_BYTES ? id : null;
}

/** Where the code cache of the script `file` is kept. */
export function cacheFileOf(file: string): string {
  return `${file}.v8cache`;
}

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** A cache file's V8 data and rank, when it was made for the script `id`; else undefined. */
function parseCache(cache: Uint8Array | null, id: string): { data: Buffer; rank: number } | undefined {
  if (cache === null || cache.length <= CACHE_HEADER_BYTES) return undefined;
  const bytes = Buffer.from(cache.buffer, cache.byteOffset, cache.byteLength);
  const [headerId, rankText] = bytes.toString('latin1', 0, CACHE_HEADER_BYTES).trimEnd().split(' ');
  const rank = Number(rankText);
  if (headerId !== id || !(Number.isInteger(rank) && rank >= 0)) return undefined;
  return { data: bytes.subarray(CACHE_HEADER_BYTES), rank };
}

export class CachedScript {
  /** The rank of the cache used; -1 when none was: there was none, it was for another script, or V8 refused it. */
  readonly cacheRank: number;
  /** Where the cache goes and the id it carries; null when the script has no id or runs without a cache. */
  private readonly cache: { readonly file: string; readonly id: string } | null;
  private readonly script: Script;
  private saved = false;

  /**
   * Compiles the CommonJS script `file`, with the code cache `cacheFile` (by default next to it) when that
   * is one for this script; with none at all when `cacheFile` is null. `bytes`, when given, are the files'
   * contents, read ahead. Throws when the script cannot be read or does not compile.
   */
  constructor(
    readonly file: string,
    cacheFile: string | null = cacheFileOf(file),
    bytes?: ScriptBytes,
  ) {
    const source =
      bytes === undefined
        ? readFileSync(file, 'utf8')
        : Buffer.from(bytes.source.buffer, bytes.source.byteOffset, bytes.source.byteLength).toString('utf8');
    const id = scriptId(source);
    this.cache = cacheFile === null || id === null ? null : { file: cacheFile, id };
    const cached =
      this.cache === null
        ? undefined
        : parseCache(bytes === undefined ? readOrNull(this.cache.file) : bytes.cache, this.cache.id);
    // Node's own CommonJS wrapper, so the script reads as it would when require()d.
    this.script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
      filename: file,
      cachedData: cached?.data,
    });
    this.cacheRank = cached === undefined || this.script.cachedDataRejected === true ? -1 : cached.rank;
  }

  /**
   * Runs the script as a module whose `require` is `require`; returns its `module.exports`. The worker's
   * bundle needs only Node's built-in modules, so `process.getBuiltinModule` serves by default.
   */
  run(require: ScriptRequire = builtinOnly): unknown {
    const module = { exports: {} as unknown };
    const wrapper = this.script.runInThisContext() as (...args: unknown[]) => void;
    wrapper(module.exports, require, module, this.file, dirname(this.file));
    return module.exports;
  }

  /**
   * Writes the cache, with every function compiled so far, when the one used ranks below `rank` (none used
   * ranks -1); once. Best effort: a directory that cannot be written to is left alone, before any work.
   */
  save(rank: number): void {
    const cache = this.cache;
    if (this.saved || rank <= this.cacheRank || cache === null) return;
    this.saved = true;
    const temp = `${cache.file}.${process.pid}-${threadId}.tmp`;
    let fd: number;
    try {
      fd = openSync(temp, 'wx');
    } catch {
      return;
    }
    try {
      const header = Buffer.alloc(CACHE_HEADER_BYTES, ' ');
      header.write(`${cache.id} ${rank}`, 'latin1');
      try {
        writeFileSync(fd, Buffer.concat([header, this.script.createCachedData()]));
      } finally {
        closeSync(fd);
      }
      renameSync(temp, cache.file);
    } catch {
      try {
        unlinkSync(temp);
      } catch {
        // Gone already: nothing else to undo.
      }
    }
  }
}

function builtinOnly(id: string): unknown {
  const module = process.getBuiltinModule(id);
  if (module === undefined)
    throw new Error(`Cannot find module '${id}': the worker bundle requires built-ins only`);
  return module;
}
