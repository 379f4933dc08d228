/**
 * Every program in examples/ runs against the plain cluster (HIRCLUSTER_NODES, or 127.0.0.1:7000), so the
 * README's examples cannot rot: each must exit by itself with status 0 and nothing on stderr, and when its
 * source ends with an `// Output:` comment block, print exactly those lines. New examples are picked up
 * from the folder; see examples/README.md.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { PLAIN } from '../support/clusters.js';
import { ROOT, runScript } from '../support/run-script.js';

const SOURCES = join(ROOT, 'examples');
const NODES = process.env.HIRCLUSTER_NODES || PLAIN[0]!;

/** The lines of the `// Output:` block at the end of an example, or null when it has none. */
function expectedOutput(source: string): string[] | null {
  const lines = source.split('\n');
  const start = lines.findIndex((line) => line.trim() === '// Output:');
  if (start < 0) return null;
  const expected: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('//')) break;
    expected.push(line.startsWith('// ') ? line.slice(3) : line.slice(2));
  }
  return expected;
}

describe('examples: every program in examples/ runs against the plain cluster', function () {
  this.timeout(30_000);
  const examples = readdirSync(SOURCES)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .sort();

  it('finds the examples', () => {
    expect(examples).to.include.members(['sync.ts', 'async.ts', 'compat.ts', 'mock-cluster.ts']);
  });

  it('import the package by its name, as a user’s program does (hircluster, hircluster/testing, ...)', () => {
    const relative = examples.filter((name) =>
      /from '\.{1,2}\//.test(readFileSync(join(SOURCES, name), 'utf8')),
    );
    expect(relative).to.deep.equal([]);
  });

  for (const name of examples) {
    it(name, async () => {
      const built = join('dist', 'examples', name.replace(/\.ts$/, '.js'));
      if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: npm run build`);
      const run = await runScript(built, [NODES], { timeoutMs: 25_000 });
      expect(run.stderr, 'stderr').to.equal('');
      expect(run.code, 'exit status').to.equal(0);
      const expected = expectedOutput(readFileSync(join(SOURCES, name), 'utf8'));
      if (expected !== null) expect(run.stdout.split('\n')).to.deep.equal([...expected, '']);
    });
  }
});
