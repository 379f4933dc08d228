/**
 * Redirects and retries (reference §1.10): MOVED, ASK, TRYAGAIN and CLUSTERDOWN, the retry budget and the
 * retry backoff.
 *
 * - Both faces on the simulated network (spec/support/sim-faces.ts: the async context, and the blocking
 *   face's worker with the sync policy): one case list where hiredis' two APIs agree on what the caller
 *   gets, then, side by side, where they differ: after a MOVED the sync API sends the update at once on
 *   the redirecting link where the async API throttles it; TRYAGAIN goes again on the same link (async)
 *   or from the slot lookup (sync); retries count per command (async) or per call (sync).
 * - The async face against scripted nodes: the exact commands on each link.
 * - The async face's retry backoff on the simulated network, on both adapters.
 *
 * Elsewhere: redirects without a host (':port', '?:port') in endpoint-forms.spec.ts; a MOVED to a node
 * that refuses in link-failures.spec.ts; the retry budget of a split command's parts in multi-key.spec.ts;
 * a transaction that follows a MOVED as a whole in link-roles.spec.ts.
 * On real clusters: a real MOVED after CLUSTER SETSLOT ... NODE and after a CLUSTER FAILOVER, both faces
 * (spec/support/endpoint-cluster-specs.ts, run by spec/integration/hostnames-cluster.spec.ts and
 * unknown-endpoint-cluster.spec.ts); a MOVED handed over as it is by CommandToNode
 * (spec/integration/compat.spec.ts); ASK, MOVED, TRYAGAIN and CLUSTERDOWN from MockCluster on both faces,
 * and a blocking pipeline handing MOVED back (spec/mock/contexts.spec.ts); resharding and failovers
 * under load (spec/chaos/reshard.spec.ts, manual-failover.spec.ts).
 */
import { expect } from 'chai';
import { REDIS_ERR_CLUSTER_TOO_MANY_RETRIES } from '../../lib/errors.js';
import type { Outcomes } from '../support/async-helpers.js';
import { error, type RespValue, slots, status } from '../support/resp-values.js';
import { scriptedAsync, type TestAdapter } from '../support/scripted-async.js';
import { type Conversation, inAnyOrder } from '../support/scripted-node.js';
import { ADAPTERS, simulatedAsync } from '../support/sim-async.js';
import { type Call, FACES, type FaceName, heard, openFace } from '../support/sim-faces.js';
import { SimNetwork, type SimNode } from '../support/sim-network.js';

const FOO = 12182; // keySlot('foo')
const BAR = 5061; // keySlot('bar')
const TRYAGAIN = 'TRYAGAIN Multiple keys request during rehashing of slot';

/** Nodes A (the seed) and B of a simulated cluster in which A serves every slot until one moves. */
interface Pair {
  a: SimNode;
  b: SimNode;
  /** Slot `slot` is B's (or A's) from now on, in every node's map; returns the MOVED that says so. */
  move(slot: number, to: SimNode): RespValue;
}

/** What a node of a Pair answers to a command other than CLUSTER SLOTS; `n` counts them, per node. */
type PairHandler = (argv: string[], pair: Pair, n: number) => RespValue | undefined;

/** The Pair on `net`: A answers with `onA`, B with `onB` (`B:<key>`); either gives the map it has now. */
function pair(net: SimNetwork, onA: PairHandler, onB: PairHandler = (argv) => `B:${argv[1]}`): Pair {
  const moved = new Map<number, SimNode>();
  const map = () => {
    const ranges: [number, number, SimNode][] = [];
    let start = 0;
    for (const [slot, owner] of [...moved].sort(([x], [y]) => x - y)) {
      if (slot > start) ranges.push([start, slot - 1, p.a]);
      ranges.push([slot, slot, owner]);
      start = slot + 1;
    }
    if (start <= 16383) ranges.push([start, 16383, p.a]);
    return slots(...ranges);
  };
  const counts = [0, 0];
  const node = (addr: string, i: number, handler: PairHandler) =>
    net.node(addr, (argv) => (argv[0] === 'CLUSTER' ? map() : handler(argv, p, ++counts[i]!)));
  const p: Pair = {
    a: node('127.0.0.1:7000', 0, onA),
    b: node('127.0.0.1:7001', 1, onB),
    move(slot, to) {
      moved.set(slot, to);
      return error(`MOVED ${slot} ${to.addr}`);
    },
  };
  return p;
}

describe('redirects', () => {
  describe('both faces (simulated network): where hiredis’ async and sync APIs agree', () => {
    interface Case {
      what: string;
      options?: { maxRetry?: number };
      a: PairHandler;
      b?: PairHandler;
      call: Call;
      outcome: string;
      /** What B received. */
      atB: string[];
    }
    const CASES: Case[] = [
      {
        what: 'MOVED: the command goes to the target; its reply is the reply',
        a: (_argv, p) => p.move(FOO, p.b),
        call: ['GET', 'foo'],
        outcome: '"B:foo"',
        atB: ['GET foo'],
      },
      {
        what: 'ASK: ASKING, then the command, on the target',
        a: (_argv, p) => error(`ASK ${FOO} ${p.b.addr}`),
        b: (argv) => (argv[0] === 'ASKING' ? status('OK') : `B:${argv[1]}`),
        call: ['GET', 'foo'],
        outcome: '"B:foo"',
        atB: ['ASKING', 'GET foo'],
      },
      {
        what: 'TRYAGAIN: the command goes again',
        a: (argv, _p, n) => (n === 1 ? error(TRYAGAIN) : `A:${argv[1]}`),
        call: ['GET', 'foo'],
        outcome: '"A:foo"',
        atB: [],
      },
      {
        what: 'CLUSTERDOWN: the command goes again',
        a: (argv, _p, n) => (n === 1 ? error('CLUSTERDOWN The cluster is down') : `A:${argv[1]}`),
        call: ['GET', 'foo'],
        outcome: '"A:foo"',
        atB: [],
      },
      {
        what: 'the default budget: 5 retries are within it',
        a: (argv, _p, n) => (n <= 5 ? error(TRYAGAIN) : `A:${argv[1]}`),
        call: ['GET', 'foo'],
        outcome: '"A:foo"',
        atB: [],
      },
      {
        what: 'the default budget: the 6th cluster error fails the command with err 100',
        a: () => error(TRYAGAIN),
        call: ['GET', 'foo'],
        outcome: `${REDIS_ERR_CLUSTER_TOO_MANY_RETRIES} too many cluster retries`,
        atB: [],
      },
      {
        what: 'maxRetry 1: a second redirect fails the command with err 100',
        options: { maxRetry: 1 },
        a: (_argv, p) => p.move(FOO, p.b),
        b: (_argv, p) => p.move(FOO, p.a),
        call: ['GET', 'foo'],
        outcome: `${REDIS_ERR_CLUSTER_TOO_MANY_RETRIES} too many cluster retries`,
        atB: ['GET foo'],
      },
      {
        what: 'an error reply that is no redirect is the reply, as it is',
        a: () => error("CROSSSLOT Keys in request don't hash to the same slot"),
        call: ['GET', 'foo'],
        outcome: "-CROSSSLOT Keys in request don't hash to the same slot",
        atB: [],
      },
      {
        what: 'a command to one node: a MOVED is its reply, not followed',
        a: (_argv, p) => p.move(FOO, p.b),
        call: { node: '127.0.0.1:7000', argv: ['GET', 'foo'] },
        outcome: `-MOVED ${FOO} 127.0.0.1:7001`,
        atB: [],
      },
    ];

    for (const c of CASES) {
      for (const face of FACES) {
        it(`${face}: ${c.what}`, async () => {
          const net = new SimNetwork({ latency: 1 });
          const { a, b } = pair(net, c.a, c.b);
          const f = openFace(face, net, { nodes: a.addr, ...c.options });
          expect(await f.connect()).to.equal('');
          expect(await f.batch(c.call)).to.deep.equal([c.outcome]);
          expect(heard(b)).to.deep.equal(c.atB);
          await f.close();
        });
      }
    }
  });

  describe('both faces (simulated network): where they differ', () => {
    /** Within a second of the first map, foo's slot moves to B, then bar's. */
    const MOVED_UPDATES: Record<FaceName, string[]> = {
      // The update is throttled (one a second): none; the patched slot sends the command to the target.
      async: ['CLUSTER SLOTS', 'GET foo', 'GET bar'],
      // The update goes at once, on the redirecting link, right after each MOVED (the command on the target).
      sync: ['CLUSTER SLOTS', 'GET foo', 'CLUSTER SLOTS', 'GET bar', 'CLUSTER SLOTS'],
    };
    for (const face of FACES) {
      it(`${face}: after a MOVED, ${face === 'sync' ? 'the update goes at once on the redirecting link' : 'the update is throttled'}`, async () => {
        const net = new SimNetwork({ latency: 1 });
        const { a, b } = pair(net, (argv, p) => p.move(argv[1] === 'foo' ? FOO : BAR, p.b));
        const f = openFace(face, net, { nodes: a.addr });
        expect(await f.connect()).to.equal('');
        expect(await f.run(['GET', 'foo'])).to.equal('"B:foo"');
        expect(await f.run(['GET', 'bar'])).to.equal('"B:bar"');
        expect(heard(a)).to.deep.equal(MOVED_UPDATES[face]);
        expect(heard(b)).to.deep.equal(['GET foo', 'GET bar']);
        await f.close();
      });
    }

    /** In one go: {foo}1 gets a MOVED to B (the slot is patched), then {foo}2 (same slot) a TRYAGAIN. */
    const TRYAGAIN_GOES: Record<FaceName, { outcomes: string[]; atA: string[]; atB: string[] }> = {
      // Again on the link that answered TRYAGAIN.
      async: {
        outcomes: ['"B:{foo}1"', '"A:{foo}2"'],
        atA: ['CLUSTER SLOTS', 'GET {foo}1', 'GET {foo}2', 'GET {foo}2'],
        atB: ['GET {foo}1'],
      },
      // Again from the slot lookup: to the slot's owner now, B (A also gets the update after the MOVED).
      sync: {
        outcomes: ['"B:{foo}1"', '"B:{foo}2"'],
        atA: ['CLUSTER SLOTS', 'GET {foo}1', 'GET {foo}2', 'CLUSTER SLOTS'],
        atB: ['GET {foo}1', 'GET {foo}2'],
      },
    };
    for (const face of FACES) {
      it(`${face}: TRYAGAIN sends the command again ${face === 'sync' ? 'from the slot lookup' : 'on the same link'}`, async () => {
        const net = new SimNetwork({ latency: 1 });
        const { a, b } = pair(net, (argv, p, n) => {
          if (n === 1) return p.move(FOO, p.b);
          return n === 2 ? error(TRYAGAIN) : `A:${argv[1]}`;
        });
        const f = openFace(face, net, { nodes: a.addr });
        expect(await f.connect()).to.equal('');
        const outcomes = await f.batch(['GET', '{foo}1'], ['GET', '{foo}2']);
        expect({ outcomes, atA: heard(a), atB: heard(b) }).to.deep.equal(TRYAGAIN_GOES[face]);
        await f.close();
      });
    }

    /** maxRetry 3; two commands of one go, each answered TRYAGAIN twice: four retries in all. */
    const BUDGETS: Record<FaceName, string[]> = {
      // Per command: two each.
      async: ['"A:k1"', '"A:k2"'],
      // Per call: the 4th retry of the call fails its command.
      sync: ['"A:k1"', `${REDIS_ERR_CLUSTER_TOO_MANY_RETRIES} too many cluster retries`],
    };
    for (const face of FACES) {
      it(`${face}: retries count per ${face === 'sync' ? 'call (one batch)' : 'command'}`, async () => {
        const net = new SimNetwork({ latency: 1 });
        const asked = new Map<string, number>();
        const { a } = pair(net, (argv) => {
          const n = (asked.get(argv[1]!) ?? 0) + 1;
          asked.set(argv[1]!, n);
          return n <= 2 ? error(TRYAGAIN) : `A:${argv[1]}`;
        });
        const f = openFace(face, net, { nodes: a.addr, maxRetry: 3 });
        expect(await f.connect()).to.equal('');
        expect(await f.batch(['GET', 'k1'], ['GET', 'k2'])).to.deep.equal(BUDGETS[face]);
        await f.close();
      });
    }
  });

  describe('async face: AsyncClusterContext against scripted nodes', () => {
    let conv: Conversation;
    let adapter: TestAdapter;
    let outcomes: Outcomes;
    const { client, connected, throttleOpens, results, halves } = scriptedAsync({}, (h) => {
      ({ conv, adapter, outcomes } = h);
    });

    it('MOVED: the slot is patched, the update goes on the redirecting link, the command to the target', async () => {
      const { a, b, acc } = await halves();
      conv.script(b.expectConnect(), b.expectCommand(['GET', 'foo']));
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();

      // b (not a, which node choice would take) sends the MOVED: the update must go on b's link.
      conv.script(
        throttleOpens(),
        b.send(error(`MOVED ${FOO} ${a.addr}`)),
        inAnyOrder(
          [b.expectCommand(['CLUSTER', 'SLOTS']), b.send(slots([0, 16383, a]))],
          [a.expectCommand(['GET', 'foo']), a.send('f')],
        ),
        b.expectClose(), // b left the map
      );
      await conv.done();
      expect(results()).to.deep.equal([[1, 'f', 0, '']]);
      expect(acc.version).to.equal(2);
    });

    it('MOVED within the throttle: no update, but the patched slot sends the next command straight to the target', async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, slots([0, 16383, a]));
      conv.script(
        a.expectCommand(['GET', 'foo']),
        a.send(error(`MOVED ${FOO} ${b.addr}`)),
        b.expectConnect(),
        b.expectCommand(['GET', 'foo']),
        b.send('f1'),
      );
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      conv.script(
        inAnyOrder(
          [b.expectCommand(['GET', 'foo']), b.send('f2')],
          [a.expectCommand(['GET', 'bar']), a.send('b')],
        ),
      );
      acc.command(outcomes.callback, 2, 'GET foo');
      acc.command(outcomes.callback, 3, 'GET bar');
      await conv.done();
      expect(results()).to.deep.equal([
        [1, 'f1', 0, ''],
        [2, 'f2', 0, ''],
        [3, 'b', 0, ''],
      ]);
      expect(acc.version).to.equal(1);
      expect(acc.nodeForKey('foo')!.addr).to.equal(b.addr);
    });

    it('ASK: ASKING and the command pipelined on the target; the slot is not patched, no update', async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, slots([0, 16383, a]));
      conv.script(
        a.expectCommand(['GET', 'foo']),
        throttleOpens(),
        a.send(error(`ASK ${FOO} ${b.addr}`)),
        b.expectConnect(),
        b.expectCommand(['ASKING']),
        b.expectCommand(['GET', 'foo']),
        b.send(status('OK'), 'f'),
      );
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      conv.script(a.expectCommand(['GET', 'foo']), a.send('again on a'));
      acc.command(outcomes.callback, 2, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([
        [1, 'f', 0, ''],
        [2, 'again on a', 0, ''],
      ]);
      expect(acc.version).to.equal(1);
    });

    it('TRYAGAIN and CLUSTERDOWN: sent again at once on the same link, no update', async () => {
      const a = await conv.node();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, slots([0, 16383, a]));
      adapter.timers.length = 0; // the update's timeout
      conv.script(
        a.expectCommand(['GET', 'foo']),
        throttleOpens(),
        a.send(error('TRYAGAIN Multiple keys request during rehashing of slot')),
        a.expectCommand(['GET', 'foo']),
        a.send(error('CLUSTERDOWN The cluster is down')),
        a.expectCommand(['GET', 'foo']),
        a.send('f'),
      );
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([[1, 'f', 0, '']]);
      expect(adapter.timers).to.deep.equal([]);
    });

    it("maxRetry 1: a second redirect ends the command with err 100 'too many cluster retries'", async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: a.addr, maxRetry: 1 });
      await connected(acc, a, slots([0, 16383, a]));
      conv.script(
        a.expectCommand(['GET', 'foo']),
        a.send(error(`MOVED ${FOO} ${b.addr}`)),
        b.expectConnect(),
        b.expectCommand(['GET', 'foo']),
        b.send(error(`MOVED ${FOO} ${a.addr}`)),
      );
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([
        [1, null, REDIS_ERR_CLUSTER_TOO_MANY_RETRIES, 'too many cluster retries'],
      ]);
    });

    it('the default budget: 5 retries, the 6th cluster error fails the command', async () => {
      const a = await conv.node();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, slots([0, 16383, a]));
      const steps = [];
      for (let i = 0; i < 6; i++)
        steps.push(a.expectCommand(['GET', 'foo']), a.send(error('TRYAGAIN later')));
      conv.script(...steps);
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([
        [1, null, REDIS_ERR_CLUSTER_TOO_MANY_RETRIES, 'too many cluster retries'],
      ]);
    });

    it('an IPv6 redirect target: MOVED to ::1:port reaches a node on ::1', async () => {
      const a = await conv.node();
      const b = await conv.node({ host: '::1' });
      const acc = client({ nodes: a.addr });
      await connected(acc, a, slots([0, 16383, a]));
      const links: string[] = [];
      acc.on('connect', (link) => links.push(`${link.host} ${link.port}`));
      conv.script(
        a.expectCommand(['GET', 'foo']),
        a.send(error(`MOVED ${FOO} ::1:${b.port}`)),
        b.expectConnect(),
        b.expectCommand(['GET', 'foo']),
        b.send('six'),
      );
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([[1, 'six', 0, '']]);
      expect(links).to.deep.equal([`::1 ${b.port}`]);
      expect([acc.nodeForKey('foo')!.host, acc.nodeForKey('foo')!.port]).to.deep.equal(['::1', b.port]);
    });
  });

  for (const [name, adapterOf] of ADAPTERS) {
    describe(`async face, retry backoff (simulated network), ${name}`, () => {
      let net: SimNetwork;
      let outcomes: Outcomes;
      const { oneNode, results } = simulatedAsync(adapterOf, (n, o) => {
        net = n;
        outcomes = o;
      });

      it('TRYAGAIN waits a jittered, doubling, capped delay, to the millisecond', async () => {
        let tries = 0;
        const { a, acc } = await oneNode(
          { retryBackoff: { baseMs: 40, maxMs: 80 }, random: () => 0.5 },
          () => (++tries <= 3 ? error('TRYAGAIN later') : 'f'),
          { latency: 0 },
        );
        const sent = net.loop.now();
        acc.command(outcomes.callback, 1, 'GET foo');
        net.loop.advance(200);
        expect(results()).to.deep.equal([[1, 'f', 0, '']]);
        // floor(min(80, 40 * 2^(n-1)) * 0.5): 20, 40, then capped at 40.
        const gets = a.history.filter((e) => e.argv?.[0] === 'GET').map((e) => e.at - sent);
        expect(gets).to.deep.equal([0, 20, 60, 100]);
      });
    });
  }
});
