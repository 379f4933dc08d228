/**
 * The blocking face at its dedicated-link bound, on the real plain cluster. Its one caller holds its WATCH
 * sessions while it calls, so a lease past maxDedicatedLinks could only wait for a link that caller must
 * return: it fails at once, naming the node. Waiting instead hung a second watch() for ever, and let a
 * blocking pop whose call had timed out be sent once the session ended, taking a value nobody received.
 * The blocking calls run in a child process (spec/support/blocking-scripts/dedicated-links-full.ts): a
 * call that never returns must not block this thread.
 */

import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { PLAIN } from '../support/clusters.js';
import { runScript } from '../support/run-script.js';

const SCRIPT = fileURLToPath(new URL('../support/blocking-scripts/dedicated-links-full.js', import.meta.url));

describe('integration: the blocking face at maxDedicatedLinks (plain cluster)', () => {
  it('a blocking pop and a WATCH session past the bound fail at once; nothing is sent later', async () => {
    const keys = { c: 'lrd:{full}:c', m: 'lrd:{full}:m', l: 'lrd:{full}:l' };
    const acc = new AsyncClusterContext({ nodes: PLAIN });
    let addr: string;
    try {
      await acc.connect();
      addr = acc.nodeForKey(keys.c)!.addr;
    } finally {
      acc.free();
    }
    const run = await runScript(SCRIPT, [JSON.stringify({ nodes: PLAIN.join(','), keys })], {
      timeoutMs: 15_000,
    });
    expect(run.stderr).to.equal('');
    expect(run.code).to.equal(0);
    const steps = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as [string, number, unknown]);
    const full = { failed: `all dedicated links to ${addr} are in use (maxDedicatedLinks 1)` };
    expect(steps.map(([name, , reply]) => [name, reply])).to.deep.equal([
      ['pop while the session holds the link', full],
      ['second session', full],
      ['GET in the session', null],
      ['pop right after the release', null],
      ['push', 1],
      // The refused pop was never sent: the value pushed after the release is still there.
      ['pop', [keys.l, 'kept']],
      ['session and pop right after its release', null],
    ]);
    // At once: not after the call timeout (1 s) plus the pop's own wait (1 s).
    expect(steps[0]![1], 'ms to refuse the pop').to.be.below(900);
  });
});
