/**
 * Multi-key commands across slots (reference §2.3): MGET, MSET, DEL and EXISTS split into one command per
 * slot (Redis refuses cross-slot keys), their replies merged in key order (MGET), summed (DEL, EXISTS) or
 * one OK (MSET); the first failure or error reply decides. The split and the join are the same code on
 * both faces (lib/cluster/multikey.ts, multikey-join.ts): the async engine joins the parts itself, the
 * blocking face sends them as separate commands of one call and its caller joins them.
 *
 * - Both faces on the simulated network (spec/support/sim-faces.ts, whose blocking caller joins as
 *   BlockingClusterContext does): one case list, then where they differ: the parts share the call's
 *   retry budget on the sync API, each part has its own on the async one.
 * - The blocking face's worker: each part answered at its own index.
 * - The async face against scripted nodes: the parts go in parallel.
 *
 * Elsewhere: the split and the merge themselves in spec/unit/cluster. On real clusters: MSET, MGET,
 * EXISTS and DEL across slots on both faces (spec/integration/async-context.spec.ts,
 * blocking-context.spec.ts, with split commands inside pipelines), the compat API
 * (spec/integration/compat.spec.ts), and against MockCluster (spec/mock/contexts.spec.ts).
 */
import { expect } from 'chai';
import { REDIS_ERR_CLUSTER_TOO_MANY_RETRIES, REDIS_ERR_IO } from '../../lib/errors.js';
import type { Outcomes } from '../support/async-helpers.js';
import { error, type RespValue, slots, status } from '../support/resp-values.js';
import { scriptedAsync } from '../support/scripted-async.js';
import { type Conversation, inAnyOrder } from '../support/scripted-node.js';
import { FACES, type FaceName, heard, openFace, SyncFace } from '../support/sim-faces.js';
import { type Handler, type SimLink, SimNetwork, type SimNode } from '../support/sim-network.js';

/** What a node answers to a command other than CLUSTER SLOTS; undefined: the usual answer. */
type Twist = (argv: string[], link: SimLink) => RespValue | undefined;

/**
 * Nodes A (slots 0-8191: bar, b) and B (8192-16383: foo, {t}...). MGET answers `<node>:<key>` per key,
 * DEL and EXISTS count the keys (EXISTS does not find 'b'), MSET says OK; `twist` may answer first.
 */
function twoNodes(net: SimNetwork, twist: Twist = () => undefined): { a: SimNode; b: SimNode } {
  const serve =
    (name: string): Handler =>
    (argv, link) => {
      if (argv[0] === 'CLUSTER') return slots([0, 8191, a], [8192, 16383, b]);
      const twisted = twist(argv, link);
      if (twisted !== undefined || !link.serverOpen) return twisted;
      const keys = argv[0] === 'MSET' ? argv.filter((_, i) => i % 2 === 1) : argv.slice(1);
      if (argv[0] === 'MGET') return keys.map((key) => `${name}:${key}`);
      if (argv[0] === 'MSET') return status('OK');
      return keys.filter((key) => argv[0] === 'DEL' || key !== 'b').length;
    };
  const a: SimNode = net.node('127.0.0.1:7000', serve('A'));
  const b: SimNode = net.node('127.0.0.1:7001', serve('B'));
  return { a, b };
}

describe('multi-key commands', () => {
  describe('both faces (simulated network): where hiredis’ async and sync APIs agree', () => {
    interface Case {
      what: string;
      argv: string[];
      twist?: Twist;
      outcome: string;
      atA: string[];
      atB: string[];
    }
    const CASES: Case[] = [
      {
        what: 'MGET: one MGET per slot, the values merged in key order',
        argv: ['MGET', 'foo', 'bar', 'b'],
        outcome: '["B:foo","A:bar","A:b"]',
        atA: ['MGET bar', 'MGET b'],
        atB: ['MGET foo'],
      },
      {
        what: 'MSET: one MSET per slot, OK once every part said OK',
        argv: ['MSET', 'foo', '1', 'bar', '2'],
        outcome: '"OK"',
        atA: ['MSET bar 2'],
        atB: ['MSET foo 1'],
      },
      {
        what: 'DEL: the sum of the parts',
        argv: ['DEL', 'foo', 'bar', 'b'],
        outcome: '3',
        atA: ['DEL bar', 'DEL b'],
        atB: ['DEL foo'],
      },
      {
        what: 'EXISTS: the sum of the parts',
        argv: ['EXISTS', 'foo', 'bar', 'b'],
        outcome: '2',
        atA: ['EXISTS bar', 'EXISTS b'],
        atB: ['EXISTS foo'],
      },
      {
        what: 'keys of one slot: the command goes whole',
        argv: ['MGET', '{t}a', '{t}b'],
        outcome: '["B:{t}a","B:{t}b"]',
        atA: [],
        atB: ['MGET {t}a {t}b'],
      },
      {
        what: 'a part’s error reply is the command’s reply (the other parts have run)',
        argv: ['MSET', 'foo', '1', 'bar', '2'],
        twist: (argv) => (argv[1] === 'foo' ? error('OOM command not allowed') : undefined),
        outcome: '-OOM command not allowed',
        atA: ['MSET bar 2'],
        atB: ['MSET foo 1'],
      },
      {
        what: 'a part’s failure fails the command',
        argv: ['MGET', 'foo', 'bar'],
        twist: (argv, link) => {
          if (argv[1] === 'foo') link.reset();
          return undefined;
        },
        outcome: `${REDIS_ERR_IO} Connection reset by peer`,
        atA: ['MGET bar'],
        atB: ['MGET foo'],
      },
      {
        what: 'a part’s reply of the wrong shape fails the command',
        argv: ['MGET', 'foo', 'bar'],
        twist: (argv) => (argv[1] === 'bar' ? 'not an array' : undefined),
        outcome: '2 reply type error',
        atA: ['MGET bar'],
        atB: ['MGET foo'],
      },
    ];
    for (const c of CASES) {
      for (const face of FACES) {
        it(`${face}: ${c.what}`, async () => {
          const net = new SimNetwork({ latency: 1 });
          const { a, b } = twoNodes(net, c.twist);
          const f = openFace(face, net, { nodes: a.addr });
          expect(await f.connect()).to.equal('');
          expect(await f.run(c.argv)).to.equal(c.outcome);
          expect([heard(a).slice(1), heard(b)]).to.deep.equal([c.atA, c.atB]);
          await f.close();
        });
      }
    }
  });

  describe('both faces (simulated network): where they differ', () => {
    /** maxRetry 3; each part answered TRYAGAIN twice: four retries in all. */
    const BUDGETS: Record<FaceName, string> = {
      // Each part counts its own: two.
      async: '["B:foo","A:bar"]',
      // The parts share the call's budget: the 4th retry fails its part, and so the command.
      sync: `${REDIS_ERR_CLUSTER_TOO_MANY_RETRIES} too many cluster retries`,
    };
    for (const face of FACES) {
      it(`${face}: the parts’ retries count ${face === 'sync' ? 'together, per call' : 'per part'}`, async () => {
        const net = new SimNetwork({ latency: 1 });
        const asked = new Map<string, number>();
        const { a } = twoNodes(net, (argv) => {
          const n = (asked.get(argv[1]!) ?? 0) + 1;
          asked.set(argv[1]!, n);
          return n <= 2 ? error('TRYAGAIN Multiple keys request during rehashing of slot') : undefined;
        });
        const f = openFace(face, net, { nodes: a.addr, maxRetry: 3 });
        expect(await f.connect()).to.equal('');
        expect(await f.run(['MGET', 'foo', 'bar'])).to.equal(BUDGETS[face]);
        await f.close();
      });
    }
  });

  describe('blocking face: the worker host (sync policy) on the simulated network', () => {
    it('the parts are separate commands of one call: each answered at its own index, the caller joins them', async () => {
      const net = new SimNetwork({ latency: 1 });
      const { a, b } = twoNodes(net);
      b.latency = 5; // B's part answers last
      const f = new SyncFace(net, { nodes: a.addr });
      expect(await f.connect()).to.equal('');
      expect(await f.run(['MGET', 'foo', 'bar', 'b'])).to.equal('["B:foo","A:bar","A:b"]');
      expect(f.host.log).to.deep.equal(['1 ["A:bar"]', '2 ["A:b"]', '0 ["B:foo"]']);
      await f.close();
    });
  });

  describe('async face: AsyncClusterContext against scripted nodes', () => {
    let conv: Conversation;
    let outcomes: Outcomes;
    const { results, halves } = scriptedAsync({}, (h) => {
      ({ conv, outcomes } = h);
    });

    it('MGET across slots: one MGET per slot (Redis refuses cross-slot keys), in parallel, merged in key order', async () => {
      const { a, b, acc } = await halves();
      conv.script(
        inAnyOrder(
          [a.expectCommand(['MGET', 'bar']), a.expectCommand(['MGET', 'b']), a.send(['vbar'], [null])],
          [b.expectConnect(), b.expectCommand(['MGET', 'foo']), b.send(['vfoo'])],
        ),
      );
      acc.command(outcomes.callback, 1, 'MGET foo bar b');
      await conv.done();
      expect(results()).to.deep.equal([[1, ['vfoo', 'vbar', null], 0, '']]);
    });
  });
});
