/**
 * The blocking face in a child process (spec/support/blocking-scripts/): its calls block the thread they are
 * made on, so scripted or faulty nodes in the spec's own thread must answer from this one. The child prints
 * one JSON line per outcome, connect's first.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { BlockingOptions } from '../../lib/blocking/blocking-context.js';
import { runScript } from './run-script.js';

/** Runs `blocking-scripts/<script>.js` on `commands`; its outcomes, once it exited cleanly. */
export async function blockingChild(
  script: 'run-commands' | 'direct-calls',
  options: BlockingOptions,
  commands: string[][],
  timeoutMs = 15_000,
): Promise<Record<string, unknown>[]> {
  const path = fileURLToPath(new URL(`./blocking-scripts/${script}.js`, import.meta.url));
  const run = await runScript(path, [JSON.stringify({ options, commands })], { timeoutMs });
  expect(run.stderr).to.equal('');
  expect(run.code).to.equal(0);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
