/**
 * The package as users install it: `npm pack` (the build is already in dist/), the tarball installed into a
 * fresh project in a temporary folder, then an ES module import, a CommonJS require() (Node 20.19+ loads ES
 * modules with it) and `tsc` over a consumer file under each supported `moduleResolution`. Nothing goes to
 * the registry: the install is `--offline`, the package's two dependencies coming from this repository's
 * node_modules as `file:` dependencies of the project, and the programs talk to the plain cluster only.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { PLAIN } from '../support/clusters.js';
import { ROOT, runScript } from '../support/run-script.js';

const run = promisify(execFile);
const NODES = process.env.HIRCLUSTER_NODES || PLAIN[0]!;
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * A consumer's first program, as an ES module: a write from each face (replies that hold while other programs
 * flush the shared cluster), every entry point loaded.
 */
const ESM_PROGRAM = `
import { AsyncClusterContext, BlockingClusterContext } from 'hircluster';
import { redisClusterContextInit } from 'hircluster/compat';
import { MockCluster } from 'hircluster/testing';

const cc = new BlockingClusterContext({ nodes: process.argv[2] });
cc.connect();
const acc = new AsyncClusterContext({ nodes: process.argv[2] });
await acc.connect();
console.log(cc.command('SET %s %s', 'pack:esm', 'esm'), await acc.send('SET', 'pack:esm', 'esm'));
cc.command('DEL %s', 'pack:esm');
console.log(typeof redisClusterContextInit, typeof MockCluster, import.meta.resolve('hircluster'));
cc.close();
acc.disconnect();
`;

/** The same in CommonJS: require() of the ES module package. */
const CJS_PROGRAM = `
const { AsyncClusterContext, BlockingClusterContext } = require('hircluster');
const { redisClusterContextInit } = require('hircluster/compat');
const { MockCluster } = require('hircluster/testing');

const cc = new BlockingClusterContext({ nodes: process.argv[2] });
cc.connect();
const acc = new AsyncClusterContext({ nodes: process.argv[2] });
acc.connect().then(async () => {
  console.log(cc.command('SET %s %s', 'pack:cjs', 'cjs'), await acc.send('SET', 'pack:cjs', 'cjs'));
  cc.command('DEL %s', 'pack:cjs');
  console.log(typeof redisClusterContextInit, typeof MockCluster, require.resolve('hircluster'));
  cc.close();
  acc.disconnect();
});
`;

/**
 * What tsc checks: the three entry points resolve, and their types are the real ones (an `any` would make
 * the expected error below unused, itself an error).
 */
const TYPED_CONSUMER = `
import { BlockingClusterContext, type BlockingOptions, ClusterError } from 'hircluster';
import { redisClusterContextInit } from 'hircluster/compat';
import { MockCluster } from 'hircluster/testing';

const options: BlockingOptions = { nodes: '127.0.0.1:7000', commandTimeout: 100 };
export const made = [new BlockingClusterContext(options), redisClusterContextInit(), MockCluster];
// @ts-expect-error ClusterError's code is hiredis' number
export const code: string = new ClusterError(1, 'x').code;
`;

/** The settings users compile with: `[name, project type, compilerOptions]`. */
const SETTINGS: [string, 'module' | 'commonjs', Record<string, string>][] = [
  ['node16, ES module project', 'module', { module: 'node16', moduleResolution: 'node16' }],
  ['node16, CommonJS project', 'commonjs', { module: 'node16', moduleResolution: 'node16' }],
  ['nodenext, ES module project', 'module', { module: 'nodenext', moduleResolution: 'nodenext' }],
  ['nodenext, CommonJS project', 'commonjs', { module: 'nodenext', moduleResolution: 'nodenext' }],
  ['bundler', 'module', { module: 'esnext', moduleResolution: 'bundler' }],
  ['node10 (legacy, typesVersions)', 'commonjs', { module: 'commonjs', moduleResolution: 'node10' }],
];

describe('package: packed, installed in a fresh project, imported, required and type-checked', function () {
  this.timeout(120_000);
  let project = '';
  let packed: string[] = [];
  /** Per setting, tsc's output: '' when the consumer type-checks. */
  const typeChecks = new Map<string, Promise<string>>();

  before(async () => {
    project = realpathSync(mkdtempSync(join(tmpdir(), 'hircluster-consumer-')));
    // --ignore-scripts: no second build (prepare); `npm test` built dist/ before the specs.
    const pack = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', project], {
      cwd: ROOT,
    });
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    packed = info!.files.map((file) => file.path);
    const modules = join(ROOT, 'node_modules');
    write('package.json', {
      name: 'hircluster-consumer',
      private: true,
      dependencies: {
        hircluster: `file:./${info!.filename}`,
        'cluster-key-slot': `file:${join(modules, 'cluster-key-slot')}`,
        eventemitter3: `file:${join(modules, 'eventemitter3')}`,
      },
    });
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: project,
    });
    // Two at a time (each tsc takes seconds of one core), started now, awaited by their own spec.
    const lanes = [Promise.resolve(''), Promise.resolve('')];
    SETTINGS.forEach((setting, i) => {
      lanes[i % 2] = lanes[i % 2]!.then(() => typeCheck(...setting));
      typeChecks.set(setting[0], lanes[i % 2]!);
    });
  });

  after(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  function write(path: string, content: string | object): void {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
    writeFileSync(join(project, path), text);
  }

  /** Compiles TYPED_CONSUMER in a folder of its own (its package.json gives the module type); tsc's output. */
  async function typeCheck(
    name: string,
    type: string,
    compilerOptions: Record<string, string>,
  ): Promise<string> {
    const folder = name.replace(/\W+/g, '-');
    write(`${folder}/package.json`, { type });
    write(`${folder}/index.ts`, TYPED_CONSUMER);
    write(`${folder}/tsconfig.json`, {
      compilerOptions: {
        ...compilerOptions,
        target: 'es2022',
        strict: true,
        noEmit: true,
        // Checking @types/node costs seconds per run; the consumer's file and what it resolves are what this
        // proves (a spec below checks the imports between the .d.cts files).
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
      },
      files: ['index.ts'],
    });
    return run(process.execPath, [TSC, '-p', join(project, folder)], { cwd: project }).then(
      (result) => result.stdout,
      (err: { stdout?: string; message: string }) => err.stdout || err.message,
    );
  }

  it('ships the built code and both kinds of declarations, not the sources', () => {
    expect(packed).to.include.members([
      'package.json',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/lib/index.d.cts',
      'dist/lib/compat.d.cts',
      'dist/lib/testing/index.d.cts',
      'dist/lib/blocking/worker-bundle/worker.cjs',
      'dist/adapters/node.js',
    ]);
    const stray = packed.filter((path) =>
      /\.map$|\.ts$(?<!\.d\.ts)|^(lib|spec|scripts|examples)\//.test(path),
    );
    expect(stray).to.deep.equal([]);
  });

  it('every relative import of a CommonJS declaration names a shipped .d.cts', () => {
    const shipped = new Set(packed);
    const missing: string[] = [];
    for (const path of packed.filter((p) => p.endsWith('.d.cts'))) {
      const text = readFileSync(join(project, 'node_modules', 'hircluster', path), 'utf8');
      for (const [, specifier] of text.matchAll(/['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = join(dirname(path), specifier!).replace(/\.cjs$/, '.d.cts');
        if (!shipped.has(target)) missing.push(`${path}: ${specifier}`);
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it('an ES module imports it and runs both faces', async () => {
    write('esm.mjs', ESM_PROGRAM);
    const result = await runScript(join(project, 'esm.mjs'), [NODES], { timeoutMs: 30_000 });
    expect(result.stderr).to.equal('');
    const [replies, loaded] = result.stdout.trim().split('\n');
    expect(replies).to.equal('OK OK');
    expect(loaded).to.equal(`function function file://${project}/node_modules/hircluster/dist/lib/index.js`);
  });

  it('a CommonJS module requires it (require(esm)) and runs both faces', async () => {
    write('cjs.cjs', CJS_PROGRAM);
    const result = await runScript(join(project, 'cjs.cjs'), [NODES], { timeoutMs: 30_000 });
    // Node 20.19+ loads an ES module from node_modules with require() without a warning.
    expect(result.stderr).to.equal('');
    const [replies, loaded] = result.stdout.trim().split('\n');
    expect(replies).to.equal('OK OK');
    expect(loaded).to.equal(`function function ${project}/node_modules/hircluster/dist/lib/index.js`);
  });

  for (const [name] of SETTINGS) {
    it(`tsc type-checks a consumer under moduleResolution ${name}`, async () => {
      expect(await typeChecks.get(name)).to.equal('');
    });
  }
});
