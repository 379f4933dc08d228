/**
 * `batch(commands)` on both faces against MockCluster: cross-slot commands in order, each outcome a reply or
 * an error value, and a slot that moves mid-batch (MOVED while its commands are on their way, ASK while it
 * migrates): every command still gets its reply, as a single command would.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { ClusterError, ReplyError } from '../../lib/errors.js';
import type { CommandArg } from '../../lib/resp/encode.js';
import { MockCluster } from '../../lib/testing/index.js';

/** One face's batch, awaited alike. */
type Batch = (commands: readonly (readonly CommandArg[])[]) => Promise<unknown[]>;

describe('batch(): cross-slot, in order, following redirects (MockCluster)', function () {
  this.timeout(20_000);
  let cluster: MockCluster;
  let cc: BlockingClusterContext;
  let acc: AsyncClusterContext;

  beforeEach(async () => {
    cluster = await MockCluster.start({ primaries: 3 });
    cc = new BlockingClusterContext({ nodes: cluster.addresses });
    cc.connect();
    acc = new AsyncClusterContext({ nodes: cluster.addresses });
    await acc.connect();
  });

  afterEach(async () => {
    cc.close();
    acc.free();
    await cluster.stop();
  });

  const faces: [string, () => Batch][] = [
    ['blocking', () => async (commands) => cc.batch(commands)],
    ['async', () => (commands) => acc.batch(commands)],
  ];

  for (const [name, batchOf] of faces) {
    describe(`${name} face`, () => {
      it('runs cross-slot commands and returns each outcome in order, error replies as values', async () => {
        const batch = batchOf();
        const results = await batch([
          ['SET', 'b:{a}', '1'],
          ['SET', 'b:{b}', '2'],
          ['INCR', 'b:{a}'],
          ['LPUSH', 'b:{b}', 'x'],
          ['MGET', 'b:{a}', 'b:{b}', 'b:{c}'],
          ['GET', 'b:{c}'],
        ]);
        expect(results.slice(0, 3)).to.deep.equal(['OK', 'OK', 2]);
        expect(results[3]).to.be.instanceOf(ReplyError);
        expect((results[3] as ReplyError).message).to.match(/^WRONGTYPE/);
        expect(results.slice(4)).to.deep.equal([['2', '2', null], null]);
        expect(await batch([])).to.deep.equal([]);
      });

      it('follows MOVED for the commands of a slot that moved before the batch', async () => {
        const batch = batchOf();
        const keys = Array.from({ length: 20 }, (_, i) => `mv:{k}${i}`);
        await batch(keys.map((key) => ['SET', key, key]));
        const slot = keySlot('{k}');
        const to = cluster.primaries.find((p) => p.id !== cluster.nodeForSlot(slot).id)!;
        await cluster.migrateSlot(slot, to);
        const commands = keys.flatMap((key) => [
          ['GET', key],
          ['SET', `other:{x}${key}`, 'v'],
        ]);
        const results = await batch(commands);
        expect(results).to.deep.equal(keys.flatMap((key) => [key, 'OK']));
      });

      it('follows ASK while the slot migrates: moved keys on the new owner, the rest on the old', async () => {
        const batch = batchOf();
        const keys = Array.from({ length: 20 }, (_, i) => `ask:{k}${i}`);
        await batch(keys.map((key) => ['SET', key, key]));
        const slot = keySlot('{k}');
        const to = cluster.primaries.find((p) => p.id !== cluster.nodeForSlot(slot).id)!;
        await cluster.beginMigration(slot, to);
        await cluster.moveSlotKeys(slot, 10);
        expect(await batch(keys.map((key) => ['GET', key]))).to.deep.equal(keys);
        await cluster.finishMigration(slot);
        expect(await batch(keys.map((key) => ['GET', key]))).to.deep.equal(keys);
      });
    });
  }

  it('blocking: the hiredis pipeline keeps its behaviour (MOVED as the reply) beside batch()', async () => {
    cc.command('SET %s %s', 'foo', 'v');
    const slot = keySlot('foo');
    const to = cluster.primaries.find((p) => p.id !== cluster.nodeForSlot(slot).id)!;
    await cluster.migrateSlot(slot, to);
    cc.appendCommand('GET foo');
    cc.appendCommand('GET foo');
    expect(cc.getReply()).to.deep.equal(new ReplyError(`MOVED ${slot} ${to.address}`));
    expect(cc.batch([['GET', 'foo']])).to.deep.equal(['v']);
    expect(cc.getReply(), 'the rest of the pipeline, read after the batch').to.deep.equal(
      new ReplyError(`MOVED ${slot} ${to.address}`),
    );
  });

  it('a failure is that command outcome: ClusterError values, never a rejection', async () => {
    const results = await acc.batch([['GET', 'k'], ['MULTI'], ['SET', 'k', 'v']]);
    expect(results[0]).to.equal(null);
    expect(results[1]).to.be.instanceOf(ClusterError);
    expect(results[2]).to.equal('OK');
  });
});
