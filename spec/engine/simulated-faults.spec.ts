/**
 * AsyncClusterContext on the simulated network (spec/support/sim-network.ts), for the faults where
 * timing matters: connect and command timeouts, retry backoff, delays, replies cut at any byte,
 * resets, half-closed and black-holed links. The clock is virtual, so every deadline is checked to
 * the millisecond and nothing waits in real time. Each timing spec runs twice: on the ManualLoop
 * (one deadline timer per link) and on a TimerWheel over it (one wheel timer per command).
 */
import { expect } from 'chai';
import type { EventLoopAdapter } from '../../adapters/adapter.js';
import { TimerWheel } from '../../adapters/timer-wheel.js';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import {
  REDIS_ERR_EOF,
  REDIS_ERR_IO,
  REDIS_ERR_OTHER,
  REDIS_ERR_TIMEOUT,
  ReplyError,
} from '../../lib/errors.js';
import type { ClusterOptions } from '../../lib/options.js';
import { Outcomes, settled, watch } from '../support/async-helpers.js';
import { encodeResp, error, type RespValue, status } from '../support/resp-values.js';
import { type Handler, SimNetwork, type SimNetworkOptions, type SimNode } from '../support/sim-network.js';

/** A CLUSTER SLOTS reply: [start, end, [host, port, id]] per range. */
function slots(...ranges: [number, number, SimNode][]): RespValue {
  return ranges.map(([start, end, node]) => [start, end, [node.host, node.port, `id-${node.name}`]]);
}

type Options = Omit<ClusterOptions, 'nodes' | 'adapter'>;

const ADAPTERS: [string, (net: SimNetwork) => EventLoopAdapter][] = [
  ['ManualLoop: one deadline timer per link', (net) => net.loop],
  ['TimerWheel over the ManualLoop: one wheel timer per command', (net) => new TimerWheel(net.loop)],
];

for (const [name, adapterOf] of ADAPTERS) {
  describe(`engine on the simulated network, ${name}`, () => {
    let net: SimNetwork;
    let outcomes: Outcomes;
    const contexts: AsyncClusterContext[] = [];

    afterEach(() => {
      for (const acc of contexts.splice(0)) acc.free();
    });

    /** A network; `node(handler)` adds nodes at 127.0.0.1:7000, 7001, ... */
    function network(options: SimNetworkOptions = {}) {
      net = new SimNetwork({ latency: 1, ...options });
      outcomes = new Outcomes();
      let port = 7000;
      return (handler: Handler) => net.node(`127.0.0.1:${port++}`, handler);
    }

    function client(seed: SimNode, options: Options = {}): AsyncClusterContext {
      const acc = new AsyncClusterContext({
        nodes: seed.addr,
        adapter: adapterOf(net),
        random: () => 0,
        ...options,
      });
      contexts.push(acc);
      return acc;
    }

    /** connect(), with the virtual time it takes. */
    async function connected(acc: AsyncClusterContext): Promise<void> {
      const done = watch(acc.connect());
      net.loop.advance(10);
      await settled();
      expect(done.state).to.equal('resolved');
    }

    /** A handler: CLUSTER SLOTS from `map()`, the rest from `rest` (undefined: no reply). */
    function serving(map: () => RespValue, rest: Handler = () => undefined): Handler {
      return (argv, link) => (argv[0] === 'CLUSTER' ? map() : rest(argv, link));
    }

    /** One node serving every slot (`rest` answers the other commands), and a client connected to it. */
    async function oneNode(options: Options = {}, rest?: Handler, net: SimNetworkOptions = {}) {
      const node = network(net);
      const a: SimNode = node(serving(() => slots([0, 16383, a]), rest));
      const acc = client(a, options);
      await connected(acc);
      return { a, acc };
    }

    /** Outcomes as [privdata, reply, err, errstr]. */
    function results() {
      return outcomes.list.map((o) => [o.privdata, o.reply, o.err, o.errstr]);
    }

    describe('timeouts', () => {
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

    describe('retry backoff', () => {
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

    describe('broken links', () => {
      it('replies cut at every byte, one offset at a time and a byte a chunk: the same replies', async () => {
        const replies: RespValue[] = [
          'bar',
          [`x`, null],
          42,
          status('PONG'),
          error('ERR no such thing'),
          null,
        ];
        const bytes = Buffer.concat(replies.map(encodeResp));
        const expected = [
          ['get', 'bar', 0, ''],
          ['mget', ['x', null], 0, ''],
          ['incr', 42, 0, ''],
          ['ping', 'PONG', 0, ''],
          ['err', 'ReplyError ERR no such thing', 0, ''],
          ['nil', null, 0, ''],
        ];
        const cuts: (number[] | 'bytes')[] = [
          ...Array.from({ length: bytes.length - 1 }, (_, i) => [i + 1]),
          'bytes',
        ];
        for (const cut of cuts) {
          const { a, acc } = await oneNode();
          acc.command(outcomes.callback, 'get', 'GET {t}a');
          acc.command(outcomes.callback, 'mget', 'MGET {t}b {t}c');
          acc.command(outcomes.callback, 'incr', 'INCR {t}n');
          acc.command(outcomes.callback, 'ping', 'GET {t}p');
          acc.command(outcomes.callback, 'err', 'GET {t}e');
          acc.command(outcomes.callback, 'nil', 'GET {t}nil');
          net.loop.advance(5);
          if (cut === 'bytes') a.link!.split = 'bytes';
          a.link!.sendRaw(bytes, cut === 'bytes' ? undefined : cut);
          net.loop.advance(5);
          const got = results().map(([p, reply, err, errstr]) => [
            p,
            reply instanceof ReplyError ? `ReplyError ${reply.message}` : reply,
            err,
            errstr,
          ]);
          expect(got, `cut at ${cut}`).to.deep.equal(expected);
          acc.free();
        }
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
  });
}

describe('engine on the simulated network: per-command timers on the wheel', () => {
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
