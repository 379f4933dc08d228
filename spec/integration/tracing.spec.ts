/**
 * Tracing on diagnostics_channel, on the plain cluster: a subscriber to `hircluster:command` sees one
 * start/end pair per command with its node and slot (and, on the async face, asyncStart/asyncEnd around its
 * callback), failures and error replies on `error`, `hircluster:batch`, `hircluster:connect` and
 * `hircluster:slotmap`, a redirect counted (MockCluster); and nothing is published while nobody subscribes.
 */
import dc from 'node:diagnostics_channel';
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { ClusterError, ReplyError } from '../../lib/errors.js';
import type { BatchTrace, CommandTrace, ConnectTrace, SlotmapTrace } from '../../lib/face/tracing.js';
import { MockCluster } from '../../lib/testing/index.js';
import { PLAIN } from '../support/clusters.js';

const KEY = `{trace:${process.pid}}`;
const EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;
type Event = (typeof EVENTS)[number];

/** What a subscriber saw on one TracingChannel: the event names in order, and a copy of each context. */
class Recorder<C extends object> {
  readonly seen: [Event, C][] = [];
  private readonly channel;
  private readonly handlers;

  constructor(name: string) {
    this.channel = dc.tracingChannel<unknown, C>(name);
    const on = (event: Event) => (context: C) => this.seen.push([event, { ...context }]);
    this.handlers = {
      start: on('start'),
      end: on('end'),
      asyncStart: on('asyncStart'),
      asyncEnd: on('asyncEnd'),
      error: on('error'),
    };
    this.channel.subscribe(this.handlers);
  }

  get events(): Event[] {
    return this.seen.map(([event]) => event);
  }

  /** The context as the last event left it. */
  get last(): C {
    return this.seen[this.seen.length - 1]![1];
  }

  clear(): void {
    this.seen.length = 0;
  }

  close(): void {
    this.channel.unsubscribe(this.handlers);
  }
}

/** `host:port` of the key's primary, by the context's own slot map. */
function ownerOf(context: AsyncClusterContext | BlockingClusterContext, key: string): string {
  const node = context.nodeForKey(key)!;
  return `${node.host}:${node.port}`;
}

describe('tracing: hircluster:* diagnostics channels (plain cluster)', function () {
  this.timeout(20_000);
  let commands: Recorder<CommandTrace>;

  beforeEach(() => {
    commands = new Recorder('hircluster:command');
  });
  afterEach(() => commands.close());

  describe('async face', () => {
    let acc: AsyncClusterContext;
    beforeEach(async () => {
      acc = new AsyncClusterContext({ nodes: PLAIN[0]! });
      await acc.connect();
      commands.clear();
    });
    afterEach(() => acc.disconnect());

    it('send: one start/end pair, then asyncStart/asyncEnd with node, slot, retries and redirects', async () => {
      await acc.send('SET', `${KEY}:a`, 'secret-value');
      expect(commands.events).to.deep.equal(['start', 'end', 'asyncStart', 'asyncEnd']);
      const [, start] = commands.seen[0]!;
      expect(start).to.deep.equal({ command: 'SET', face: 'async', slot: acc.slotForKey(`${KEY}:a`) });
      expect(commands.last).to.deep.include({
        command: 'SET',
        slot: acc.slotForKey(`${KEY}:a`),
        node: ownerOf(acc, `${KEY}:a`),
        retries: 0,
        redirects: 0,
        result: 'OK',
      });
      expect(JSON.stringify(commands.seen)).not.to.include('secret-value');
    });

    it('a typed method and a hiredis-style callback are traced the same way, one pair each', async () => {
      await acc.get(`${KEY}:a`);
      // The callback gets its own privdata, null included, not the tracing's.
      const privdata = await new Promise<unknown>((resolve) => {
        acc.command((_acc, _reply, p) => resolve(p), null, 'GET %s', `${KEY}:a`);
      });
      expect(privdata).to.equal(null);
      expect(commands.events).to.deep.equal([
        ...['start', 'end', 'asyncStart', 'asyncEnd'],
        ...['start', 'end', 'asyncStart', 'asyncEnd'],
      ]);
      for (const [, context] of commands.seen) expect(context.command).to.equal('GET');
      expect(commands.last.node).to.equal(ownerOf(acc, `${KEY}:a`));
    });

    it('an error reply and a failure are published on error', async () => {
      await acc.send('SET', `${KEY}:s`, 'x');
      commands.clear();
      await acc.send('HGET', `${KEY}:s`, 'f').catch(() => undefined);
      expect(commands.events).to.deep.equal(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
      expect(commands.seen[2]![1].error).to.be.instanceOf(ReplyError);
      commands.clear();
      // Port 1 on loopback: refused at once, a link failure reported by the node it names.
      await acc.sendToNode('127.0.0.1:1', 'PING').catch(() => undefined);
      expect(commands.events).to.deep.equal(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
      expect(commands.last.error).to.be.instanceOf(ClusterError);
      expect(commands.last).to.deep.include({ command: 'PING', slot: -1, node: '127.0.0.1:1' });
    });

    it('batch: a hircluster:batch span around one command span per command', async () => {
      const batches = new Recorder<BatchTrace>('hircluster:batch');
      try {
        await acc.batch([
          ['GET', `${KEY}:a`],
          ['GET', 'other-slot'],
        ]);
        expect(batches.events).to.deep.equal(['start', 'end', 'asyncStart', 'asyncEnd']);
        expect(batches.last).to.deep.include({ face: 'async', size: 2 });
        expect(commands.events.filter((e) => e === 'start')).to.have.length(2);
        expect(commands.events.filter((e) => e === 'asyncEnd')).to.have.length(2);
      } finally {
        batches.close();
      }
    });

    it('connect: a hircluster:connect span, and the new map on hircluster:slotmap', async () => {
      const connects = new Recorder<ConnectTrace>('hircluster:connect');
      const maps: SlotmapTrace[] = [];
      const onMap = (message: unknown) => maps.push(message as SlotmapTrace);
      dc.subscribe('hircluster:slotmap', onMap);
      const fresh = new AsyncClusterContext({ nodes: PLAIN[0]! });
      try {
        await fresh.connect();
        expect(connects.events).to.deep.equal(['start', 'end', 'asyncStart', 'asyncEnd']);
        expect(connects.last).to.deep.include({ face: 'async', nodes: [PLAIN[0]!] });
        expect(maps).to.deep.equal([{ face: 'async', version: 1, nodes: 3 }]);
      } finally {
        fresh.disconnect();
        connects.close();
        dc.unsubscribe('hircluster:slotmap', onMap);
      }
    });
  });

  describe('blocking face (published on the caller’s thread)', () => {
    let cc: BlockingClusterContext;
    before(() => {
      cc = new BlockingClusterContext({ nodes: PLAIN[0]! });
      cc.connect();
    });
    after(() => cc.close());

    it('send and typed methods: one start/end pair each, with node and slot', () => {
      cc.send('SET', `${KEY}:b`, 'secret-value');
      cc.get(`${KEY}:b`);
      cc.command('GET %s', `${KEY}:b`);
      expect(commands.events).to.deep.equal(['start', 'end', 'start', 'end', 'start', 'end']);
      expect(commands.last).to.deep.equal({
        command: 'GET',
        face: 'blocking',
        slot: cc.slotForKey(`${KEY}:b`),
        node: ownerOf(cc, `${KEY}:b`),
        result: 'secret-value',
      });
      expect(JSON.stringify(commands.seen[1])).not.to.include('secret-value');
    });

    it('an error reply (thrown or as a value) is published on error', () => {
      cc.send('SET', `${KEY}:s`, 'x');
      commands.clear();
      expect(() => cc.send('HGET', `${KEY}:s`, 'f')).to.throw(ReplyError);
      cc.command('HGET %s f', `${KEY}:s`);
      expect(commands.events).to.deep.equal(['start', 'error', 'end', 'start', 'error', 'end']);
      expect(commands.last.error).to.be.instanceOf(ReplyError);
    });

    it('batch: one hircluster:batch span', () => {
      const batches = new Recorder<BatchTrace>('hircluster:batch');
      try {
        cc.batch([
          ['GET', `${KEY}:b`],
          ['GET', 'other-slot'],
        ]);
        expect(batches.events).to.deep.equal(['start', 'end']);
        expect(batches.last).to.deep.include({ face: 'blocking', size: 2 });
      } finally {
        batches.close();
      }
    });
  });

  describe('a redirect (MockCluster)', () => {
    it('the async face counts it: node is the new owner, redirects and retries 1', async () => {
      const cluster = await MockCluster.start({ primaries: 3 });
      const acc = new AsyncClusterContext({ nodes: cluster.addresses });
      try {
        await acc.connect();
        const slot = keySlot('moving');
        const to = cluster.primaries.find((p) => p.id !== cluster.nodeForSlot(slot).id)!;
        await cluster.migrateSlot(slot, to);
        commands.clear();
        await acc.send('GET', 'moving');
        expect(commands.events).to.deep.equal(['start', 'end', 'asyncStart', 'asyncEnd']);
        expect(commands.last).to.deep.include({ slot, node: to.address, retries: 1, redirects: 1 });
      } finally {
        acc.disconnect();
        await cluster.stop();
      }
    });
  });

  describe('without subscribers', () => {
    const names = [
      ...['command', 'batch', 'connect'].flatMap((n) => EVENTS.map((e) => `tracing:hircluster:${n}:${e}`)),
      'hircluster:slotmap',
    ];

    it('publishes nothing on either face', async () => {
      commands.close();
      const published: string[] = [];
      const channels = names.map((name) => dc.channel(name));
      const originals = channels.map((channel) => channel.publish);
      channels.forEach((channel, i) => {
        channel.publish = (message: unknown) => {
          published.push(names[i]!);
          originals[i]!.call(channel, message);
        };
      });
      try {
        expect(dc.tracingChannel('hircluster:command').hasSubscribers).to.equal(false);
        const acc = new AsyncClusterContext({ nodes: PLAIN[0]! });
        await acc.connect();
        await acc.send('SET', `${KEY}:c`, '1');
        await acc.get(`${KEY}:c`);
        await acc.batch([['GET', `${KEY}:c`]]);
        await acc.send('DBSIZE');
        acc.disconnect();
        const cc = new BlockingClusterContext({ nodes: PLAIN[0]! });
        cc.connect();
        cc.get(`${KEY}:c`);
        cc.batch([['GET', `${KEY}:c`]]);
        cc.close();
        expect(published).to.deep.equal([]);
      } finally {
        channels.forEach((channel, i) => {
          channel.publish = originals[i]!;
        });
        commands = new Recorder('hircluster:command');
      }
    });
  });
});
