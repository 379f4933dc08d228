/**
 * A node leaves the slot map while commands wait on it (reference §1.9, "Applying an update"). hiredis'
 * async API frees that node's link: its pending callbacks get a NULL reply with err 0, 'node left the
 * cluster', and ask for no update. Its sync API never loses a routed command that way (updates run between
 * its commands, and the old node would answer MOVED): the command goes to its slot's new owner, as one
 * more retry; a ToNode or pipelined command fails with an error code, never err 0, which a sync caller
 * reads as success.
 *
 * - Both faces on the simulated network (spec/support/sim-faces.ts): one case list, each face's outcome.
 * - The async face against scripted nodes: the exact commands, events and disconnect callbacks.
 * - The blocking face's worker host (WorkerHost, the sync policy) over an in-memory channel: the order
 *   in which outcomes come and the retry budget (found by the randomized fault spec, random-faults.spec.ts).
 *
 * On real clusters: a primary drained and removed under load (spec/chaos/scale.spec.ts, scale in); a node
 * learned from MOVED that leaves again, both faces, against MockCluster (spec/mock/contexts.spec.ts).
 */
import { expect } from 'chai';
import { OP_CONNECT, ROUTED, TO_NODE } from '../../lib/blocking/batch.js';
import { STATUS_OK } from '../../lib/blocking/channel-layout.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { REDIS_ERR_CLUSTER_TOO_MANY_RETRIES, REDIS_ERR_OTHER } from '../../lib/errors.js';
import { resolveOptions } from '../../lib/options.js';
import type { Outcomes } from '../support/async-helpers.js';
import { type BatchCommand, MemoryChannel } from '../support/memory-channel.js';
import { RecordingHost } from '../support/recording-host.js';
import { error, slots } from '../support/resp-values.js';
import { keyIn, scriptedAsync, type TestAdapter } from '../support/scripted-async.js';
import type { Conversation } from '../support/scripted-node.js';
import { type Call, FACES, type FaceName, heard, openFace } from '../support/sim-faces.js';
import { SimNetwork, type SimNode } from '../support/sim-network.js';

const FOO = keySlot('foo'); // 12182
const BAR = keySlot('bar'); // 5061

/**
 * Nodes A (slots 0-8191) and B (8192-16383, never answers). A answers the first GET bar with a MOVED to
 * itself, which makes the engine ask A for the map (the sync API at once, the async one once a second
 * has passed since the last update); from then on A serves everything: B has left.
 */
function leavingCluster(net: SimNetwork): { a: SimNode; b: SimNode } {
  let moved = false;
  const a: SimNode = net.node('127.0.0.1:7000', (argv) => {
    if (argv[0] === 'CLUSTER') return moved ? slots([0, 16383, a]) : slots([0, 8191, a], [8192, 16383, b]);
    if (argv[1] === 'bar' && !moved) {
      moved = true;
      return error(`MOVED ${BAR} ${a.addr}`);
    }
    return `A:${argv[1]}`;
  });
  const b = net.node('127.0.0.1:7001', () => undefined);
  return { a, b };
}

describe('node left', () => {
  describe('both faces (simulated network): a command pending on B when an update drops B', () => {
    const CASES: { what: string; calls: Call[]; atB: string[]; outcomes: Record<FaceName, string[]> }[] = [
      {
        what: 'a key-routed command',
        calls: [
          ['GET', 'foo'],
          ['GET', 'bar'],
        ],
        atB: ['GET foo'],
        outcomes: {
          async: ['0 node left the cluster', '"A:bar"'],
          // Sent again to its slot's new owner.
          sync: ['"A:foo"', '"A:bar"'],
        },
      },
      {
        what: 'a command to that node',
        calls: [{ node: '127.0.0.1:7001', argv: ['PING'] }, ['GET', 'bar']],
        atB: ['PING'],
        outcomes: {
          async: ['0 node left the cluster', '"A:bar"'],
          sync: [`${REDIS_ERR_OTHER} node left the cluster`, '"A:bar"'],
        },
      },
    ];
    for (const c of CASES) {
      for (const face of FACES) {
        it(`${face}: ${c.what}: ${c.outcomes[face][0]}`, async () => {
          const net = new SimNetwork({ latency: 1 });
          const { a, b } = leavingCluster(net);
          const f = openFace(face, net, { nodes: a.addr });
          expect(await f.connect()).to.equal('');
          net.loop.advance(1001); // past the async API's update throttle
          expect(await f.batch(...c.calls)).to.deep.equal(c.outcomes[face]);
          expect(heard(b)).to.deep.equal(c.atB);
          expect(heard(a).filter((cmd) => cmd === 'CLUSTER SLOTS')).to.have.length(2); // connect, then the update
          await f.close();
        });
      }
    }
  });

  describe('async face: AsyncClusterContext against scripted nodes', () => {
    let conv: Conversation;
    let adapter: TestAdapter;
    let outcomes: Outcomes;
    const { client, connected, throttleOpens, results } = scriptedAsync({}, (h) => {
      ({ conv, adapter, outcomes } = h);
    });

    it("a node leaving the map with a command pending: null, err 0, 'node left the cluster', no update from it", async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, slots([0, 8191, a], [8192, 16000, b]));
      const removed: string[] = [];
      const disconnects: [string, number][] = [];
      acc.on('node-removed', (node) => removed.push(node.addr));
      acc.setDisconnectCallback((link, s) => disconnects.push([`${link.host}:${link.port}`, s]));
      conv.script(b.expectConnect(), b.expectCommand(['GET', 'foo']), b.stall());
      acc.command(outcomes.callback, 'foo', 'GET foo');
      await conv.done();

      // An unserved slot starts the update (through a: random 0 takes the first connected node). The
      // clock moves past the throttle before the answer, so an update asked for by the dropped command
      // would be sent — and fail the script.
      conv.script(
        a.expectCommand(['CLUSTER', 'SLOTS']),
        throttleOpens(),
        a.send(slots([0, 16383, a])),
        b.expectClose(),
      );
      adapter.skew += 1001;
      expect(acc.command(outcomes.callback, 'unserved', 'GET %s', keyIn(16001, 16383))).to.equal(false);
      await conv.done();
      expect(results()).to.deep.equal([['foo', null, 0, 'node left the cluster']]);
      expect(removed).to.deep.equal([b.addr]);
      expect(disconnects).to.deep.equal([[b.addr, 0]]);
    });
  });

  describe('blocking face: the worker host (sync policy), a batch waiting on the node', () => {
    /** Nodes A (slots 0-8191) and B (8192-16383); after the update A serves everything. */
    async function setup(maxRetry = 5) {
      const net = new SimNetwork({ latency: 1 });
      const { a, b } = leavingCluster(net);
      const channel = new MemoryChannel();
      const host = new RecordingHost(channel, net.loop, resolveOptions({ nodes: a.addr, maxRetry }));
      void host.run();
      const connected = channel.call(OP_CONNECT);
      await Promise.resolve();
      net.loop.advance(10);
      expect((await connected).status).to.equal(STATUS_OK);
      /** Sends one batch and runs the network until its answer; the outcomes in the order they came. */
      const batch = async (...commands: BatchCommand[]) => {
        host.expect(commands.length);
        const answer = channel.callBatch(commands);
        await Promise.resolve();
        net.loop.advance(20);
        expect((await answer).status).to.equal(STATUS_OK);
        expect(host.counts).to.deep.equal(commands.map(() => 1));
        return host.log;
      };
      return { a, b, host, batch };
    }

    it('a routed command is sent again to its slot’s new owner, as one more retry', async () => {
      const { a, b, host, batch } = await setup(2); // the MOVED and the resend after B left: 2 retries
      expect(await batch([ROUTED, FOO, ['GET', 'foo']], [ROUTED, BAR, ['GET', 'bar']])).to.deep.equal([
        '1 "A:bar"',
        '0 "A:foo"',
      ]);
      expect(b.commands()).to.deep.equal(['B#1 GET foo']);
      expect(a.commands().slice(-4)).to.deep.equal([
        'A#2 GET bar',
        'A#2 CLUSTER SLOTS',
        'A#2 GET bar',
        'A#2 GET foo',
      ]);
      expect(host.engine.pending).to.equal(0);
    });

    it('past the retry budget (counted per call) it fails with err 100', async () => {
      const { batch } = await setup(1);
      // It fails as the new map is applied, before bar's resent reply comes.
      expect(await batch([ROUTED, FOO, ['GET', 'foo']], [ROUTED, BAR, ['GET', 'bar']])).to.deep.equal([
        `0 failed ${REDIS_ERR_CLUSTER_TOO_MANY_RETRIES} too many cluster retries`,
        '1 "A:bar"',
      ]);
    });

    it("a ToNode command fails with REDIS_ERR_OTHER 'node left the cluster'", async () => {
      const { b, batch } = await setup();
      expect(await batch([TO_NODE, b.addr, ['PING']], [ROUTED, BAR, ['GET', 'bar']])).to.deep.equal([
        `0 failed ${REDIS_ERR_OTHER} node left the cluster`,
        '1 "A:bar"',
      ]);
    });
  });
});
