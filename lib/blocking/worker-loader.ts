/**
 * The blocking context's worker thread starts here: the build bundles this file alone, as CommonJS, into the
 * thread's main script (scripts/bundle-worker.mjs). It tells the caller at once that the worker serves, so
 * the caller's first request is written while the rest loads; then it compiles the worker's bundle with its
 * V8 code cache (code-cache.ts) and runs it. The bundle has the cache saved before it acknowledges the
 * caller's close, when the cache it started with was missing, stale, or made by a worker that served no
 * command. A bundle that fails to load is recorded as the worker's death, which fails the caller's call at
 * once.
 */
import { join } from 'node:path';
import { announceReady, channelInit, describeError, recordDeath } from './channel-layout.js';
import { CachedScript, cacheFileOf } from './code-cache.js';
import type { WorkerEntry } from './worker.js';
import type { WorkerData } from './worker-options.js';

const init = channelInit();
const words = new Int32Array(init.control);
announceReady(words);
try {
  // __dirname of the CommonJS bundle: node:url's fileURLToPath would be one more module to load.
  const file = join(__dirname, 'worker-body.cjs');
  // Under coverage, compiled from source: bytecode from a cache has no block counters.
  const cacheFile = process.env.NODE_V8_COVERAGE === undefined ? cacheFileOf(file) : null;
  // The caller's thread read both files ahead; a channel started otherwise (a spec) has the loader read them.
  const body = new CachedScript(file, cacheFile, (init.data as WorkerData | undefined)?.body);
  // A cache made after commands holds their code too: it replaces one made by a worker that served none.
  (body.run() as WorkerEntry).runWorker((servedCommands) => body.save(servedCommands ? 1 : 0));
} catch (err) {
  recordDeath(words, describeError(err));
}
