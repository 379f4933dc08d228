/**
 * Calls before the first slot map (MockCluster): the async face's JavaScript-native calls wait in the offline
 * queue and get their replies in order once connect() installs a map; the queue's bounds (count, time), its
 * failure on connect() failure, disconnect() and free(); the option's checks; the hiredis-named calls'
 * refusal; and the blocking face's JavaScript calls, which connect by themselves.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { ClusterError } from '../../lib/errors.js';
import { MockCluster } from '../../lib/testing/index.js';

/** The rejection of `promise`, or null when it resolves. */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => null,
    (err: unknown) => err,
  );

describe('offline queue: calls before the first slot map (MockCluster)', function () {
  this.timeout(20_000);
  let cluster: MockCluster;
  let acc: AsyncClusterContext | null = null;

  before(async () => {
    cluster = await MockCluster.start({ primaries: 3 });
  });
  after(async () => {
    await cluster.stop();
  });
  afterEach(() => {
    acc?.free();
    acc = null;
  });

  const open = (offlineQueue?: { max?: number; timeoutMs?: number }) => {
    acc = new AsyncClusterContext({ nodes: cluster.addresses, ...(offlineQueue ? { offlineQueue } : {}) });
    return acc;
  };

  it('send, typed methods, batch, sendTo made before connect() resolves get their replies in order', async () => {
    const a = open();
    const order: number[] = [];
    const track = <T>(n: number, p: Promise<T>) =>
      p.then((v) => {
        order.push(n);
        return v;
      });
    const first = track(1, a.send('SET', 'oq:{x}', '1'));
    const connected = a.connect();
    const calls = [
      first,
      track(2, a.incr('oq:{x}')),
      track(
        3,
        a.batch([
          ['INCR', 'oq:{x}'],
          ['SET', 'oq:{y}', 'y'],
        ]),
      ),
      track(4, a.sendTo({ key: 'oq:{x}' }, 'GET', 'oq:{x}')),
      track(5, a.send('DBSIZE')),
    ];
    await connected;
    expect(await Promise.all(calls)).to.deep.equal(['OK', 2, [3, 'OK'], '3', 2]);
    expect(order).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('calls made before connect() was called wait for it and do not connect by themselves', async () => {
    const a = open();
    let ready = false;
    a.on('ready', () => {
      ready = true;
    });
    const waiting = a.send('SET', 'oq:early', 'v');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ready).to.equal(false);
    expect(a.links().some((node) => node.command)).to.equal(false);
    await a.connect();
    expect(await waiting).to.equal('OK');
  });

  it('past `max` a call fails at once; past `timeoutMs` a waiting call fails', async () => {
    const a = open({ max: 2, timeoutMs: 50 });
    const waiting = [rejection(a.send('PING')), rejection(a.get('k'))];
    const full = await rejection(a.send('GET', 'k'));
    expect(full).to.be.instanceOf(ClusterError);
    expect((full as Error).message).to.equal(
      'slotmap not available (offline queue full: offlineQueue.max 2)',
    );
    expect((full as ClusterError).errorCode).to.equal('ERR_HIRCLUSTER_NO_SLOTMAP');
    const timedOut = await Promise.all(waiting);
    for (const err of timedOut) {
      expect(err).to.be.instanceOf(ClusterError);
      expect((err as Error).message).to.equal('slotmap not available within offlineQueue.timeoutMs (50 ms)');
      expect((err as ClusterError).errorCode).to.equal('ERR_HIRCLUSTER_NO_SLOTMAP');
    }
    await a.connect();
    expect(await a.send('PING')).to.equal('PONG');
  });

  it('free() and disconnect() fail the waiting calls', async () => {
    const a = open();
    const freed = rejection(a.send('GET', 'k'));
    a.free();
    expect(((await freed) as Error).message).to.equal('context freed');
    const b = open();
    const closing = rejection(b.send('GET', 'k'));
    b.disconnect();
    expect(((await closing) as Error).message).to.equal('client closing');
    // After disconnect(), calls are refused at once, as before the queue.
    expect(((await rejection(b.send('GET', 'k'))) as Error).message).to.equal('client closing');
  });

  it("a failed connect() fails the waiting calls with connect()'s error", async () => {
    acc = new AsyncClusterContext({ nodes: '127.0.0.1:1', connectTimeout: 500 });
    const waiting = rejection(acc.send('GET', 'k'));
    const connectErr = await rejection(acc.connect());
    expect(connectErr).to.be.instanceOf(ClusterError);
    expect(await waiting).to.equal(connectErr);
  });

  it('`max: 0` turns it off; the hiredis-named calls keep their refusal', async () => {
    const off = open({ max: 0 });
    expect(((await rejection(off.send('GET', 'k'))) as Error).message).to.equal('slotmap not available');
    const a = open();
    expect(a.commandArgv(null, null, ['GET', 'k'])).to.equal(false);
    expect(a.errstr).to.equal('slotmap not available');
    off.free();
  });

  it("the option's values are checked", () => {
    const bad: [unknown, string][] = [
      [5, "Invalid option 'offlineQueue': must be { max, timeoutMs }, got 5"],
      [{ max: -1 }, "Invalid option 'offlineQueue.max': must be an integer 0..1000000, got -1"],
      [{ timeoutMs: 0 }, "Invalid option 'offlineQueue.timeoutMs': must be an integer 1..3600000, got 0"],
      [{ size: 1 }, "Unknown option 'offlineQueue.size'"],
    ];
    for (const [offlineQueue, message] of bad) {
      expect(
        () => new AsyncClusterContext({ nodes: cluster.addresses, offlineQueue } as never),
        message,
      ).to.throw(ClusterError, message);
    }
    expect(
      () => new BlockingClusterContext({ nodes: cluster.addresses, offlineQueue: {} } as never),
    ).to.throw("Unknown option 'offlineQueue' (not for the blocking context)");
  });

  it("the blocking face's JavaScript calls connect by themselves; the hiredis-named ones refuse", () => {
    const cc = new BlockingClusterContext({ nodes: cluster.addresses });
    try {
      expect(() => cc.commandArgv(['GET', 'k'])).to.throw('slotmap not available');
      expect(cc.send('SET', 'oq:sync', 'v')).to.equal('OK');
      expect(cc.get('oq:sync')).to.equal('v');
    } finally {
      cc.close();
    }
  });
});
