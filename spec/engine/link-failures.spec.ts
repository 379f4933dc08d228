/**
 * Links that fail (reference §1.10): a connect refused, a reset or a half-close with replies in flight, a
 * malformed reply, a link the node closed while idle. Either way the command is never sent again after
 * an I/O error (it may have run); what follows differs. hiredis' async API fails the command and asks for
 * a throttled update. Its sync API gives a link that never connected one blocking update and one more
 * attempt; any other failure fails the call and makes an update due, pipelined right after the next
 * call's command; it learns of an idle link's close only when it next writes there.
 *
 * - Both faces on the simulated network (spec/support/sim-faces.ts): one case list where the caller gets
 *   the same, then, side by side, where the faces differ.
 * - The async face on the simulated network (both adapters) and against scripted nodes.
 *
 * Elsewhere: connect and command timeouts in timeouts.spec.ts; a command pending on a node that left the
 * map in node-left.spec.ts; a failed slot-map update in async-faults.spec.ts; the blocking face's idle
 * close in detail, and the `detectIdleClose` option, in idle-close.spec.ts. On real clusters: a failed
 * call whose pipelined update is left to the next command (spec/integration/blocking-context.spec.ts,
 * events); a connect failure in the compat API's connect callback (spec/integration/compat.spec.ts); a
 * MockCluster node that goes down and comes back, both faces (spec/mock/contexts.spec.ts); primaries killed
 * or every node restarted under load (spec/chaos/primary-kill.spec.ts, restart-all.spec.ts).
 */
import { expect } from 'chai';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { REDIS_ERR_EOF, REDIS_ERR_IO, REDIS_ERR_PROTOCOL } from '../../lib/errors.js';
import type { Outcomes } from '../support/async-helpers.js';
import { error, type RespValue, slots, status } from '../support/resp-values.js';
import { scriptedAsync } from '../support/scripted-async.js';
import { type Conversation, inAnyOrder } from '../support/scripted-node.js';
import { ADAPTERS, simulatedAsync } from '../support/sim-async.js';
import { type Call, FACES, type FaceName, heard, openFace } from '../support/sim-faces.js';
import { type SimLink, SimNetwork, type SimNode } from '../support/sim-network.js';

/** What node A does with a command: a reply, or undefined for none (`link` may fail meanwhile). */
type Twist = (argv: string[], link: SimLink) => RespValue | undefined;

/**
 * Nodes A (slots 0-8191: bar, b; answers `A:<key>` unless `twist` says otherwise) and B (8192-16383: foo,
 * refusing connections). With `later`, every map after the first says A serves every slot.
 */
function withRefusingNode(net: SimNetwork, twist?: Twist, later?: 'A serves all') {
  let maps = 0;
  const a: SimNode = net.node('127.0.0.1:7000', (argv, link) => {
    if (argv[0] !== 'CLUSTER') return twist ? twist(argv, link) : `A:${argv[1]}`;
    return maps++ > 0 && later ? slots([0, 16383, a]) : slots([0, 8191, a], [8192, 16383, b]);
  });
  const b = net.node('127.0.0.1:7001', () => 'B');
  b.listening = false;
  return { a, b };
}

describe('link failures', () => {
  describe('both faces (simulated network): where hiredis’ async and sync APIs agree', () => {
    interface Case {
      what: string;
      twist?: Twist;
      calls: Call[];
      outcomes: string[];
    }
    const CASES: Case[] = [
      {
        what: 'the node resets with a reply in flight: every pending command reads ECONNRESET',
        twist: (argv, link) => {
          if (argv[1] === 'bar') link.send('lost');
          else link.reset();
          return undefined;
        },
        calls: [
          ['GET', 'bar'],
          ['GET', 'b'],
        ],
        outcomes: [`${REDIS_ERR_IO} Connection reset by peer`, `${REDIS_ERR_IO} Connection reset by peer`],
      },
      {
        what: 'the node half-closes after one reply: that reply arrives, the rest read EOF',
        twist: (argv, link) => {
          if (argv[1] === 'bar') return 'b';
          link.halfClose();
          return undefined;
        },
        calls: [
          ['GET', 'bar'],
          ['GET', 'b'],
        ],
        outcomes: ['"b"', `${REDIS_ERR_EOF} Server closed the connection`],
      },
      {
        what: 'a malformed reply: a protocol error naming the offset and the node',
        twist: (_argv, link) => {
          link.sendRaw('$abc\r\n');
          return undefined;
        },
        calls: [['GET', 'bar']],
        outcomes: [`${REDIS_ERR_PROTOCOL} Protocol error: invalid length at offset 1 (from 127.0.0.1:7000)`],
      },
      {
        what: 'a node that refuses and still serves the slot: Connection refused',
        calls: [['GET', 'foo']],
        outcomes: [`${REDIS_ERR_IO} Connection refused`],
      },
      {
        what: 'a command to a node that refuses: Connection refused',
        calls: [{ node: '127.0.0.1:7001', argv: ['PING'] }],
        outcomes: [`${REDIS_ERR_IO} Connection refused`],
      },
    ];
    for (const c of CASES) {
      for (const face of FACES) {
        it(`${face}: ${c.what}`, async () => {
          const net = new SimNetwork({ latency: 1 });
          const { a } = withRefusingNode(net, c.twist);
          const f = openFace(face, net, { nodes: a.addr });
          expect(await f.connect()).to.equal('');
          expect(await f.batch(...c.calls)).to.deep.equal(c.outcomes);
          await f.close();
        });
      }
    }
  });

  describe('both faces (simulated network): where they differ', () => {
    /** foo's node B refuses; the update, when one comes, says A serves every slot. */
    const NEVER_CONNECTED: Record<FaceName, { outcome: string; atA: string[] }> = {
      // The command fails; the update it asks for is throttled (within a second of the last: none).
      async: { outcome: `${REDIS_ERR_IO} Connection refused`, atA: ['A#1 CLUSTER SLOTS'] },
      // One blocking update on a temporary link, then the command goes to its slot's owner once more.
      sync: { outcome: '"A:foo"', atA: ['A#1 CLUSTER SLOTS', 'A#2 CLUSTER SLOTS', 'A#3 GET foo'] },
    };
    for (const face of FACES) {
      it(`${face}: a link that never connected: ${face === 'sync' ? 'a blocking update and one more attempt' : 'the command fails'}`, async () => {
        const net = new SimNetwork({ latency: 1 });
        const { a } = withRefusingNode(net, undefined, 'A serves all');
        const f = openFace(face, net, { nodes: a.addr });
        expect(await f.connect()).to.equal('');
        const outcome = await f.run(['GET', 'foo']);
        expect({ outcome, atA: a.commands() }).to.deep.equal(NEVER_CONNECTED[face]);
        await f.close();
      });
    }

    /** The node resets the link on the first command; then two more commands. */
    const AFTER_IO_ERROR: Record<FaceName, string[]> = {
      // A new link; no update (within a second of the last: throttled).
      async: ['A#1 CLUSTER SLOTS', 'A#1 GET foo', 'A#2 GET bar', 'A#2 GET baz'],
      // The update the failure made due is pipelined right after the next call's command, once.
      sync: ['A#1 CLUSTER SLOTS', 'A#2 GET foo', 'A#3 GET bar', 'A#3 CLUSTER SLOTS', 'A#3 GET baz'],
    };
    for (const face of FACES) {
      it(`${face}: an I/O error fails the command; ${face === 'sync' ? 'the next call pipelines an update' : 'the next goes on a new link'}`, async () => {
        const net = new SimNetwork({ latency: 1 });
        let resets = 1;
        const a: SimNode = net.node('127.0.0.1:7000', (argv, link) => {
          if (argv[0] === 'CLUSTER') return slots([0, 16383, a]);
          if (resets-- > 0) link.reset();
          return link.serverOpen ? `A:${argv[1]}` : undefined;
        });
        const f = openFace(face, net, { nodes: a.addr });
        expect(await f.connect()).to.equal('');
        expect(await f.run(['GET', 'foo'])).to.equal(`${REDIS_ERR_IO} Connection reset by peer`);
        expect(await f.run(['GET', 'bar'])).to.equal('"A:bar"');
        expect(await f.run(['GET', 'baz'])).to.equal('"A:baz"');
        expect(a.commands()).to.deep.equal(AFTER_IO_ERROR[face]);
        await f.close();
      });
    }

    /** A command to B, which refuses; then a command for A. */
    const TO_NODE_REFUSED: Record<FaceName, string[]> = {
      // The update is throttled: none.
      async: ['CLUSTER SLOTS', 'GET bar'],
      // No blocking update for a command to one node; the update is due, pipelined after the next command.
      sync: ['CLUSTER SLOTS', 'GET bar', 'CLUSTER SLOTS'],
    };
    for (const face of FACES) {
      it(`${face}: a command to a node that refuses: no retry; ${face === 'sync' ? 'the next call pipelines an update' : 'no update within the throttle'}`, async () => {
        const net = new SimNetwork({ latency: 1 });
        const { a, b } = withRefusingNode(net);
        const f = openFace(face, net, { nodes: a.addr });
        expect(await f.connect()).to.equal('');
        expect(await f.batch({ node: b.addr, argv: ['PING'] })).to.deep.equal([
          `${REDIS_ERR_IO} Connection refused`,
        ]);
        expect(await f.run(['GET', 'bar'])).to.equal('"A:bar"');
        expect(heard(a)).to.deep.equal(TO_NODE_REFUSED[face]);
        await f.close();
      });
    }
    /** The node closes the command link while nothing is pending on it; then two commands. */
    const IDLE_CLOSE: Record<FaceName, { outcomes: string[]; atA: string[] }> = {
      // The close is seen at once: the next command opens a new link.
      async: {
        outcomes: ['"A:bar"', '"A:b"'],
        atA: ['A#1 CLUSTER SLOTS', 'A#1 GET b', 'A#2 GET bar', 'A#2 GET b'],
      },
      // Seen only when the next command is written on the link: it fails with the close, and the update
      // that makes due is pipelined right after the next call's command.
      sync: {
        outcomes: [`${REDIS_ERR_EOF} Server closed the connection`, '"A:b"'],
        atA: ['A#1 CLUSTER SLOTS', 'A#2 GET b', 'A#3 GET b', 'A#3 CLUSTER SLOTS'],
      },
    };
    for (const face of FACES) {
      it(`${face}: a link the node closed while idle: ${face === 'sync' ? 'the next command fails with the close' : 'the next command goes on a new link'}`, async () => {
        const net = new SimNetwork({ latency: 1 });
        const { a } = withRefusingNode(net);
        const f = openFace(face, net, { nodes: a.addr });
        expect(await f.connect()).to.equal('');
        expect(await f.run(['GET', 'b'])).to.equal('"A:b"');
        a.link!.halfClose();
        net.loop.advance(10);
        const outcomes = [await f.run(['GET', 'bar']), await f.run(['GET', 'b'])];
        expect({ outcomes, atA: a.commands() }).to.deep.equal(IDLE_CLOSE[face]);
        await f.close();
      });
    }
  });

  for (const [name, adapterOf] of ADAPTERS) {
    describe(`async face (simulated network), ${name}`, () => {
      let net: SimNetwork;
      let outcomes: Outcomes;
      const { network, client, connected, serving, oneNode, results } = simulatedAsync(adapterOf, (n, o) => {
        net = n;
        outcomes = o;
      });

      it('the node resets with replies in flight: they are lost, every pending command reads ECONNRESET', async () => {
        const { a, acc } = await oneNode();
        acc.command(outcomes.callback, 'foo', 'GET foo');
        acc.command(outcomes.callback, 'bar', 'GET bar');
        net.loop.advance(1);
        a.latency = 10;
        a.link!.send('lost');
        a.link!.reset();
        net.loop.advance(20);
        expect(results()).to.deep.equal([
          ['foo', null, REDIS_ERR_IO, 'Connection reset by peer'],
          ['bar', null, REDIS_ERR_IO, 'Connection reset by peer'],
        ]);
      });

      it('the node half-closes after one reply: that reply arrives, the rest read EOF', async () => {
        const { a, acc } = await oneNode();
        acc.command(outcomes.callback, 'foo', 'GET foo');
        acc.command(outcomes.callback, 'bar', 'GET bar');
        net.loop.advance(1);
        a.link!.send('f');
        a.link!.halfClose();
        net.loop.advance(5);
        expect(results()).to.deep.equal([
          ['foo', 'f', 0, ''],
          ['bar', null, REDIS_ERR_EOF, 'Server closed the connection'],
        ]);
      });

      it('MOVED to a node that refuses: Connection refused, then an update through the first node', async () => {
        const node = network();
        const a: SimNode = node(
          serving(
            () => slots([0, 16383, a]),
            () => error(`MOVED ${keySlot('foo')} ${b.addr}`),
          ),
        );
        const b = node(() => undefined);
        b.listening = false;
        const acc = client(a);
        await connected(acc);
        net.loop.advance(1000); // past the update throttle
        acc.command(outcomes.callback, 'foo', 'GET foo');
        net.loop.advance(10);
        expect(results()).to.deep.equal([['foo', null, REDIS_ERR_IO, 'Connection refused']]);
        expect(a.commands()).to.deep.equal(['A#1 CLUSTER SLOTS', 'A#1 GET foo', 'A#1 CLUSTER SLOTS']);
      });
    });
  }

  describe('async face: AsyncClusterContext against scripted nodes', () => {
    let conv: Conversation;
    let outcomes: Outcomes;
    const { client, connected, throttleOpens, results, halves } = scriptedAsync({}, (h) => {
      ({ conv, outcomes } = h);
    });

    it("the node closes or resets the link: 'Server closed the connection' / 'Connection reset by peer'", async () => {
      const a = await conv.node();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, slots([0, 16383, a]));
      conv.script(a.expectCommand(['GET', 'foo']), a.expectCommand(['GET', 'bar']), a.closeLink());
      acc.command(outcomes.callback, 'foo', 'GET foo');
      acc.command(outcomes.callback, 'bar', 'GET bar');
      await conv.done();
      conv.script(a.expectConnect(), a.expectCommand(['GET', 'foo']), a.closeLink({ reset: true }));
      acc.command(outcomes.callback, 'reset', 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([
        ['foo', null, REDIS_ERR_EOF, 'Server closed the connection'],
        ['bar', null, REDIS_ERR_EOF, 'Server closed the connection'],
        ['reset', null, REDIS_ERR_IO, 'Connection reset by peer'],
      ]);
    });

    it('a failed command (ToNode too) starts a throttled update through a connected node', async () => {
      const { a, b, acc } = await halves();
      conv.script(b.expectConnect(), b.expectCommand(['PING']), b.send(status('PONG')));
      acc.commandToNode(b.addr, outcomes.callback, 'ping', 'PING');
      await conv.done();
      conv.script(
        a.expectCommand(['GET', 'bar']),
        throttleOpens(),
        a.closeLink(),
        b.expectCommand(['CLUSTER', 'SLOTS']),
        b.send(slots([0, 8191, a], [8192, 16383, b])),
      );
      acc.commandToNode(a.addr, outcomes.callback, 'bar', 'GET bar');
      await conv.done();
      expect(results()).to.deep.equal([
        ['ping', 'PONG', 0, ''],
        ['bar', null, REDIS_ERR_EOF, 'Server closed the connection'],
      ]);
      expect(acc.version).to.equal(2);
    });

    it('a malformed reply: a PROTOCOL error naming the offset and the node, for the commands of that link only', async () => {
      const { a, b, acc } = await halves();
      conv.script(
        inAnyOrder(
          [a.expectCommand(['GET', 'bar']), a.expectCommand(['GET', 'b'])],
          [b.expectConnect(), b.expectCommand(['GET', 'foo'])],
        ),
        a.sendRaw('$abc\r\n'),
        a.expectClose(),
        b.send('f'),
      );
      acc.command(outcomes.callback, 'bar', 'GET bar');
      acc.command(outcomes.callback, 'b', 'GET b');
      acc.command(outcomes.callback, 'foo', 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([
        ['bar', null, REDIS_ERR_PROTOCOL, `Protocol error: invalid length at offset 1 (from ${a.addr})`],
        ['b', null, REDIS_ERR_PROTOCOL, `Protocol error: invalid length at offset 1 (from ${a.addr})`],
        ['foo', 'f', 0, ''],
      ]);
    });
  });
});
