// Part of `npm run build`, after tsc: bundles the blocking context's worker (dist/lib/blocking/worker.js and
// the channel module its bootstrap loads) into dist/lib/blocking/worker-bundle/. A worker thread that loads
// ~35 ES modules one by one spends ~35 ms on it before serving; one bundle (two entries sharing one chunk)
// loads in a few. Source maps chain back to the TypeScript sources, so stacks and coverage stay readable.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const dir = new URL('../dist/lib/blocking/', import.meta.url).pathname;

// Chunk names carry a content hash: start empty so no stale chunk ships.
rmSync(`${dir}worker-bundle`, { recursive: true, force: true });
await build({
  entryPoints: [`${dir}worker.js`, `${dir}channel.js`],
  outdir: `${dir}worker-bundle`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
