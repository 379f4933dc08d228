/**
 * Direct calls on the real clusters: after the call that opens a node's link, a routed command goes direct
 * on plain TCP, over IPv6 and after AUTH; never on TLS, whose links are not lent. The blocking face runs in
 * a child process that says which way each call went (spec/support/blocking-scripts/direct-calls.ts).
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { expect } from 'chai';
import { BlockingClusterContext, type BlockingOptions } from '../../lib/blocking/blocking-context.js';
import { ClusterError } from '../../lib/errors.js';
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

  it('a hand-over the worker never read (its call timed out first) closes that link; later calls work', async function () {
    this.timeout(20_000);
    const cc = new BlockingClusterContext({ nodes: PLAIN[0]!, spin: 500 });
    const busy = new net.Socket();
    try {
      cc.connect();
      const key = 'direct:lost:{a}';
      cc.send('SET', key, 'v');
      for (let i = 0; i < 3; i++) expect(cc.send('GET', key)).to.equal('v');
      const session = cc.watch(key);
      // A script keeps the node busy from another connection: the session's UNWATCH waits behind it, and
      // the worker, which answered the release at once, reads no request until UNWATCH is answered.
      const [host, port] = (cc.nodeForKey(key) as { addr: string }).addr.split(':');
      await new Promise<void>((resolve) => busy.connect(Number(port), host!, resolve));
      const script = 'local i = 0 while i < 30000000 do i = i + 1 end return 1';
      busy.write(`*3\r\n$4\r\nEVAL\r\n$${script.length}\r\n${script}\r\n$1\r\n0\r\n`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      session.release();
      // Direct, handed over when its reply is late, and timed out before the worker reads the hand-over.
      expect(() => cc.send({ timeout: 5 }, 'GET', key))
        .to.throw(ClusterError)
        .with.property('message', 'Timeout');
      for (let i = 0; i < 3; i++) expect(cc.send({ timeout: 5000 }, 'GET', key)).to.equal('v');
    } finally {
      busy.destroy();
      cc.close();
    }
  });
});
