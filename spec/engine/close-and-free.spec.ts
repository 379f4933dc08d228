/**
 * Closing and freeing a context. The async face's free() is immediate: every link closes and every
 * pending callback gets null with 'context freed' (one waiting out a retry backoff too), then
 * `free-context`; its disconnect() is graceful (pending replies still come, redirects are no longer
 * followed, new commands are refused). The blocking face closes from its caller, between calls: the
 * worker host sees the channel close (next() gives null), closes every link, answers nothing more (a call
 * still unanswered is one its caller gave up on) and closes its end.
 *
 * - Both faces on the simulated network (spec/support/sim-faces.ts): one case list; no link, connection
 *   or timer is left on either face, and each face's pending commands end as that face says.
 * - The async face: free() with a command waiting out its backoff (simulated network, both adapters), and
 *   disconnect() against scripted nodes.
 *
 * Elsewhere: a black-holed link without a command timeout, pending until free(), in timeouts.spec.ts; the
 * randomized fault spec closes both faces at the end of every seed (random-faults.spec.ts). On real
 * clusters: disconnect() and free() with commands in flight (spec/integration/async-context.spec.ts), a
 * blocking script that never calls close() and a killed worker (spec/integration/blocking-context.spec.ts),
 * Connect2 after a disconnect and disconnect from a reply callback (spec/integration/compat.spec.ts).
 */
import { expect } from 'chai';
import { REDIS_ERR_OTHER, ReplyError } from '../../lib/errors.js';
import type { Outcomes } from '../support/async-helpers.js';
import { error, slots } from '../support/resp-values.js';
import { scriptedAsync } from '../support/scripted-async.js';
import type { Conversation } from '../support/scripted-node.js';
import { ADAPTERS, simulatedAsync } from '../support/sim-async.js';
import { drive } from '../support/sim-drive.js';
import { type Call, FACES, type FaceName, openFace, SyncFace } from '../support/sim-faces.js';
import { SimNetwork, type SimNode } from '../support/sim-network.js';

const BAR = 5061; // keySlot('bar')

describe('close and free', () => {
  describe('both faces (simulated network): closing leaves no link, connection or timer', () => {
    interface Case {
      what: string;
      retryBackoff?: { baseMs: number; maxMs: number };
      /** Answered before closing (`answers`): the links they open stay. */
      before: Call[];
      answers: string[];
      /** Still pending when the context closes (none: no call is made). */
      pending: Call[];
      /** What their caller gets: the async callbacks; the blocking call's answer (none: null). */
      outcomes: Record<FaceName, string[] | null>;
    }
    const freed = `${REDIS_ERR_OTHER} context freed`;
    const CASES: Case[] = [
      {
        what: 'idle links to both nodes',
        before: [
          ['GET', 'foo'],
          ['GET', 'bar'],
        ],
        answers: ['"B:foo"', '"A:bar"'],
        pending: [],
        outcomes: { async: null, sync: null },
      },
      {
        what: 'commands pending on a node that never answers',
        before: [['GET', 'bar']],
        answers: ['"A:bar"'],
        pending: [
          ['GET', 'foo'],
          ['GET', '{foo}2'],
        ],
        outcomes: { async: [freed, freed], sync: null },
      },
      {
        what: 'a command waiting out its retry backoff',
        retryBackoff: { baseMs: 300, maxMs: 300 },
        before: [],
        answers: [],
        pending: [['GET', 'retried']],
        outcomes: { async: [freed], sync: null },
      },
    ];
    for (const c of CASES) {
      for (const face of FACES) {
        it(`${face}: ${c.what}`, async () => {
          const net = new SimNetwork({ latency: 1 });
          // A: 0-8191 (bar; 'retried' answered TRYAGAIN), B: 8192-16383 (foo, {foo}2; answered only at first).
          const a: SimNode = net.node('127.0.0.1:7000', (argv) => {
            if (argv[0] === 'CLUSTER') return slots([0, 8191, a], [8192, 16383, b]);
            return argv[1] === 'retried' ? error('TRYAGAIN later') : `A:${argv[1]}`;
          });
          let silent = false;
          const b = net.node('127.0.0.1:7001', (argv) => (silent ? undefined : `B:${argv[1]}`));
          const f = openFace(face, net, { nodes: a.addr, retryBackoff: c.retryBackoff, random: () => 0.99 });
          expect(await f.connect()).to.equal('');
          if (c.before.length > 0) expect(await f.batch(...c.before)).to.deep.equal(c.answers);
          silent = true;
          const sent = c.pending.length === 0 ? () => null : f.send(...c.pending);
          await drive(net, () => false, 100); // on their way, stuck: no reply, or a backoff of 297 ms
          const logged = f instanceof SyncFace ? [...f.host.log] : [];
          await f.close();
          expect(sent()).to.deep.equal(c.outcomes[face]);
          if (f instanceof SyncFace) {
            expect(f.host.log).to.deep.equal(logged); // no outcome handed to the answer after the close
            expect(f.channel.closed).to.equal(true);
          }
          expect([net.loop.connections, net.loop.timers]).to.deep.equal([0, 0]);
          for (const node of [a, b]) {
            const seen = (kind: string) => node.history.filter((e) => e.kind === kind).map((e) => e.link);
            expect(seen('close')).to.deep.equal(seen('connect'));
          }
        });
      }
    }
  });

  for (const [name, adapterOf] of ADAPTERS) {
    describe(`async face: free() (simulated network), ${name}`, () => {
      let net: SimNetwork;
      let outcomes: Outcomes;
      const { oneNode, results } = simulatedAsync(adapterOf, (n, o) => {
        net = n;
        outcomes = o;
      });

      it('free() with a command waiting out its backoff: its callback at once, with "context freed"', async () => {
        const { a, acc } = await oneNode(
          { retryBackoff: { baseMs: 300, maxMs: 300 }, random: () => 0.99 },
          () => error('TRYAGAIN later'),
          { latency: 0 },
        );
        acc.command(outcomes.callback, 1, 'GET foo');
        net.loop.advance(100);
        const order: string[] = [];
        acc.on('free-context', () => order.push(`free-context after ${outcomes.list.length} callbacks`));
        acc.free();
        expect(order).to.deep.equal(['free-context after 1 callbacks']);
        expect(results()).to.deep.equal([[1, null, REDIS_ERR_OTHER, 'context freed']]);
        net.loop.advance(1000);
        expect(a.wire()).to.deep.equal(['A#1 connect', 'A#1 CLUSTER SLOTS', 'A#1 GET foo', 'A#1 close']);
        expect(outcomes.list).to.have.length(1);
      });
    });
  }

  describe('async face: disconnect() against scripted nodes', () => {
    let conv: Conversation;
    let outcomes: Outcomes;
    const { client, connected, throttleOpens, results } = scriptedAsync({}, (h) => {
      ({ conv, outcomes } = h);
    });

    it('disconnect(): pending replies delivered, MOVED no longer followed, new commands refused', async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, slots([0, 16383, a]));
      const statuses: number[] = [];
      acc.setDisconnectCallback((_l, s) => statuses.push(s));
      conv.script(
        a.expectCommand(['GET', 'foo']),
        a.expectCommand(['GET', 'bar']),
        throttleOpens(),
        a.send('f', error(`MOVED ${BAR} ${b.addr}`)),
        a.expectClose(),
      );
      acc.command(outcomes.callback, 'foo', 'GET foo');
      acc.command(outcomes.callback, 'bar', 'GET bar');
      acc.disconnect();
      expect(acc.command(outcomes.callback, 'late', 'GET foo')).to.equal(false);
      expect([acc.err, acc.errstr]).to.deep.equal([REDIS_ERR_OTHER, 'client closing']);
      expect(acc.commandToNode(a.addr, outcomes.callback, 'late', 'PING')).to.equal(false);
      expect([acc.err, acc.errstr]).to.deep.equal([REDIS_ERR_OTHER, 'disconnecting']);
      await conv.done();
      expect(outcomes.list).to.have.length(2);
      expect(results()[0]).to.deep.equal(['foo', 'f', 0, '']);
      const moved = outcomes.list[1]!;
      expect(moved.reply).to.be.instanceOf(ReplyError);
      expect([moved.privdata, (moved.reply as ReplyError).message, moved.err]).to.deep.equal([
        'bar',
        `MOVED ${BAR} ${b.addr}`,
        0,
      ]);
      expect(statuses).to.deep.equal([0]);
    });
  });
});
