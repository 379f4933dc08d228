/**
 * The blocking context's engine (the `sync` policy of lib/blocking/worker.ts) when a slot-map update
 * drops a node that still has commands of the current batch pending: hiredis' sync API never loses a
 * command that way, so a routed command goes to its slot's new owner, and a ToNode command fails with
 * an error code — never err 0, which a sync caller reads as success. (The async API keeps hiredis'
 * NULL reply with err 0: async-faults.spec.ts.) Found by the randomized fault spec.
 */
import { expect } from 'chai';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { type CommandOwner, Dispatcher, type RetryBudget } from '../../lib/engine/dispatch.js';
import { Topology } from '../../lib/engine/topology.js';
import { REDIS_ERR_CLUSTER_TOO_MANY_RETRIES, REDIS_ERR_OTHER } from '../../lib/errors.js';
import { resolveOptions } from '../../lib/options.js';
import { buildReply, plainReplies } from '../../lib/resp/build.js';
import { encodeArgv } from '../../lib/resp/encode.js';
import { QUIET_TOPOLOGY } from '../support/quiet-topology.js';
import { error, type RespValue } from '../support/resp-values.js';
import { SimNetwork, type SimNode } from '../support/sim-network.js';

function slots(...ranges: [number, number, SimNode][]): RespValue {
  return ranges.map(([start, end, node]) => [start, end, [node.host, node.port, `id-${node.name}`]]);
}

const FOO = keySlot('foo'); // 12182
const BAR = keySlot('bar'); // 5061

describe('engine, sync policy: a node leaves the map while a batch waits on it', () => {
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
    const options = resolveOptions({ nodes: a.addr, maxRetry });
    const topology = new Topology(options, net.loop, QUIET_TOPOLOGY, true);
    const outcomes: string[] = [];
    const owner: CommandOwner = {
      frame: (cmd, buf, start, end) =>
        outcomes.push(`${cmd.fn} ${JSON.stringify(buildReply(buf, start, end, plainReplies))}`),
      complete: (cmd, _reply, err) => outcomes.push(`${cmd.fn} failed ${err?.code} ${err?.message}`),
    };
    const dispatcher = new Dispatcher(options, net.loop, topology, owner, true);
    const connecting = topology.updateWithTemporaryLinks();
    net.loop.advance(10);
    await connecting;
    return { net, a, b, topology, dispatcher, outcomes };
  }

  it('a routed command is sent again to its slot’s new owner, as one more retry', async () => {
    const { net, a, b, topology, dispatcher, outcomes } = await setup();
    const budget: RetryBudget = { retries: 0 };
    dispatcher.submitBytes(topology.ownerOf(FOO)!, encodeArgv(['GET', 'foo']), FOO, false, budget, 'foo');
    dispatcher.submitBytes(topology.ownerOf(BAR)!, encodeArgv(['GET', 'bar']), BAR, false, budget, 'bar');
    net.loop.advance(20);
    expect(outcomes).to.deep.equal(['bar "A:bar"', 'foo "A:foo"']);
    expect(budget.retries).to.equal(2); // the MOVED, and the resend after B left
    expect(b.commands()).to.deep.equal(['B#1 GET foo']);
    expect(a.commands().slice(-4)).to.deep.equal([
      'A#2 GET bar',
      'A#2 CLUSTER SLOTS',
      'A#2 GET bar',
      'A#2 GET foo',
    ]);
    expect(dispatcher.pending).to.equal(0);
  });

  it('past the retry budget it fails with err 100', async () => {
    const { net, topology, dispatcher, outcomes } = await setup(1);
    const budget: RetryBudget = { retries: 0 };
    dispatcher.submitBytes(topology.ownerOf(FOO)!, encodeArgv(['GET', 'foo']), FOO, false, budget, 'foo');
    dispatcher.submitBytes(topology.ownerOf(BAR)!, encodeArgv(['GET', 'bar']), BAR, false, budget, 'bar');
    net.loop.advance(20);
    // It fails as the new map is applied, before bar's resent reply comes.
    expect(outcomes).to.deep.equal([
      `foo failed ${REDIS_ERR_CLUSTER_TOO_MANY_RETRIES} too many cluster retries`,
      'bar "A:bar"',
    ]);
  });

  it("a ToNode command fails with REDIS_ERR_OTHER 'node left the cluster'", async () => {
    const { net, topology, dispatcher, outcomes } = await setup();
    const budget: RetryBudget = { retries: 0 };
    dispatcher.submitBytes(topology.ownerOf(FOO)!, encodeArgv(['PING']), -1, true, budget, 'ping');
    dispatcher.submitBytes(topology.ownerOf(BAR)!, encodeArgv(['GET', 'bar']), BAR, false, budget, 'bar');
    net.loop.advance(20);
    expect(outcomes).to.deep.equal([`ping failed ${REDIS_ERR_OTHER} node left the cluster`, 'bar "A:bar"']);
  });
});
