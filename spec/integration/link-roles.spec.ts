/**
 * Links with roles on the real plain cluster, both faces: the reproductions of what went wrong when every
 * command shared one link per node. A transaction built with multi() is one contiguous MULTI…EXEC, so an
 * unrelated write sent meanwhile is applied and answered on its own; a WATCH session lives on a link of its
 * own and leaves no state behind; a blocking pop holds a dedicated link, so the node's other commands are
 * not held behind it, and a command timeout does not end it before its own wait. (Simulated-network specs
 * of the same rules, redirects and failures included: spec/engine/link-roles.spec.ts.)
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { PLAIN } from '../support/clusters.js';

const P = '{linkroles}';

/** CLIENT LIST of the node serving P's slot: one line per client. */
async function clientsOf(acc: AsyncClusterContext): Promise<string[]> {
  const list = (await acc.sendToNode(acc.nodeForKey(P)!, 'CLIENT', 'LIST')) as string;
  return list.trim().split('\n');
}

describe('integration: links with roles (plain cluster)', () => {
  describe('async face', () => {
    let acc: AsyncClusterContext;

    beforeEach(async () => {
      acc = new AsyncClusterContext({ nodes: PLAIN[0]!, commandTimeout: 500 });
      await acc.connect();
      await acc.send('DEL', `${P}balance`, `${P}audit`, `${P}queue`, `${P}n`);
    });

    afterEach(() => acc.free());

    it('a write sent during a transaction is applied and answered on its own (was: "QUEUED" and lost)', async () => {
      await acc.send('SET', `${P}balance`, '1000');
      const tx = acc.multi().add('DECRBY', `${P}balance`, 500).add('GET', `${P}balance`).exec();
      const write = acc.send('SET', `${P}audit`, 'x');
      const read = acc.send('GET', `${P}balance`);
      expect(await Promise.all([tx, write, read])).to.deep.equal([[500, '500'], 'OK', '500']);
      expect(await acc.send('GET', `${P}audit`)).to.equal('x');
    });

    it('a WATCH session: another user’s write aborts its transaction; no MULTI or WATCH is left on any link', async () => {
      await acc.send('SET', `${P}n`, '1');
      const session = await acc.watch(`${P}n`);
      expect(await session.send('GET', `${P}n`)).to.equal('1');
      await acc.send('SET', `${P}n`, '2'); // another user, on the shared link
      expect(await session.multi().add('SET', `${P}n`, '3').exec()).to.equal(null);
      expect(await acc.send('GET', `${P}n`)).to.equal('2');
      // The next session gets the same link back, clean: its transaction runs.
      const next = await acc.watch(`${P}n`);
      expect(await next.multi().add('INCRBY', `${P}n`, 5).exec()).to.deep.equal([7]);
      const clients = await clientsOf(acc);
      expect(clients.filter((line) => !/ multi=-1 /.test(line))).to.deep.equal([]);
      expect(clients.filter((line) => / flags=\S*x/.test(line))).to.deep.equal([]);
    });

    it('BLPOP 2 with commandTimeout 500: the pop waits its 2 s; the node’s other commands answer meanwhile', async () => {
      const start = Date.now();
      const pop = acc.send('BLPOP', `${P}queue`, 2);
      const replies: number[] = [];
      for (let i = 0; i < 5; i++) {
        await acc.send('SET', `${P}audit`, String(i));
        replies.push(Date.now() - start);
      }
      expect(replies.at(-1)).to.be.below(1000);
      expect(await pop).to.equal(null);
      expect(Date.now() - start).to.be.within(1900, 3000);
    });

    it('links() and the link events count dedicated links: one leased while a pop waits, then back idle', async () => {
      const events: string[] = [];
      acc.on('connect', (link) => events.push(`connect ${link.port}${link.dedicated ? ' dedicated' : ''}`));
      const node = acc.nodeForKey(P)!;
      const pop = acc.send('BLPOP', `${P}queue`, 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const during = acc.links().find((l) => l.address === node.addr);
      await acc.send('RPUSH', `${P}queue`, 'job');
      await pop;
      const after = acc.links().find((l) => l.address === node.addr);
      expect([during, after]).to.deep.equal([
        { address: node.addr, command: true, dedicated: 1, leased: 1 },
        { address: node.addr, command: true, dedicated: 1, leased: 0 },
      ]);
      expect(events).to.deep.equal([`connect ${node.port} dedicated`]);
    });

    it('a pop fed by another user returns the value pushed', async () => {
      const pop = acc.send('BLPOP', `${P}queue`, 0);
      expect(await acc.send('RPUSH', `${P}queue`, 'job')).to.equal(1);
      expect(await pop).to.deep.equal([`${P}queue`, 'job']);
    });
  });

  describe('blocking face', () => {
    let cc: BlockingClusterContext;

    beforeEach(() => {
      cc = new BlockingClusterContext({ nodes: PLAIN[0]!, commandTimeout: 500 });
      cc.connect();
      cc.send('DEL', `${P}balance`, `${P}audit`, `${P}queue`, `${P}n`);
    });

    afterEach(() => cc.close());

    it('a transaction is one round trip; a write after it is applied and answered on its own', () => {
      cc.send('SET', `${P}balance`, '1000');
      expect(cc.multi().add('DECRBY', `${P}balance`, 500).add('GET', `${P}balance`).exec()).to.deep.equal([
        500,
        '500',
      ]);
      expect(cc.send('SET', `${P}audit`, 'x')).to.equal('OK');
      expect(cc.command('GET %s', `${P}balance`)).to.equal('500');
    });

    it('a WATCH session: a write between WATCH and EXEC aborts the transaction', () => {
      cc.send('SET', `${P}n`, '1');
      const session = cc.watch(`${P}n`);
      expect(session.send('GET', `${P}n`)).to.equal('1');
      cc.send('SET', `${P}n`, '2');
      expect(session.multi().add('SET', `${P}n`, '3').exec()).to.equal(null);
      expect(cc.watch(`${P}n`).multi().add('INCRBY', `${P}n`, 5).exec()).to.deep.equal([7]);
    });

    it('links() counts the dedicated link a pop used, back idle after it', () => {
      const node = cc.nodeForKey(P)!;
      cc.send('BLPOP', `${P}queue`, 0.05);
      expect(cc.links().find((l) => l.address === node.addr)).to.deep.equal({
        address: node.addr,
        command: true,
        dedicated: 1,
        leased: 0,
      });
    });

    it('BLPOP 1 with commandTimeout 500 waits its second (no Timeout); the call after it is prompt', () => {
      const start = Date.now();
      expect(cc.send('BLPOP', `${P}queue`, 1)).to.equal(null);
      expect(Date.now() - start).to.be.within(900, 2000);
      expect(cc.send('SET', `${P}audit`, 'y')).to.equal('OK');
    });
  });
});
