/**
 * MockCluster's fault hooks as a raw client sees them: delayed replies (still in order), a stalled node
 * that runs its backlog on resume, a dropped node that refuses connections until restored, closed
 * links, queued replies and which commands they answer, and the command history.
 */
import { expect } from 'chai';
import { ReplyError } from '../../lib/errors.js';
import { MockCluster, type MockNodeInfo, mockError, mockStatus, rawReply } from '../../lib/testing/index.js';
import { closeRawClients, rawTo } from '../support/mock-helpers.js';

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('mock: MockCluster fault hooks', function () {
  this.timeout(20_000);
  let cluster: MockCluster;
  let a: MockNodeInfo;
  let b: MockNodeInfo;

  beforeEach(async () => {
    cluster = await MockCluster.start({ primaries: 2 });
    [a, b] = cluster.primaries as [MockNodeInfo, MockNodeInfo];
  });
  afterEach(async () => {
    await closeRawClients();
    await cluster.stop();
  });

  it('delayReplies: each reply leaves the delay after its command ran, replies stay in order', async () => {
    const raw = await rawTo(a);
    await cluster.delayReplies(150, a);
    expect(cluster.node(a).delayMs).to.equal(150);
    const started = performance.now();
    const slow = raw.call(['PING', 'slow']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await cluster.delayReplies(0, a);
    const fast = raw.call(['PING', 'fast']);
    const order: string[] = [];
    await Promise.all([slow.then((r) => order.push(r as string)), fast.then((r) => order.push(r as string))]);
    expect(order).to.deep.equal(['slow', 'fast']);
    expect(performance.now() - started).to.be.at.least(150);
    expect(await (await rawTo(b)).call(['PING'])).to.equal('PONG');
  });

  it('stall: commands wait unanswered (and unrun) until resume, then run in order', async () => {
    const raw = await rawTo(a);
    await cluster.stall(a);
    expect(cluster.node(a).stalled).to.equal(true);
    const set = raw.call(['SET', '{b}', 'during-stall']);
    const get = raw.call(['GET', '{b}']);
    expect(await settlesWithin(set, 100)).to.equal(false);
    expect((await cluster.takeHistory()).filter((r) => r.node === a.address)).to.deep.equal([]);
    await cluster.resume(a);
    expect([await set, await get]).to.deep.equal(['OK', 'during-stall']);
    expect((await cluster.takeHistory()).map((r) => r.argv)).to.deep.equal([
      ['SET', '{b}', 'during-stall'],
      ['GET', '{b}'],
    ]);
  });

  it('drop: links close, connects are refused, the others flag it fail; restore brings it back with its data', async () => {
    const raw = await rawTo(a);
    await raw.call(['SET', '{b}', 'kept']);
    await cluster.drop(a);
    expect(cluster.node(a).dropped).to.equal(true);
    let closed: unknown = null;
    await raw.call(['PING']).catch((err: Error) => {
      closed = err;
    });
    expect(closed).to.be.instanceOf(Error);
    let refused: Error | null = null;
    await rawTo(a).catch((err: Error) => {
      refused = err;
    });
    expect((refused as (Error & { code?: string }) | null)?.code).to.equal('ECONNREFUSED');
    const nodes = (await (await rawTo(b)).call(['CLUSTER', 'NODES'])) as string;
    expect(nodes.split('\n').find((line) => line.startsWith(a.id))).to.match(
      / master,fail - 0 [0-9]+ 1 disconnected 0-8191$/,
    );
    await cluster.restore(a);
    expect(await (await rawTo(a)).call(['GET', '{b}'])).to.equal('kept');
  });

  it('closeLinks: every client connection closes, the node stays up', async () => {
    const first = await rawTo(a);
    const second = await rawTo(a);
    await rawTo(b);
    // A round trip each: the node has accepted the connection (connect() resolves on the client's side).
    for (const raw of [first, second]) expect(await raw.call(['PING'])).to.equal('PONG');
    expect(await cluster.closeLinks(a)).to.equal(2);
    for (const raw of [first, second]) {
      let closed: unknown = null;
      await raw.call(['PING']).catch((err: Error) => {
        closed = err;
      });
      expect(closed).to.be.instanceOf(Error);
    }
    expect(await (await rawTo(a)).call(['PING'])).to.equal('PONG');
  });

  it('replyNext: by default the next command with keys, on any node, each reply once, in order', async () => {
    const raw = await rawTo(b);
    await cluster.replyNext([
      mockError('TRYAGAIN Multiple keys request during rehashing of slot'),
      mockStatus('FAKE'),
    ]);
    expect(await raw.call(['PING'])).to.equal('PONG');
    expect(await raw.call(['CLUSTER', 'MYID'])).to.equal(b.id);
    expect(await raw.call(['GET', 'x'])).to.deep.equal(
      new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'),
    );
    expect(await (await rawTo(a)).call(['GET', 'y'])).to.equal('FAKE');
    expect(await raw.call(['GET', 'foo'])).to.equal(null);
  });

  it('replyNext: for one command name or subcommand, on one node; raw bytes go out as they are', async () => {
    await cluster.replyNext([[[0, 16383, ['127.0.0.1', 1]]]], { command: 'cluster slots', node: b });
    await cluster.replyNext([rawReply('$3\r\nraw\r\n')], { command: 'PING' });
    const onA = await rawTo(a);
    expect(await onA.call(['CLUSTER', 'SLOTS'])).to.have.length(2);
    const onB = await rawTo(b);
    expect(await onB.call(['CLUSTER', 'SLOTS'])).to.deep.equal([[0, 16383, ['127.0.0.1', 1]]]);
    expect(await onB.call(['CLUSTER', 'SLOTS'])).to.have.length(2);
    expect(await onA.call(['PING'])).to.equal('raw');
    await cluster.replyNext([1, 2], { command: '*' });
    expect([await onA.call(['PING']), await onB.call(['ECHO', 'e'])]).to.deep.equal([1, 2]);
  });

  it('takeHistory: the commands each node ran, oldest first, then starts over', async () => {
    await cluster.takeHistory();
    await (await rawTo(a)).call(['SET', '{b}', 'v']);
    await (await rawTo(b)).call(['GET', 'foo']);
    expect(await cluster.takeHistory()).to.deep.equal([
      { node: a.address, argv: ['SET', '{b}', 'v'] },
      { node: b.address, argv: ['GET', 'foo'] },
    ]);
    expect(await cluster.takeHistory()).to.deep.equal([]);
  });
});
