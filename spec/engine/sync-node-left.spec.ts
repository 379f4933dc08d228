/**
 * The blocking face's worker (WorkerHost, the sync policy) when a slot-map update drops a node that still
 * has commands of the current batch pending: hiredis' sync API never loses a command that way, so a routed
 * command goes to its slot's new owner, as one more retry, and a ToNode command fails with an error code —
 * never err 0, which a sync caller reads as success. (The async API keeps hiredis' NULL reply with err 0:
 * async-faults.spec.ts.) Found by the randomized fault spec.
 */
import { expect } from 'chai';
import { OP_CONNECT, ROUTED, TO_NODE } from '../../lib/blocking/batch.js';
import { STATUS_OK } from '../../lib/blocking/channel-layout.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { REDIS_ERR_CLUSTER_TOO_MANY_RETRIES, REDIS_ERR_OTHER } from '../../lib/errors.js';
import { resolveOptions } from '../../lib/options.js';
import { type BatchCommand, MemoryChannel } from '../support/memory-channel.js';
import { RecordingHost } from '../support/recording-host.js';
import { error, type RespValue } from '../support/resp-values.js';
import { SimNetwork, type SimNode } from '../support/sim-network.js';

function slots(...ranges: [number, number, SimNode][]): RespValue {
  return ranges.map(([start, end, node]) => [start, end, [node.host, node.port, `id-${node.name}`]]);
}

const FOO = keySlot('foo'); // 12182
const BAR = keySlot('bar'); // 5061

describe('worker host, sync policy: a node leaves the map while a batch waits on it', () => {
  /** Nodes A (slots 0-8191) and B (8192-16383); after the update A serves everything. */
  async function setup(maxRetry = 5) {
    const net = new SimNetwork({ latency: 1 });
    let moved = false;
    const a: SimNode = net.node('127.0.0.1:7000', (argv) => {
      if (argv[0] === 'CLUSTER') return moved ? slots([0, 16383, a]) : slots([0, 8191, a], [8192, 16383, b]);
      if (argv[1] === 'bar' && !moved) {
        moved = true;
        return error(`MOVED ${BAR} ${a.addr}`); // makes the engine ask A for the map right away
      }
      return `A:${argv[1]}`;
    });
    const b = net.node('127.0.0.1:7001', () => undefined); // never answers
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
