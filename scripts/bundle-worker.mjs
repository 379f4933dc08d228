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
  // CommonJS has no import.meta: the modules that resolve files relative to themselves get the bundle's URL.
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': 'importMetaUrl' },
  sourcemap: true,
  logLevel: 'warning',
});
