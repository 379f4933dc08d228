import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { CallerChannel } from '../../../lib/blocking/channel.js';
import {
  CACHE_HEADER_BYTES,
  SCRIPT_ID_PREFIX,
  type ScriptBytes,
  scriptId,
} from '../../../lib/blocking/code-cache.js';
import { workerFiles } from '../../../lib/blocking/worker-files.js';
import { ClusterError } from '../../../lib/errors.js';
import type { CodeCacheWorkerData, CodeCacheWorkerResult } from '../../support/code-cache-worker.js';

const LOADER_WORKER = new URL('../../support/code-cache-worker.js', import.meta.url);
const BUNDLE_DIR = fileURLToPath(new URL('../../../lib/blocking/worker-bundle/', import.meta.url));

/** A script named `id` whose `value()` says `letter` and uses a built-in module: same length for any letter. */
function source(id: string, letter: string): string {
  return `${SCRIPT_ID_PREFIX}${id}\nconst { sep } = require('node:path');\nexports.value = () => '${letter}' + sep.length;\n`;
}

/**
 * Loads `file` with CachedScript in a fresh thread (whose V8 has compiled nothing yet), then saves the cache
 * with `rank`. Resolves to the rank of the cache it used (-1: none) and the script's value.
 */
async function load(
  file: string,
  rank = 1,
  cacheFile?: string | null,
  bytes?: ScriptBytes,
): Promise<CodeCacheWorkerResult> {
  const data: CodeCacheWorkerData = { file, cacheFile, rank, bytes };
  const worker = new Worker(LOADER_WORKER, { workerData: data });
  const result = await new Promise<CodeCacheWorkerResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  return result;
}

/** The header of the cache file: the script's id and the cache's rank. */
function header(cacheFile: string): string {
  return readFileSync(cacheFile).toString('latin1', 0, CACHE_HEADER_BYTES).trimEnd();
}

describe('blocking/code-cache', () => {
  let dir: string;
  let file: string;
  let cacheFile: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hircluster-code-cache-'));
    file = join(dir, 'script.cjs');
    cacheFile = `${file}.v8cache`;
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a cache the script runs and save() writes one, which the next thread uses', async () => {
    writeFileSync(file, source('id-a', 'a'));
    expect(await load(file)).to.deep.equal({ cacheRank: -1, value: 'a1' });
    expect(header(cacheFile)).to.equal('id-a 1');
    expect(await load(file)).to.deep.equal({ cacheRank: 1, value: 'a1' });
  });

  it('a cache is written again only by a run of a higher rank', async () => {
    writeFileSync(file, source('id-a', 'a'));
    expect(await load(file, 0)).to.deep.equal({ cacheRank: -1, value: 'a1' });
    expect(header(cacheFile)).to.equal('id-a 0');
    expect(await load(file, 0)).to.deep.equal({ cacheRank: 0, value: 'a1' });
    expect(await load(file, 1)).to.deep.equal({ cacheRank: 0, value: 'a1' });
    expect(header(cacheFile)).to.equal('id-a 1');
    expect(await load(file, 0)).to.deep.equal({ cacheRank: 1, value: 'a1' });
    expect(header(cacheFile)).to.equal('id-a 1');
  });

  it('a cache made for another script is not used, though V8 would take it (same length), and it is replaced', async () => {
    writeFileSync(file, source('id-a', 'a'));
    await load(file);
    // V8 checks a source's length only: without the ids, this would run the other script's bytecode.
    writeFileSync(file, source('id-b', 'b'));
    expect(await load(file)).to.deep.equal({ cacheRank: -1, value: 'b1' });
    expect(await load(file)).to.deep.equal({ cacheRank: 1, value: 'b1' });
  });

  it('a corrupt cache (garbage or truncated after the right header) is refused, the script runs, and it is replaced', async () => {
    writeFileSync(file, source('id-a', 'a'));
    const garbage = Buffer.alloc(CACHE_HEADER_BYTES + 4096, 0x5a);
    garbage.fill(' ', 0, CACHE_HEADER_BYTES).write('id-a 1', 'latin1');
    writeFileSync(cacheFile, garbage);
    expect(await load(file)).to.deep.equal({ cacheRank: -1, value: 'a1' });
    const good = readFileSync(cacheFile);
    writeFileSync(cacheFile, good.subarray(0, CACHE_HEADER_BYTES + (good.length - CACHE_HEADER_BYTES) / 2));
    expect(await load(file)).to.deep.equal({ cacheRank: -1, value: 'a1' });
    expect(await load(file)).to.deep.equal({ cacheRank: 1, value: 'a1' });
  });

  it('a script without an id on its first line, or loaded without a cache file (null), is never cached', async () => {
    writeFileSync(file, source('id-a', 'a').replace(SCRIPT_ID_PREFIX, '// '));
    expect(await load(file)).to.deep.equal({ cacheRank: -1, value: 'a1' });
    expect(existsSync(cacheFile)).to.equal(false);
    writeFileSync(file, source('id-a', 'a'));
    expect(await load(file, 1, null)).to.deep.equal({ cacheRank: -1, value: 'a1' });
    expect(existsSync(cacheFile)).to.equal(false);
  });

  it('a cache that cannot be written is skipped', async () => {
    writeFileSync(file, source('id-a', 'a'));
    const unwritable = join(dir, 'no-such-dir', 'script.cjs.v8cache');
    expect(await load(file, 1, unwritable)).to.deep.equal({ cacheRank: -1, value: 'a1' });
    expect(existsSync(unwritable)).to.equal(false);
  });

  it("a script may require Node's built-in modules only", async () => {
    writeFileSync(file, `${source('id-a', 'a')}require('chai');\n`);
    let error: unknown;
    await load(file).catch((err: unknown) => {
      error = err;
    });
    expect((error as Error).message).to.equal(
      "Cannot find module 'chai': the worker bundle requires built-ins only",
    );
  });

  it('bytes read ahead stand for the files; the cache is saved to its file', async () => {
    writeFileSync(file, source('id-a', 'a'));
    const ahead = (text: string, cache: Uint8Array | null): ScriptBytes => ({
      source: Buffer.from(text),
      cache,
    });
    expect(await load(file, 1, undefined, ahead(source('id-b', 'b'), null))).to.deep.equal({
      cacheRank: -1,
      value: 'b1',
    });
    expect(header(cacheFile)).to.equal('id-b 1');
    const cache = readFileSync(cacheFile);
    rmSync(cacheFile);
    expect(await load(file, 1, undefined, ahead(source('id-b', 'b'), cache))).to.deep.equal({
      cacheRank: 1,
      value: 'b1',
    });
  });

  it("the caller's thread reads a script once and its cache again when the cache file changed", () => {
    expect(workerFiles(join(dir, 'missing.cjs'))).to.equal(undefined);
    writeFileSync(file, source('id-a', 'a'));
    const first = workerFiles(file)!;
    expect([Buffer.from(first.source).toString(), first.cache]).to.deep.equal([source('id-a', 'a'), null]);
    expect(first.source.buffer).to.be.instanceOf(SharedArrayBuffer);
    writeFileSync(cacheFile, 'cache one');
    writeFileSync(file, source('id-b', 'b'));
    const second = workerFiles(file)!;
    expect(second.source).to.equal(first.source);
    expect(Buffer.from(second.cache!).toString()).to.equal('cache one');
    expect(workerFiles(file)!.cache).to.equal(second.cache);
    rmSync(cacheFile);
    writeFileSync(cacheFile, 'cache number two');
    expect(Buffer.from(workerFiles(file)!.cache!).toString()).to.equal('cache number two');
    rmSync(cacheFile);
    expect(workerFiles(file)!.cache).to.equal(null);
  });

  it("the build names the worker's bundle by a hash of it on its first line", () => {
    expect(scriptId(readFileSync(join(BUNDLE_DIR, 'worker-body.cjs'), 'utf8'))).to.match(/^[0-9a-f]{40}$/);
  });

  describe("the worker's loader (the thread's main script)", () => {
    /** A channel whose worker runs a copy of the built loader, next to `body` (no bundle when null). */
    function channelWithBody(body: string | null): CallerChannel {
      copyFileSync(join(BUNDLE_DIR, 'worker.cjs'), join(dir, 'worker.cjs'));
      if (body !== null) writeFileSync(join(dir, 'worker-body.cjs'), body);
      return new CallerChannel(join(dir, 'worker.cjs'), { mainScript: true });
    }

    /** The first call's failure, and how long it took. */
    function firstCallFailure(ch: CallerChannel): { message: string; ms: number } {
      const start = performance.now();
      try {
        ch.call(1, 0);
      } catch (err) {
        expect(err).to.be.instanceOf(ClusterError);
        return { message: (err as Error).message, ms: performance.now() - start };
      } finally {
        ch.close();
      }
      expect.fail('the call succeeded');
    }

    it('a bundle that throws while it loads fails the first call at once with its error', () => {
      const failure = firstCallFailure(
        channelWithBody(`${SCRIPT_ID_PREFIX}x\nthrow new Error('body failure');\n`),
      );
      expect(failure.message).to.equal('Worker thread died: Error: body failure');
      expect(failure.ms).to.be.below(2000);
    });

    it('a missing bundle fails the first call at once, naming the file', () => {
      const failure = firstCallFailure(channelWithBody(null));
      expect(failure.message).to.equal(
        `Worker thread died: Error: ENOENT: no such file or directory, open '${join(dir, 'worker-body.cjs')}'`,
      );
      expect(failure.ms).to.be.below(2000);
    });
  });
});
