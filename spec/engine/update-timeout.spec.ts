/**
 * Nothing hangs by default (issue 14): a node that accepts connections and never answers cannot hold a
 * slot-map update, so `connect()` of either face fails or moves on within the update timeout
 * (`updateTimeout`, counted from the open link), and one `connect()` asks each node at most once. On the
 * simulated network to the millisecond (async face and the blocking face's worker), then on real loopback
 * sockets against a silent listener, the blocking face in this thread and in a child process.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { EventLoopAdapter } from '../../adapters/adapter.js';
import { TimerWheel } from '../../adapters/timer-wheel.js';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { OP_CONNECT, readFailure } from '../../lib/blocking/batch.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { STATUS_ERROR, STATUS_OK } from '../../lib/blocking/channel-layout.js';
import { ClusterError, REDIS_ERR_IO, REDIS_ERR_OTHER, REDIS_ERR_TIMEOUT } from '../../lib/errors.js';
import { type ClusterOptions, resolveOptions } from '../../lib/options.js';
import { Outcomes, rejectionOf, settled, watch } from '../support/async-helpers.js';
import { MemoryChannel } from '../support/memory-channel.js';
import { RecordingHost } from '../support/recording-host.js';
import { runScript } from '../support/run-script.js';
import { Conversation, type RespValue } from '../support/scripted-node.js';
import { type SilentNode, silentNode } from '../support/silent-node.js';
import { type Handler, SimNetwork, type SimNode } from '../support/sim-network.js';

/** A CLUSTER SLOTS reply: [start, end, [host, port, id]] per range. */
function slots(...ranges: [number, number, { host: string; port: number; name: string }][]): RespValue {
  return ranges.map(([start, end, node]) => [start, end, [node.host, node.port, `id-${node.name}`]]);
}

/** How a promise settled so far: 'pending', 'resolved', or 'rejected <code> <message> @<address>'. */
function settledAs(promise: Promise<unknown>): { readonly state: string } {
  const seen = watch(promise);
  return {
    get state() {
      return seen.error === null ? seen.state : `${seen.state} @${seen.error.address}`;
    },
  };
}

const ADAPTERS: [string, (net: SimNetwork) => EventLoopAdapter][] = [
  ['ManualLoop', (net) => net.loop],
  ['TimerWheel over the ManualLoop', (net) => new TimerWheel(net.loop)],
];

const SILENT: Handler = () => undefined;

for (const [name, adapterOf] of ADAPTERS) {
  describe(`updateTimeout on the simulated network, async face, ${name}`, () => {
    let net: SimNetwork;
    const contexts: AsyncClusterContext[] = [];

    afterEach(() => {
      for (const acc of contexts.splice(0)) acc.free();
    });

    /** Nodes at 127.0.0.1:7000, 7001, ... with a 1 ms latency each way. */
    function nodes(...handlers: Handler[]): SimNode[] {
      net = new SimNetwork({ latency: 1 });
      return handlers.map((handler, i) => net.node(`127.0.0.1:${7000 + i}`, handler));
    }

    function client(seeds: SimNode[], options: Omit<ClusterOptions, 'nodes'> = {}): AsyncClusterContext {
      const acc = new AsyncClusterContext({
        nodes: seeds.map((s) => s.addr),
        adapter: adapterOf(net),
        random: () => 0,
        ...options,
      });
      contexts.push(acc);
      return acc;
    }

    /** Moves the clock to `at` (virtual ms), letting promise callbacks run after every step. */
    async function runTo(at: number): Promise<void> {
      while (net.loop.now() < at) {
        net.loop.advance(Math.min(10, at - net.loop.now()));
        await settled();
      }
    }

    it("one seed that accepts and never answers: connect() rejects with 'Timeout' naming it, at updateTimeout after the link opened", async () => {
      const [a] = nodes(SILENT) as [SimNode];
      const acc = client([a], { updateTimeout: 300 });
      const done = settledAs(acc.connect());
      await runTo(300);
      expect(done.state).to.equal('pending');
      await runTo(301); // connected at 1
      expect(done.state).to.equal(`rejected ${REDIS_ERR_TIMEOUT} Timeout @${a.addr}`);
      await runTo(2000);
      // Nothing else waited on the link: it is closed, and the seed was asked once.
      expect(a.wire(true)).to.deep.equal(['A#1 connect@1', 'A#1 CLUSTER SLOTS@2', 'A#1 close@302']);
    });

    it('two seeds, the first silent: connect() resolves through the second once the first timed out; each asked once', async () => {
      const [a, b] = nodes(SILENT, (argv) => (argv[0] === 'CLUSTER' ? slots([0, 16383, b!]) : 'v')) as [
        SimNode,
        SimNode,
      ];
      const acc = client([a, b], { updateTimeout: 300 });
      const failures: string[] = [];
      acc.on('update-error', (err) => failures.push(`${err.code} ${err.message} @${err.address}`));
      const done = settledAs(acc.connect());
      await runTo(303);
      expect(done.state).to.equal('pending');
      await runTo(305);
      expect(done.state).to.equal('resolved');
      expect(failures).to.deep.equal([`${REDIS_ERR_TIMEOUT} Timeout @${a.addr}`]);
      expect(a.commands()).to.deep.equal(['A#1 CLUSTER SLOTS']);
      expect(b.wire(true)).to.deep.equal(['B#1 connect@302', 'B#1 CLUSTER SLOTS@303']);
      const reply = acc.send('GET', 'foo');
      await runTo(310);
      expect(await reply).to.equal('v');
    });

    it('commandTimeout 1000 and one silent seed (the issue): one attempt, rejected at the command timeout, not nine', async () => {
      const [a] = nodes(SILENT) as [SimNode];
      const acc = client([a], { commandTimeout: 1000 });
      const done = settledAs(acc.connect());
      await runTo(999);
      expect(done.state).to.equal('pending');
      await runTo(1000);
      expect(done.state).to.equal(`rejected ${REDIS_ERR_TIMEOUT} Timeout @${a.addr}`);
      await runTo(20_000);
      expect(a.wire(true)).to.deep.equal(['A#1 connect@1', 'A#1 CLUSTER SLOTS@2', 'A#1 close@1001']);
    });

    it('the update timeout counts from the open link: a seed that never accepts fails with its connect timeout', async () => {
      const [a] = nodes(SILENT) as [SimNode];
      a.accepting = false;
      const acc = client([a], { updateTimeout: 100, connectTimeout: 200 });
      const done = settledAs(acc.connect());
      await runTo(199);
      expect(done.state).to.equal('pending');
      await runTo(200);
      expect(done.state).to.equal(`rejected ${REDIS_ERR_TIMEOUT} Timeout @${a.addr}`);
    });

    it('on a link commands wait on, a timed-out update leaves the link to them: their late replies still come', async () => {
      const [a] = nodes((argv, link) => {
        if (argv[0] === 'CLUSTER') return slots([0, 16383, a!]);
        link.sendLate(8000, 'slow'); // later replies queue behind it
        return undefined;
      }) as [SimNode];
      const acc = client([a], { updateTimeout: 300 });
      const connected = settledAs(acc.connect());
      await runTo(10);
      expect(connected.state).to.equal('resolved');
      const outcomes = new Outcomes();
      acc.command(outcomes.callback, 'slow', 'GET foo');
      const again = settledAs(acc.connect()); // its CLUSTER SLOTS waits behind GET foo's reply
      await runTo(310);
      expect(again.state).to.equal(`rejected ${REDIS_ERR_TIMEOUT} Timeout @${a.addr}`);
      await runTo(8100);
      expect(outcomes.list.map((o) => [o.privdata, o.reply, o.err])).to.deep.equal([['slow', 'slow', 0]]);
      expect(a.wire().filter((e) => e.endsWith('close'))).to.deep.equal([]);
      expect(acc.version).to.equal(1); // the late map is not applied
    });

    it('updateTimeout 0: no bound, as hiredis — connect() waits until free()', async () => {
      const [a] = nodes(SILENT) as [SimNode];
      const acc = client([a], { updateTimeout: 0 });
      const done = settledAs(acc.connect());
      await runTo(10);
      net.loop.advance(600_000);
      await settled();
      expect(done.state).to.equal('pending');
      acc.free();
      await settled();
      expect(done.state).to.equal(`rejected ${REDIS_ERR_OTHER} context freed @undefined`);
    });
  });
}

describe("updateTimeout on the simulated network, the blocking face's worker (connect on temporary links)", () => {
  /** A worker host over nodes 127.0.0.1:7000, 7001, ...; `connect()` runs OP_CONNECT to the end. */
  function worker(options: Omit<ClusterOptions, 'nodes'>, ...handlers: Handler[]) {
    const net = new SimNetwork({ latency: 1 });
    const nodes = handlers.map((handler, i) => net.node(`127.0.0.1:${7000 + i}`, handler));
    const channel = new MemoryChannel();
    const host = new RecordingHost(
      channel,
      net.loop,
      resolveOptions({ nodes: nodes.map((n) => n.addr), ...options }),
    );
    void host.run();
    const connect = async (until: number) => {
      const answer = channel.call(OP_CONNECT);
      await settled(); // the worker takes the request at 0
      let done = false;
      void answer.then(() => {
        done = true;
      });
      while (!done && net.loop.now() < until) {
        net.loop.advance(1);
        await settled();
      }
      return { answer: await answer, at: net.loop.now() };
    };
    return { net, nodes, connect };
  }

  it('a silent first seed is given up at updateTimeout, its temporary link closed; the second answers', async () => {
    const { net, nodes, connect } = worker({ updateTimeout: 300 }, SILENT, (argv) =>
      argv[0] === 'CLUSTER' ? slots([0, 16383, nodes[1]!]) : undefined,
    );
    const [a, b] = nodes as [SimNode, SimNode];
    const { answer, at } = await connect(10_000);
    expect([answer.status, at]).to.deep.equal([STATUS_OK, 304]);
    net.loop.advance(10);
    expect(a.wire(true)).to.deep.equal(['A#1 connect@1', 'A#1 CLUSTER SLOTS@2', 'A#1 close@302']);
    expect(b.wire(true)).to.deep.equal(['B#1 connect@302', 'B#1 CLUSTER SLOTS@303', 'B#1 close@305']);
  });

  it("one silent seed: connect fails with 'Timeout' naming it, at updateTimeout", async () => {
    const { nodes, connect } = worker({ updateTimeout: 300 }, SILENT);
    const { answer, at } = await connect(10_000);
    expect(answer.status).to.equal(STATUS_ERROR);
    const err = readFailure(answer.area.subarray(0, answer.length));
    expect([err.code, err.message, err.address, at]).to.deep.equal([
      REDIS_ERR_TIMEOUT,
      'Timeout',
      nodes[0]!.addr,
      301,
    ]);
  });

  it("a seed that never accepts: the sync API's 'Connection timed out' at the connect timeout", async () => {
    const { nodes, connect } = worker({ updateTimeout: 100, connectTimeout: 200 }, SILENT);
    nodes[0]!.accepting = false;
    const { answer, at } = await connect(10_000);
    const err = readFailure(answer.area.subarray(0, answer.length));
    expect([err.code, err.message, err.address, at]).to.deep.equal([
      REDIS_ERR_IO,
      'Connection timed out',
      nodes[0]!.addr,
      200,
    ]);
  });
});

describe('updateTimeout on loopback sockets: a listener that accepts and reads but never answers', () => {
  let silent: SilentNode;
  const closing: (() => void)[] = [];

  beforeEach(async () => {
    silent = await silentNode();
  });

  afterEach(async () => {
    for (const close of closing.splice(0)) close();
    await silent.close();
  });

  /** Lets the listener read what the client sent while this thread was busy. */
  async function seen(): Promise<[number, readonly string[]]> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return [silent.connections, silent.commands];
  }

  const asyncCases: [what: string, options: Omit<ClusterOptions, 'nodes'>, within: [number, number]][] = [
    [
      "async connect() rejects with 'Timeout' naming the node within the update timeout",
      { updateTimeout: 300 },
      [290, 1300],
    ],
    [
      'the issue: commandTimeout 1000 and one silent seed — one attempt, rejected after about a second, not nine',
      { commandTimeout: 1000 },
      [990, 2500],
    ],
  ];
  for (const [what, options, within] of asyncCases) {
    it(what, async () => {
      const acc = new AsyncClusterContext({ nodes: silent.addr, ...options });
      closing.push(() => acc.free());
      const started = performance.now();
      const err = (await rejectionOf(acc.connect())) as ClusterError;
      const ms = performance.now() - started;
      expect([err.code, err.message, err.address]).to.deep.equal([REDIS_ERR_TIMEOUT, 'Timeout', silent.addr]);
      expect(ms).to.be.within(...within);
      expect(await seen()).to.deep.equal([1, ['CLUSTER SLOTS']]);
    });
  }

  it("the blocking face's connect() (in its worker) throws 'Timeout' naming the node within the update timeout", async () => {
    const cc = new BlockingClusterContext({ nodes: silent.addr, updateTimeout: 300 });
    closing.push(() => cc.close());
    const started = performance.now();
    let err: unknown = null;
    try {
      cc.connect();
    } catch (e) {
      err = e;
    }
    const ms = performance.now() - started;
    expect(err).to.be.instanceOf(ClusterError);
    const { code, message, address } = err as ClusterError;
    expect([code, message, address, cc.err, cc.errstr]).to.deep.equal([
      REDIS_ERR_TIMEOUT,
      'Timeout',
      silent.addr,
      REDIS_ERR_TIMEOUT,
      'Timeout',
    ]);
    expect(ms).to.be.within(290, 1300);
    expect(await seen()).to.deep.equal([1, ['CLUSTER SLOTS']]);
  });

  it("the blocking face's connect() moves on from a silent first seed to one that answers (child process)", async () => {
    const conv = new Conversation({ timeoutMs: 10_000 });
    closing.push(() => void conv.close());
    const a = await conv.node();
    const b = await conv.node();
    const SLOTS = ['CLUSTER', 'SLOTS'];
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.stall(),
      a.expectClose(),
      b.expectConnect(),
      b.expectCommand(SLOTS),
      b.send(slots([0, 16383, b])),
      b.expectClose(),
      b.expectConnect(),
      b.expectCommand(['GET', 'foo']),
      b.send('bar'),
      b.expectClose(), // close()
    );
    const script = fileURLToPath(new URL('../support/blocking-scripts/run-commands.js', import.meta.url));
    const options = { nodes: `${a.addr},${b.addr}`, updateTimeout: 300 };
    const run = runScript(script, [JSON.stringify({ options, commands: [['GET', 'foo']] })], {
      timeoutMs: 10_000,
    });
    await conv.done();
    const result = await run;
    expect([result.stderr, result.code]).to.deep.equal(['', 0]);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).to.deep.equal([{ reply: 'connected' }, { reply: 'bar' }]);
  });
});
