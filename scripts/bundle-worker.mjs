// Part of `npm run build`, after tsc: bundles the blocking context's worker into two CommonJS files in
// dist/lib/blocking/worker-bundle/. worker-body.cjs is dist/lib/blocking/worker.js and everything it imports;
// worker.cjs, the thread's main script, is worker-loader.js, which compiles the body with its V8 code cache
// (lib/blocking/code-cache.ts). Loading ~35 ES modules one by one took ~35 ms before serving; an ES module
// bundle still paid ~20 ms for the ES module loader and a second import; these files need neither. The
// body's first line names it by a hash of its text, which the code cache is checked against. Source maps
// chain back to the TypeScript sources, so stacks and coverage stay readable.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const dir = new URL('../dist/lib/blocking/', import.meta.url).pathname;
const out = `${dir}worker-bundle/`;
// lib/blocking/code-cache.ts reads it; a placeholder of the hash's length keeps the source map's lines.
const ID_PREFIX = '// hircluster script ';
const PLACEHOLDER = '0'.repeat(40);

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // CommonJS has no import.meta: a module of the worker that starts using it must fail the build, not the worker.
  logOverride: { 'empty-import-meta': 'error' },
  logLevel: 'warning',
};

// Start empty, so no file of an earlier build layout ships (nor a code cache made for an earlier body).
rmSync(out, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: [`${dir}worker.js`],
  outfile: `${out}worker-body.cjs`,
  banner: { js: `${ID_PREFIX}${PLACEHOLDER}` },
  // Without comments (some are not ASCII) nor indentation: a third smaller, and ASCII only, which V8 keeps
  // as a one-byte string (a new worker thread reads and compiles it faster).
  minifyWhitespace: true,
});
const body = readFileSync(`${out}worker-body.cjs`, 'utf8');
if (!/^[\x00-\x7f]*$/.test(body)) throw new Error('worker-body.cjs is not ASCII only');
const id = createHash('sha256').update(body).digest('hex').slice(0, PLACEHOLDER.length);
writeFileSync(`${out}worker-body.cjs`, body.replace(`${ID_PREFIX}${PLACEHOLDER}`, `${ID_PREFIX}${id}`));
await build({ ...common, entryPoints: [`${dir}worker-loader.js`], outfile: `${out}worker.cjs` });
