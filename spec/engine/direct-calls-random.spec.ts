/**
 * Direct calls under random faults, on real loopback sockets: per seed, 300 GETs of keys whose node answers
 * plainly, split across reads with random gaps, slowly, with a reply larger than the read buffer, with an
 * error, with MOVED or ASK to another node, or by resetting the link (spec/support/fault-nodes.ts). The
 * blocking face runs in a child process with the adaptive spin and with fixed ones, so the calls go direct,
 * are handed over mid-frame, or go through the worker, at random; each must end exactly once, as that key's
 * fault says.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { SpinSetting } from '../../lib/blocking/spin.js';
import { FAULTS, type Fault, FaultNodes, keyValue } from '../support/fault-nodes.js';
import { Prng } from '../support/prng.js';
import { runScript } from '../support/run-script.js';

const COMMANDS = 300;

/** What the client must report for key k<i>. */
function expected(i: number, fault: Fault): unknown {
  if (fault === 'error') return { error: `ERR e${i}` };
  if (fault === 'reset') return { failed: [1, 'Connection reset by peer'] };
  return { reply: keyValue(i, fault) };
}

describe('engine: direct calls under random faults (real sockets, blocking face in a child)', () => {
  const runs: { seed: number; spin: SpinSetting }[] = [
    { seed: 1, spin: 'auto' },
    { seed: 2, spin: 'auto' },
    { seed: 3, spin: 300 },
    { seed: 4, spin: 20_000 },
  ];

  for (const { seed, spin } of runs) {
    it(`seed ${seed}, spin ${spin}: one outcome per command, the one its fault says`, async () => {
      const prng = new Prng(seed);
      // Mostly plain replies, as in real traffic, so that links go back to being lent between faults.
      const faults = Array.from({ length: COMMANDS }, () =>
        prng.chance(0.5) ? 'plain' : FAULTS[prng.int(FAULTS.length)]!,
      );
      const delays = faults.map(() => (prng.int(4) === 0 ? prng.between(5, 15) : prng.between(0, 2)));
      const nodes = await FaultNodes.start(faults, delays);
      try {
        const script = fileURLToPath(new URL('../support/blocking-scripts/direct-calls.js', import.meta.url));
        const options = { nodes: `127.0.0.1:${nodes.portOf(nodes.a)}`, spin };
        const commands = faults.map((_, i) => ['GET', `k${i}`]);
        const run = await runScript(script, [JSON.stringify({ options, commands })], { timeoutMs: 60_000 });
        expect(run.stderr).to.equal('');
        expect(run.code).to.equal(0);
        const lines = run.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(lines[0]).to.deep.equal({ reply: 'connected' });
        expect(lines).to.have.length(COMMANDS + 1);
        const paths = { direct: 0, handed: 0, worker: 0 };
        for (let i = 0; i < COMMANDS; i++) {
          const { path, ...outcome } = lines[i + 1]!;
          paths[path as keyof typeof paths]++;
          expect(outcome, `k${i} (${faults[i]})`).to.deep.equal(expected(i, faults[i]!));
        }
        // A 20 ms spin waits out every quick reply, however loaded the machine: calls went direct, and the
        // faults were handed over (errors) or went through the worker (the update due after a reset).
        if (spin === 20_000)
          expect(
            Object.values(paths).every((n) => n > 0),
            JSON.stringify(paths),
          ).to.equal(true);
      } finally {
        await nodes.stop();
      }
    });
  }
});
