/**
 * Compile-time tests of the typed command methods: `tsc -p spec/types` checks spec/types/typed-methods.ts
 * against the built package's declarations, where every `@ts-expect-error` must be an error (a `%s`-style
 * mistake that compiles fails this spec) and every `expectType` an exact match.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../../support/run-script.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

describe('typed methods: compile-time types (tsc -p spec/types)', function () {
  this.timeout(240_000);

  it('holds expected errors, each one an error', () => {
    const source = readFileSync(join(ROOT, 'spec', 'types', 'typed-methods.ts'), 'utf8');
    expect(source.match(/@ts-expect-error/g)?.length ?? 0).to.be.greaterThan(10);
  });

  it('type-checks: every expected error is one, every expected type exact', async () => {
    const output = await new Promise<string>((resolve) => {
      execFile(process.execPath, [TSC, '-p', 'spec/types'], { cwd: ROOT }, (err, stdout, stderr) =>
        resolve(err === null ? '' : `${stdout}${stderr}` || String(err)),
      );
    });
    expect(output).to.equal('');
  });
});
