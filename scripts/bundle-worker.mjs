// Part of `npm run build`, after tsc: bundles the blocking context's worker (dist/lib/blocking/worker.js and
// everything it imports) into one CommonJS file, dist/lib/blocking/worker-bundle/worker.cjs, that the worker
// thread runs as its main script. Loading ~35 ES modules one by one took ~35 ms before serving; an ES module
// bundle still paid ~20 ms for the ES module loader and a second import; this file needs neither. Source maps
// chain back to the TypeScript sources, so stacks and coverage stay readable.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const dir = new URL('../dist/lib/blocking/', import.meta.url).pathname;

// Start empty, so no file of an earlier build layout ships.
rmSync(`${dir}worker-bundle`, { recursive: true, force: true });
await build({
  entryPoints: [`${dir}worker.js`],
  outfile: `${dir}worker-bundle/worker.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // CommonJS has no import.meta: a module of the worker that starts using it must fail the build, not the worker.
  logOverride: { 'empty-import-meta': 'error' },
  logLevel: 'warning',
});
