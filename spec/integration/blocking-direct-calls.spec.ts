/**
 * Direct calls on the real clusters: after the call that opens a node's link, a routed command goes direct
 * on plain TCP, over IPv6 and after AUTH; never on TLS, whose links are not lent. The blocking face runs in
 * a child process that says which way each call went (spec/support/blocking-scripts/direct-calls.ts).
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { BlockingOptions } from '../../lib/blocking/blocking-context.js';
import { blockingChild } from '../support/blocking-child.js';
import { AUTH, IPV6, PASSWORD, PLAIN, TLS, tlsFiles } from '../support/clusters.js';

/** A fixed spin of 1 s: every direct call waits for its reply, however loaded the machine. */
const SPIN = 1_000_000;
const KEY = 'direct:{k}';

function childRun(options: BlockingOptions, commands: string[][]): Promise<unknown[]> {
  return blockingChild('direct-calls', options, commands, 20_000);
}

const COMMANDS = [
  ['SET', KEY, 'v1'],
  ['GET', KEY],
  ['INCR', `${KEY}:n`],
  ['GET', KEY],
  ['MGET', KEY, 'direct:{absent}'],
  ['GET', KEY],
];

/** The outcomes of COMMANDS, the first and the split MGET through the worker, the others `path`. */
function outcomes(path: string): unknown[] {
  return [
    { reply: 'connected' },
    { reply: 'OK', path: 'worker' },
    { reply: 'v1', path },
    { reply: 1, path },
    { reply: 'v1', path },
    { reply: ['v1', null], path: 'worker' },
    { reply: 'v1', path },
  ];
}

describe('integration: direct calls of the blocking face on the real clusters', () => {
  for (const [name, nodes, extra] of [
    ['plain', PLAIN[0]!, {}],
    ['IPv6', IPV6[0]!, {}],
    ['password', AUTH[0]!, { password: PASSWORD }],
  ] as const) {
    it(`${name}: after the call that opens the link, routed commands go direct`, async () => {
      const cleanup = await childRun({ nodes, spin: SPIN, ...extra }, [['DEL', KEY, `${KEY}:n`]]);
      expect(cleanup[1]).to.have.property('reply');
      expect(await childRun({ nodes, spin: SPIN, ...extra }, COMMANDS)).to.deep.equal(outcomes('direct'));
    });
  }

  it('TLS: no link is lent, every call goes through the worker', async () => {
    const tls = { ca: readFileSync(tlsFiles().ca, 'utf8') };
    const options = { nodes: TLS[0]!, spin: SPIN, tls };
    await childRun(options, [['DEL', KEY, `${KEY}:n`]]);
    expect(await childRun(options, COMMANDS)).to.deep.equal(outcomes('worker'));
  });
});
