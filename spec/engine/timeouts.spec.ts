/**
 * Timeouts: the connect timeout, the command timeout (a link's deadline for its replies) and changing it
 * on open links, all on the simulated network's virtual clock, so every deadline is checked to the
 * millisecond and nothing waits in real time.
 *
 * - Both faces (spec/support/sim-faces.ts: the async context, and the blocking face's worker with the
 *   sync policy): one case list where hiredis' two APIs agree, then, side by side, where they differ: a
 *   connect timeout reads 'Timeout' (async) or '1 Connection timed out' after one blocking update and one
 *   more attempt (sync); after a command timeout the sync API pipelines an update after the next command.
 * - The async face on both adapters (ManualLoop: one deadline timer per link; TimerWheel: one wheel timer
 *   per command), and the wheel's own timers.
 *
 * Elsewhere: a command waiting out a retry backoff when the context closes in close-and-free.spec.ts.
 * On real clusters: DEBUG SLEEP past the command timeout, both faces (spec/integration/async-context.spec.ts,
 * blocking-context.spec.ts, which also has setTimeout() on live links and the blocking caller's own call
 * deadline, callTimeout, with pipelines past it); the compat API's live timeout
 * (spec/integration/compat.spec.ts); the timer wheel on Node's loop (spec/integration/timer-wheel.spec.ts);
 * a slow MockCluster node, both faces (spec/mock/contexts.spec.ts); a paused node (spec/chaos/node-pause.spec.ts).
 */
import { expect } from 'chai';
import { TimerWheel } from '../../adapters/timer-wheel.js';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { OP_SET_TIMEOUT } from '../../lib/blocking/batch.js';
import { STATUS_OK } from '../../lib/blocking/channel-layout.js';
import { REDIS_ERR_OTHER, REDIS_ERR_TIMEOUT } from '../../lib/errors.js';
import { Outcomes } from '../support/async-helpers.js';
import { slots } from '../support/resp-values.js';
import { ADAPTERS, settled, simulatedAsync, watch } from '../support/sim-async.js';
import { FACES, type FaceName, openFace, SyncFace } from '../support/sim-faces.js';
import { SimNetwork, type SimNode } from '../support/sim-network.js';

/** One node serving every slot, answering `v:<key>` (none for the key 'lost'). */
function oneSimNode(net: SimNetwork): SimNode {
  const a: SimNode = net.node('127.0.0.1:7000', (argv) => {
    if (argv[0] === 'CLUSTER') return slots([0, 16383, a]);
    return argv[1] === 'lost' ? undefined : `v:${argv[1]}`;
  });
  return a;
}

describe('timeouts', () => {
  describe('both faces (simulated network): where hiredis’ async and sync APIs agree', () => {
    interface Case {
      what: string;
      commandTimeout: number;
      /** The node's latency each way once the command link is open; or the link goes silent. */
      latency: number | 'black hole';
      outcome: string;
      /** Virtual ms from the call to its outcome. */
      took: number;
    }
    const CASES: Case[] = [
      {
        what: 'a reply slower than the command timeout: Timeout at exactly the deadline',
        commandTimeout: 40,
        latency: 21,
        outcome: `${REDIS_ERR_TIMEOUT} Timeout`,
        took: 40,
      },
      {
        what: 'a reply faster than the command timeout arrives',
        commandTimeout: 40,
        latency: 19,
        outcome: '"v:foo"',
        took: 38,
      },
      {
        what: 'a black-holed link: Timeout at exactly the deadline',
        commandTimeout: 50,
        latency: 'black hole',
        outcome: `${REDIS_ERR_TIMEOUT} Timeout`,
        took: 50,
      },
      {
        what: 'no command timeout: a reply after 20 s arrives',
        commandTimeout: 0,
        latency: 10_000,
        outcome: '"v:foo"',
        took: 20_000,
      },
    ];

    for (const c of CASES) {
      for (const face of FACES) {
        it(`${face}: ${c.what}`, async () => {
          const net = new SimNetwork({ latency: 1 });
          const a = oneSimNode(net);
          const f = openFace(face, net, { nodes: a.addr, commandTimeout: c.commandTimeout });
          expect(await f.connect()).to.equal('');
          expect(await f.run(['GET', 'warm'])).to.equal('"v:warm"'); // the command link is open
          if (c.latency === 'black hole') a.link!.blackHole();
          else a.latency = c.latency;
          expect([await f.run(['GET', 'foo']), f.took]).to.deep.equal([c.outcome, c.took]);
          await f.close();
        });
      }
    }
  });

  describe('both faces (simulated network): where they differ', () => {
    /** connectTimeout 200; foo's node B never accepts. */
    const CONNECT_TIMEOUTS: Record<FaceName, { outcome: string; took: number; atA: string[] }> = {
      // One attempt, failing at exactly connectTimeout.
      async: { outcome: `${REDIS_ERR_TIMEOUT} Timeout`, took: 200, atA: ['A#1 CLUSTER SLOTS'] },
      // hiredis' sync API words it as an I/O error. A link that never connected gets one blocking update (a
      // temporary link to A: connect, CLUSTER SLOTS, its reply, 3 ms) and one more attempt: 200 + 3 + 200.
      sync: {
        outcome: '1 Connection timed out',
        took: 403,
        atA: ['A#1 CLUSTER SLOTS', 'A#2 CLUSTER SLOTS'],
      },
    };
    for (const face of FACES) {
      it(`${face}: a node that never accepts: '${CONNECT_TIMEOUTS[face].outcome}'`, async () => {
        const net = new SimNetwork({ latency: 1 });
        const a: SimNode = net.node('127.0.0.1:7000', (argv) =>
          argv[0] === 'CLUSTER' ? slots([0, 8191, a], [8192, 16383, b]) : `A:${argv[1]}`,
        );
        const b = net.node('127.0.0.1:7001', () => 'B');
        b.accepting = false;
        const f = openFace(face, net, { nodes: a.addr, connectTimeout: 200 });
        expect(await f.connect()).to.equal('');
        const outcome = await f.run(['GET', 'foo']); // slot 12182: b
        expect({ outcome, took: f.took, atA: a.commands() }).to.deep.equal(CONNECT_TIMEOUTS[face]);
        expect(b.history).to.deep.equal([]);
        await f.close();
      });
    }

    /** commandTimeout 50: 'lost' is never answered; then 'found'. */
    const AFTER_TIMEOUT: Record<FaceName, string[]> = {
      // The next command opens a new link; no update (within a second of the last: throttled).
      async: ['A#1 CLUSTER SLOTS', 'A#1 GET lost', 'A#2 GET found'],
      // The failure made an update due: it is pipelined right after the next call's command, on its link.
      sync: ['A#1 CLUSTER SLOTS', 'A#2 GET lost', 'A#3 GET found', 'A#3 CLUSTER SLOTS'],
    };
    for (const face of FACES) {
      it(`${face}: after a command timeout the link is dropped; the next command ${face === 'sync' ? 'pipelines an update' : 'goes on a new link'}`, async () => {
        const net = new SimNetwork({ latency: 1 });
        const a = oneSimNode(net);
        const f = openFace(face, net, { nodes: a.addr, commandTimeout: 50 });
        expect(await f.connect()).to.equal('');
        expect([await f.run(['GET', 'lost']), f.took]).to.deep.equal([`${REDIS_ERR_TIMEOUT} Timeout`, 50]);
        expect(await f.run(['GET', 'found'])).to.equal('"v:found"');
        expect(a.commands()).to.deep.equal(AFTER_TIMEOUT[face]);
        await f.close();
      });
    }
  });

  describe('blocking face: the worker host (sync policy) on the simulated network', () => {
    it('a new command timeout (OP_SET_TIMEOUT) applies to the open links at once; 0 turns it off', async () => {
      const net = new SimNetwork({ latency: 1 });
      const a = oneSimNode(net);
      const f = new SyncFace(net, { nodes: a.addr });
      expect(await f.connect()).to.equal('');
      expect(await f.run(['GET', 'warm'])).to.equal('"v:warm"'); // a link without a command timeout
      a.latency = 30;
      const ms = (n: number) => Buffer.from(new Int32Array([n]).buffer);
      expect((await f.request(OP_SET_TIMEOUT, ms(50))).status).to.equal(STATUS_OK);
      expect([await f.run(['GET', 'foo']), f.took]).to.deep.equal([`${REDIS_ERR_TIMEOUT} Timeout`, 50]);
      expect((await f.request(OP_SET_TIMEOUT, ms(0))).status).to.equal(STATUS_OK);
      // A new link (the one that timed out was dropped): connect, then the command there and back.
      expect([await f.run(['GET', 'bar']), f.took]).to.deep.equal(['"v:bar"', 90]);
      await f.close();
    });
  });

  for (const [name, adapterOf] of ADAPTERS) {
    describe(`async face (simulated network), ${name}`, () => {
      let net: SimNetwork;
      let outcomes: Outcomes;
      const { network, client, connected, serving, oneNode, results } = simulatedAsync(adapterOf, (n, o) => {
        net = n;
        outcomes = o;
      });

      it("connect(): a seed that never accepts rejects with 'Timeout' exactly at connectTimeout", async () => {
        const node = network();
        const a = node(() => undefined);
        a.accepting = false;
        const acc = client(a, { connectTimeout: 200 });
        const done = watch(acc.connect());
        net.loop.advance(199);
        await settled();
        expect(done.state).to.equal('pending');
        net.loop.advance(1);
        await settled();
        expect(done.state).to.equal(`rejected ${REDIS_ERR_TIMEOUT} Timeout`);
        expect(a.history).to.deep.equal([]);
      });

      it("a command's own timeout (send({ timeout })) fails its link at exactly its deadline, behind a command without one", async () => {
        const { acc } = await oneNode({}, () => undefined);
        const failed: [string, string, number][] = [];
        const note = (what: string) => (err: Error) => failed.push([what, err.message, net.loop.now()]);
        acc.send('GET', 'forever').catch(note('forever'));
        net.loop.advance(5);
        const sent = net.loop.now();
        acc.send({ timeout: 100 }, 'GET', 'bounded').catch(note('bounded'));
        net.loop.advance(99);
        await settled();
        expect(failed).to.deep.equal([]);
        net.loop.advance(1);
        await settled();
        // hiredis' command timeout: the link is dropped, and every command on it fails with it.
        expect(failed).to.deep.equal([
          ['forever', 'Timeout', sent + 100],
          ['bounded', 'Timeout', sent + 100],
        ]);
      });

      it('a shorter timeout queued after a longer one is due first', async () => {
        const { acc } = await oneNode({ commandTimeout: 1000 }, () => undefined);
        const failed: number[] = [];
        acc.send('GET', 'long').catch(() => failed.push(net.loop.now()));
        const sent = net.loop.now();
        acc.send({ timeout: 50 }, 'GET', 'short').catch(() => failed.push(net.loop.now()));
        net.loop.advance(49);
        await settled();
        expect(failed).to.deep.equal([]);
        net.loop.advance(1);
        await settled();
        expect(failed).to.deep.equal([sent + 50, sent + 50]);
      });

      it("a command timeout: 'Timeout' for every command of the stalled link at exactly its deadline; the link is dropped", async () => {
        const { a, acc } = await oneNode({ commandTimeout: 100 });
        const sent = net.loop.now();
        acc.command(outcomes.callback, 'foo', 'GET foo');
        acc.command(outcomes.callback, 'bar', 'GET bar');
        net.loop.advance(99);
        expect(outcomes.list).to.deep.equal([]);
        net.loop.advance(1);
        expect(results()).to.deep.equal([
          ['foo', null, REDIS_ERR_TIMEOUT, 'Timeout'],
          ['bar', null, REDIS_ERR_TIMEOUT, 'Timeout'],
        ]);
        net.loop.advance(1);
        expect(a.wire(true)).to.deep.equal([
          'A#1 connect@1',
          'A#1 CLUSTER SLOTS@2',
          `A#1 GET foo@${sent + 1}`,
          `A#1 GET bar@${sent + 1}`,
          `A#1 close@${sent + 101}`,
        ]);
        // The next command opens a new link, and gets its reply.
        a.handler = serving(
          () => slots([0, 16383, a]),
          () => 'f',
        );
        acc.command(outcomes.callback, 'again', 'GET foo');
        net.loop.advance(10);
        expect(results()[2]).to.deep.equal(['again', 'f', 0, '']);
        expect(a.links).to.have.length(2);
      });

      it("a node that never accepts: the command gets 'Timeout' from the connect timeout, exactly", async () => {
        const node = network();
        const a: SimNode = node(serving(() => slots([0, 8191, a], [8192, 16383, b])));
        const b = node(() => undefined);
        b.accepting = false;
        const acc = client(a, { connectTimeout: 200 });
        const failed: string[] = [];
        acc.on('connect-error', (link, err) => failed.push(`${link.port} ${err.code} ${err.message}`));
        await connected(acc);
        acc.command(outcomes.callback, 'foo', 'GET foo'); // slot 12182: b
        net.loop.advance(199);
        expect(outcomes.list).to.deep.equal([]);
        net.loop.advance(1);
        expect(results()).to.deep.equal([['foo', null, REDIS_ERR_TIMEOUT, 'Timeout']]);
        expect(failed).to.deep.equal([`${b.port} ${REDIS_ERR_TIMEOUT} Timeout`]);
      });

      it('a reply slower than the command timeout times out; a faster one arrives', async () => {
        const { a, acc } = await oneNode({ commandTimeout: 40 }, (argv) => `v:${argv[1]}`);
        a.latency = 19; // 38 ms there and back
        acc.command(outcomes.callback, 'fast', 'GET fast');
        net.loop.advance(50);
        a.latency = 21; // 42 ms
        acc.command(outcomes.callback, 'slow', 'GET slow');
        net.loop.advance(100);
        expect(results()).to.deep.equal([
          ['fast', 'v:fast', 0, ''],
          ['slow', null, REDIS_ERR_TIMEOUT, 'Timeout'],
        ]);
      });

      it('setTimeout() applies to pending commands, counted from the call', async () => {
        const { acc } = await oneNode();
        acc.command(outcomes.callback, 'foo', 'GET foo');
        net.loop.advance(30);
        acc.setTimeout(50);
        net.loop.advance(49);
        expect(outcomes.list).to.deep.equal([]);
        net.loop.advance(1);
        expect(results()).to.deep.equal([['foo', null, REDIS_ERR_TIMEOUT, 'Timeout']]);
        acc.setTimeout(0);
        acc.command(outcomes.callback, 'forever', 'GET foo');
        net.loop.advance(3_600_000);
        expect(outcomes.list).to.have.length(1);
      });

      it('a black-holed link without a command timeout: pending until free(), then "context freed"', async () => {
        const { a, acc } = await oneNode();
        a.link!.blackHole();
        acc.command(outcomes.callback, 'foo', 'GET foo');
        net.loop.advance(3_600_000);
        expect(outcomes.list).to.deep.equal([]);
        acc.free();
        expect(results()).to.deep.equal([['foo', null, REDIS_ERR_OTHER, 'context freed']]);
      });

      it('a black-holed link with a command timeout: Timeout; the next command reaches the node on a new link', async () => {
        const { a, acc } = await oneNode({ commandTimeout: 50 }, (argv) => `v:${argv[1]}`);
        a.link!.blackHole();
        acc.command(outcomes.callback, 'lost', 'GET lost');
        net.loop.advance(50);
        acc.command(outcomes.callback, 'found', 'GET found');
        net.loop.advance(10);
        expect(results()).to.deep.equal([
          ['lost', null, REDIS_ERR_TIMEOUT, 'Timeout'],
          ['found', 'v:found', 0, ''],
        ]);
        expect(a.commands()).to.deep.equal(['A#1 CLUSTER SLOTS', 'A#2 GET found']);
      });
    });
  }

  describe('async face: per-command timers on the wheel', () => {
    it('every pending command has its own wheel timer; the loop holds one timer for them all', async () => {
      const net = new SimNetwork({ latency: 0 });
      const a = net.node('127.0.0.1:7000', (argv) =>
        argv[0] === 'CLUSTER' ? slots([0, 16383, a]) : undefined,
      );
      const wheel = new TimerWheel(net.loop);
      const acc = new AsyncClusterContext({ nodes: a.addr, adapter: wheel, commandTimeout: 500 });
      const outcomes = new Outcomes();
      const done = watch(acc.connect());
      net.loop.advance(0);
      await settled();
      expect(done.state).to.equal('resolved');
      for (let i = 0; i < 100; i++) acc.command(outcomes.callback, i, 'GET k%d', i);
      net.loop.advance(0);
      expect([wheel.activeTimers, net.loop.timers]).to.deep.equal([100, 1]);
      a.link!.send(...Array.from({ length: 100 }, (_, i) => `v${i}`));
      net.loop.advance(0);
      expect(outcomes.list.map((o) => o.reply)).to.deep.equal(Array.from({ length: 100 }, (_, i) => `v${i}`));
      expect(wheel.activeTimers).to.equal(0);
      acc.free();
    });

    it('the timerWheel option puts the context on a wheel over its adapter', async () => {
      const net = new SimNetwork({ latency: 0 });
      const a = net.node('127.0.0.1:7000', (argv) =>
        argv[0] === 'CLUSTER' ? slots([0, 16383, a]) : undefined,
      );
      const acc = new AsyncClusterContext({
        nodes: a.addr,
        adapter: net.loop,
        commandTimeout: 100,
        timerWheel: { tickMs: 10 },
      });
      const outcomes = new Outcomes();
      watch(acc.connect());
      net.loop.advance(5);
      acc.command(outcomes.callback, 'foo', 'GET foo'); // due at 105: the 110 ms tick
      net.loop.advance(100);
      expect(outcomes.list).to.deep.equal([]);
      net.loop.advance(4);
      expect(outcomes.list).to.deep.equal([]);
      net.loop.advance(1);
      expect(outcomes.list.map((o) => [o.privdata, o.err, o.errstr])).to.deep.equal([
        ['foo', REDIS_ERR_TIMEOUT, 'Timeout'],
      ]);
      acc.free();
    });
  });
});
