/**
 * failoverWait, retryWrites and refreshInterval on both faces against MockCluster: commands held while a
 * primary is down and resent to its promoted replica (not counted against maxRetry), CLUSTERDOWN ridden
 * through, a wait that runs out failing with the last error, the written write that fails saying it may
 * have run (or is resent with retryWrites), and topology changes learned without traffic.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { ClusterError, MAY_HAVE_BEEN_APPLIED, REDIS_ERR_CLUSTER_TOO_MANY_RETRIES } from '../../lib/errors.js';
import type { FailoverWaitInfo, FailoverWaitStart, RefreshReason } from '../../lib/events.js';
import { MockCluster, type MockNodeInfo, mockError } from '../../lib/testing/index.js';
import { sleep } from '../support/async-helpers.js';
import { type Face, type FaceOptions, faces, failure, OpenFaces, until } from '../support/mock-faces.js';
import { keyOn } from '../support/mock-helpers.js';

for (const { name, make } of faces) {
  describe(`mock: failoverWait and refreshInterval on ${name}`, function () {
    this.timeout(20_000);
    let cluster: MockCluster;
    let p0: MockNodeInfo;
    let r0: MockNodeInfo;
    let k0: string;
    let k1: string;
    const opened = new OpenFaces(make);
    const face = (options: FaceOptions) => opened.connected(cluster, options);
    const waits = (f: Face) => {
      const seen: FailoverWaitInfo[] = [];
      f.on('failover-wait', (info) => seen.push(info));
      return seen;
    };

    beforeEach(async () => {
      cluster = await MockCluster.start({ primaries: 3, replicasPerPrimary: 1 });
      [p0] = cluster.primaries as [MockNodeInfo];
      [r0] = cluster.replicasOf(p0) as [MockNodeInfo];
      k0 = keyOn(cluster, p0, 'k0');
      k1 = keyOn(cluster, cluster.primaries[1]!, 'k1');
    });
    afterEach(async () => {
      opened.closeAll();
      await cluster.stop();
    });

    it('a read and an unwritten write to a dead primary wait for its promoted replica, retries not counted', async () => {
      const f = await face({ failoverWait: 5000, maxRetry: 1 });
      const seen = waits(f);
      expect(await f.send('SET', k0, 'before')).to.equal('OK');
      await cluster.drop(p0);
      await cluster.failover(p0);
      // The context's map still names p0: both commands meet a refused connect, then the new owner.
      expect(await f.send('GET', k0)).to.equal('before');
      expect(await f.send('INCR', `{${k0}}n`)).to.equal(1);
      expect(f.nodeForKey(k0)?.addr).to.equal(r0.address);
      await sleep(700); // the episode ends at the hold's next round
      expect(await f.send('GET', k1)).to.equal(null); // the blocking face hears events with an answer
      expect(seen.map((info) => info.phase)).to.deep.equal(['start', 'end']);
      const [start, end] = seen as [FailoverWaitStart, FailoverWaitInfo];
      expect(start.address).to.equal(p0.address);
      expect(start.slot).to.equal(keySlot(k0));
      expect(start.error.address).to.equal(p0.address);
      expect(end).to.deep.include({ phase: 'end', address: p0.address, held: 1, expired: 0 });
    });

    it('CLUSTERDOWN is waited out rather than retried (maxRetry 1)', async () => {
      const f = await face({ failoverWait: 5000, maxRetry: 1 });
      const down = Array(3).fill(mockError('CLUSTERDOWN The cluster is down'));
      await cluster.replyNext(down, { command: 'GET' });
      expect(await f.send('GET', k0)).to.equal(null);
      // Without failoverWait the same replies spend the retry budget.
      const plain = await face({ maxRetry: 1 });
      await cluster.replyNext(down, { command: 'GET' });
      const err = await failure(plain.send('GET', k0));
      expect(err.code).to.equal(REDIS_ERR_CLUSTER_TOO_MANY_RETRIES);
    });

    it('a wait that runs out fails with the last error, about the node', async () => {
      const f = await face({ failoverWait: 300 });
      const seen = waits(f);
      await cluster.drop(p0);
      const began = performance.now();
      const err = await failure(f.send('GET', k0));
      const waited = performance.now() - began;
      expect(err.address).to.equal(p0.address);
      expect(err.message).to.match(/refused/i);
      expect(waited).to.be.within(290, 1500);
      await sleep(600);
      expect(await f.send('GET', k1)).to.equal(null);
      expect(seen.at(-1)).to.deep.include({ phase: 'end', address: p0.address, held: 1, expired: 1 });
    });

    it('refreshInterval: a failover and a slot migration are learned with no command to those slots', async () => {
      const f = await face({ refreshInterval: 200 });
      const reasons: RefreshReason[] = [];
      f.on('refresh', (reason) => reasons.push(reason));
      await cluster.failover(p0);
      await cluster.migrateSlot(keySlot(k1), cluster.primaries[2]!);
      await sleep(700);
      // Another shard's command: the blocking face hears the worker's events with its answer.
      expect(await f.send('GET', keyOn(cluster, cluster.primaries[2]!, 'other'))).to.equal(null);
      await until(() => f.nodeForKey(k0)?.addr === r0.address, 'the promoted replica');
      expect(f.nodeForKey(k1)?.addr).to.equal(cluster.primaries[2]!.address);
      expect(reasons.length).to.be.at.least(2);
      expect(new Set(reasons)).to.deep.equal(new Set(['interval']));
    });
  });
}

describe('mock: failoverWait with commands on the wire (async face)', function () {
  this.timeout(20_000);
  let cluster: MockCluster;
  let p0: MockNodeInfo;
  let k0: string;
  let acc: AsyncClusterContext;

  beforeEach(async () => {
    cluster = await MockCluster.start({ primaries: 3, replicasPerPrimary: 1 });
    [p0] = cluster.primaries as [MockNodeInfo];
    k0 = keyOn(cluster, p0, 'k0');
  });
  afterEach(async () => {
    acc?.free();
    await cluster.stop();
  });

  /** A SET and a GET written to a stalled p0, whose links then close as it fails over. */
  async function writtenThenDropped(options: { retryWrites?: boolean }) {
    acc = new AsyncClusterContext({ nodes: cluster.addresses, failoverWait: 5000, ...options });
    await acc.connect();
    await acc.send('SET', k0, 'old');
    await cluster.stall(p0);
    const set = acc.send('SET', k0, 'new').then(
      (reply) => reply,
      (err: ClusterError) => err,
    );
    const get = acc.send('GET', k0);
    await sleep(50);
    await cluster.drop(p0);
    await cluster.failover(p0);
    return { set: await set, get: await get };
  }

  it('the written write fails saying it may have been applied; the written read is resent', async () => {
    const { set, get } = await writtenThenDropped({});
    expect(set).to.be.instanceOf(ClusterError);
    expect((set as ClusterError).message).to.match(/ \(the command was sent and may have been applied\)$/);
    expect((set as ClusterError).message.endsWith(MAY_HAVE_BEEN_APPLIED)).to.equal(true);
    expect((set as ClusterError).address).to.equal(p0.address);
    // The stalled node never ran it: the promoted replica still has the old value.
    expect(get).to.equal('old');
  });

  it('retryWrites resends the written write too', async () => {
    const { set, get } = await writtenThenDropped({ retryWrites: true });
    expect(set).to.equal('OK');
    expect(get).to.be.oneOf(['old', 'new']);
    expect(await acc.send('GET', k0)).to.equal('new');
  });

  it('commands wait while the primary is down and go as soon as its replica is promoted', async () => {
    acc = new AsyncClusterContext({ nodes: cluster.addresses, failoverWait: 5000 });
    await acc.connect();
    await acc.send('GET', k0);
    let closed = false;
    acc.on('disconnect', (link) => {
      closed ||= `${link.host}:${link.port}` === p0.address;
    });
    await cluster.drop(p0);
    // Sent on the closed link before its close is read, a write may have run: wait for the close.
    await until(() => closed, "p0's link to close");
    const began = performance.now();
    const sent = [acc.send('SET', k0, 'v'), acc.send('GET', `{${k0}}x`)];
    await sleep(300);
    await cluster.failover(p0);
    expect(await Promise.all(sent)).to.deep.equal(['OK', null]);
    // Answered within the hold's longest pause (500 ms) after the promotion.
    expect(performance.now() - began).to.be.within(300, 300 + 900);
  });

  it('a node link that closes unasked starts a refresh (refreshInterval on)', async () => {
    acc = new AsyncClusterContext({ nodes: cluster.addresses, refreshInterval: 60_000 });
    await acc.connect();
    await acc.send('GET', k0);
    const reasons: RefreshReason[] = [];
    acc.on('refresh', (reason) => reasons.push(reason));
    await sleep(1000); // past the update throttle of the connect
    await cluster.closeLinks(p0);
    await until(() => reasons.length > 0, 'a refresh');
    expect(reasons).to.deep.equal(['link-closed']);
  });
});
