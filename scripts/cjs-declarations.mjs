// Part of `npm run build`, after tsc: a CommonJS copy of the shipped declarations (every dist/lib and
// dist/adapters `.d.ts` as a `.d.cts`, its relative imports pointing at the `.d.cts` files), which
// package.json's `require` conditions name. The package is ES modules only; Node 20.19+ loads it with
// require() too (require(esm)), but TypeScript under `module: node16` models a Node where that fails and
// refuses an ES module's types in a CommonJS file (TS1479). Typed as CommonJS, the same exports type-check
// there; at run time require() returns the ES module's namespace, whose names these declarations describe.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../dist/', import.meta.url).pathname;
// `from './x.js'`, `import('./x.js')` and `export * from '../y/index.js'`: relative specifiers only.
const RELATIVE_JS = /(['"])(\.{1,2}\/[^'"]*)\.js\1/g;

for (const dir of ['lib', 'adapters']) {
  for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    // Start clean: a declaration removed from the sources leaves no CommonJS copy behind.
    if (entry.name.endsWith('.d.cts')) rmSync(path);
  }
  for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    const text = readFileSync(path, 'utf8').replace(RELATIVE_JS, '$1$2.cjs$1');
    writeFileSync(path.replace(/\.d\.ts$/, '.d.cts'), text);
  }
}
