/**
 * Both contexts against MockCluster, through the same scenarios: routing and multi-key splits, a slot
 * migration (ASK while it runs, MOVED after), a failover, a node added and removed, retried TRYAGAIN /
 * CLUSTERDOWN, a node that goes down, slow replies, AUTH + RESP3, TLS and binary values. Then what only
 * one face has: async callbacks through a migration, blocking pipelines that do not follow redirects.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import {
  REDIS_ERR_CLUSTER_TOO_MANY_RETRIES,
  REDIS_ERR_IO,
  REDIS_ERR_TIMEOUT,
  ReplyError,
} from '../../lib/errors.js';
import { MockCluster, mockError } from '../../lib/testing/index.js';
import { Outcomes, sleep } from '../support/async-helpers.js';
import { clusterTmpDir } from '../support/clusters.js';
import { commandsTo, type Face, type FaceOptions, faces, failure, until } from '../support/mock-faces.js';
import { keyOn, keyOnOtherNode } from '../support/mock-helpers.js';

for (const { name, make } of faces) {
  describe(`mock: ${name} against MockCluster`, function () {
    this.timeout(20_000);
    let cluster: MockCluster;
    const open: Face[] = [];
    const face = (options?: FaceOptions) => {
      const f = make(cluster, options);
      open.push(f);
      return f;
    };

    beforeEach(async () => {
      cluster = await MockCluster.start({ primaries: 3, replicasPerPrimary: 1 });
    });
    afterEach(async () => {
      for (const f of open.splice(0)) f.close();
      await cluster.stop();
    });

    it('routes by slot, splits multi-key commands and reaches every node', async () => {
      const f = face();
      await f.connect();
      expect(f.events).to.deep.equal(['node-added', 'node-added', 'node-added', 'slotmap-updated', 'ready']);
      expect(f.nodes().map((n) => n.addr)).to.have.members(cluster.primaries.map((p) => p.address));
      expect(await f.send('MSET', '{a}', '1', '{b}', '2', '{c}', '3')).to.equal('OK');
      expect(await f.send('MGET', '{c}', '{b}', 'none', '{a}')).to.deep.equal(['3', '2', null, '1']);
      const sizes = [];
      for (const node of f.nodes()) sizes.push(await f.toNode(node.addr, 'DBSIZE'));
      expect(sizes).to.deep.equal([1, 1, 1]);
      expect(await f.send('DEL', '{a}', '{b}', 'none')).to.equal(2);
      expect(await f.send('INCR', 'counter')).to.equal(1);
      expect(await f.send('HSET', 'counter', 'f', 'v')).to.deep.equal(
        new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
      );
    });

    it('follows ASK while a slot migrates and MOVED once it has moved, by itself', async () => {
      const f = face();
      await f.connect();
      const key = 'mig:{k}';
      const slot = keySlot(key);
      const from = cluster.nodeForSlot(slot);
      const to = cluster.primaries.find((p) => p.id !== from.id)!;
      expect(await f.send('SET', key, 'before')).to.equal('OK');
      await cluster.beginMigration(slot, to);
      await cluster.takeHistory();

      expect(await f.send('GET', key)).to.equal('before');
      expect(await f.send('SET', 'new:{k}', 'n')).to.equal('OK');
      const history = await cluster.takeHistory();
      expect(
        history.map((r) => `${r.node === from.address ? 'from' : 'to'} ${r.argv.join(' ')}`),
      ).to.deep.equal([`from GET ${key}`, 'from SET new:{k} n', 'to ASKING', 'to SET new:{k} n']);

      expect(await cluster.moveSlotKeys(slot)).to.equal(1);
      expect(await f.send('GET', key)).to.equal('before');
      expect(await commandsTo(cluster, to)).to.deep.equal(['ASKING', `GET ${key}`]);
      expect(f.version).to.equal(1);

      await sleep(f.updateThrottleMs);
      await cluster.finishMigration(slot);
      expect(await f.send('GET', key)).to.equal('before');
      await until(() => f.version > 1, 'the slot map update after MOVED');
      expect(f.events.filter((e) => e === 'slotmap-updated').length).to.equal(f.version);
      expect(f.nodeForKey(key)!.addr).to.equal(to.address);
      await cluster.takeHistory();
      expect(await f.send('MGET', key, 'new:{k}')).to.deep.equal(['before', 'n']);
      expect(await cluster.takeHistory()).to.deep.equal([
        { node: to.address, argv: ['MGET', key, 'new:{k}'] },
      ]);
    });

    it('follows a failover: MOVED from the old primary, the promoted replica has the data', async () => {
      const f = face();
      await f.connect();
      const key = 'fo:{k}';
      const primary = cluster.nodeForKey(key);
      const replica = cluster.replicasOf(primary)[0]!;
      expect(await f.send('SET', key, 'kept')).to.equal('OK');
      const promoted = await cluster.failover(primary);
      expect(promoted.id).to.equal(replica.id);
      expect(cluster.replicasOf(promoted).map((n) => n.id)).to.deep.equal([primary.id]);
      expect(await f.send('GET', key)).to.equal('kept');
      expect(await f.send('INCR', 'fo:{k}n')).to.equal(1);
      expect(f.nodeForKey(key)!.addr).to.equal(promoted.address);
    });

    it('learns a new node from MOVED after a slot moves to it; the node can leave again', async () => {
      const f = face();
      await f.connect();
      const added = await cluster.addNode();
      expect(added.slots).to.deep.equal([]);
      const key = 'add:{k}';
      await f.send('SET', key, 'v');
      const slot = keySlot(key);
      const owner = cluster.nodeForSlot(slot);
      await cluster.migrateSlot(slot, added);
      expect(await f.send('GET', key)).to.equal('v');
      expect(f.nodeForKey(key)!.addr).to.equal(added.address);
      await cluster.migrateSlot(slot, owner);
      expect(await f.send('GET', key)).to.equal('v');
      await cluster.removeNode(added);
      expect(cluster.nodes.map((n) => n.id)).to.not.include(added.id);
      expect(await f.send('GET', key)).to.equal('v');
    });

    it('retries TRYAGAIN and CLUSTERDOWN, and gives up after maxRetry with err 100', async () => {
      const f = face({ maxRetry: 2 });
      await f.connect();
      await f.send('SET', 'foo', 'bar');
      await cluster.replyNext([
        mockError('TRYAGAIN Multiple keys request during rehashing of slot'),
        mockError('CLUSTERDOWN The cluster is down'),
      ]);
      expect(await f.send('GET', 'foo')).to.equal('bar');
      await cluster.replyNext([1, 2, 3].map(() => mockError('CLUSTERDOWN The cluster is down')));
      const err = await failure(f.send('GET', 'foo'));
      expect([err.code, err.message]).to.deep.equal([
        REDIS_ERR_CLUSTER_TOO_MANY_RETRIES,
        'too many cluster retries',
      ]);
      expect(await f.send('GET', 'foo')).to.equal('bar');
    });

    it('a node that goes down refuses connections; the other slots still work; it comes back', async () => {
      const f = face();
      await f.connect();
      // A node the context has no link to yet: its first command then meets the refusal itself (with a
      // link, the close may race the next write and read 'Broken pipe' instead).
      const asked = (await cluster.takeHistory()).map((r) => r.node);
      const down = cluster.primaries.find((p) => !asked.includes(p.address))!;
      const key = keyOn(cluster, down, 'down');
      const other = keyOnOtherNode(cluster, down, 'up');
      await cluster.drop(down);
      const err = await failure(f.send('SET', key, 'v'));
      expect([err.code, err.message]).to.deep.equal([REDIS_ERR_IO, 'Connection refused']);
      expect(await f.send('SET', other, 'ok')).to.equal('OK');
      await cluster.restore(down);
      expect(await f.send('SET', key, 'v')).to.equal('OK');
      expect(await f.send('GET', key)).to.equal('v');
    });

    it('a slow node runs into the command timeout: Timeout, then works again', async () => {
      const f = face({ commandTimeout: 100 });
      await f.connect();
      await f.send('SET', 'foo', 'v');
      await cluster.delayReplies(400, cluster.nodeForKey('foo'));
      const err = await failure(f.send('GET', 'foo'));
      expect([err.code, err.message]).to.deep.equal([REDIS_ERR_TIMEOUT, 'Timeout']);
      await cluster.delayReplies(0);
      expect(await f.send('GET', 'foo')).to.equal('v');
    });

    it('values are binary-safe (returnBuffers)', async () => {
      const f = face({ returnBuffers: true });
      await f.connect();
      const bytes = Buffer.from([0, 255, 13, 10, 128, 1]);
      expect(await f.send('SET', 'bin', bytes)).to.equal('OK');
      expect(await f.send('GET', 'bin')).to.deep.equal(bytes);
    });
  });

  describe(`mock: ${name} against MockCluster with a password, RESP3, TLS`, function () {
    this.timeout(20_000);

    it('AUTH and HELLO 3 on every link: RESP3 replies', async () => {
      const cluster = await MockCluster.start({ primaries: 2, password: 'pw' });
      const f = make(cluster, { password: 'pw', resp: 3 });
      try {
        await f.connect();
        await f.send('HSET', 'h', 'a', '1');
        expect(await f.send('HGETALL', 'h')).to.deep.equal(new Map([['a', '1']]));
        expect(await f.send('ZADD', 'z', '1.5', 'm')).to.equal(1);
        expect(await f.send('ZSCORE', 'z', 'm')).to.equal(1.5);
      } finally {
        f.close();
        await cluster.stop();
      }
      const noAuth = await MockCluster.start({ primaries: 1, password: 'pw' });
      const g = make(noAuth, { password: 'wrong' });
      try {
        const err = await failure(g.connect());
        expect(err.message).to.equal('WRONGPASS invalid username-password pair or user is disabled.');
      } finally {
        g.close();
        await noAuth.stop();
      }
    });

    const tlsDir = join(clusterTmpDir(), 'tls');
    it('over TLS, verified with the test CA', async () => {
      if (!existsSync(join(tlsDir, 'server.key')))
        throw new Error(`run scripts/gen-certs.sh first: ${tlsDir}`);
      const cluster = await MockCluster.start({
        primaries: 2,
        tls: {
          key: readFileSync(join(tlsDir, 'server.key')),
          cert: readFileSync(join(tlsDir, 'server.crt')),
        },
      });
      const f = make(cluster, { tls: { ca: readFileSync(join(tlsDir, 'ca.crt')) } });
      try {
        await f.connect();
        expect(await f.send('SET', 'foo', 'tls')).to.equal('OK');
        expect(await f.send('GET', 'foo')).to.equal('tls');
      } finally {
        f.close();
        await cluster.stop();
      }
    });
  });
}

describe('mock: what only one face has', function () {
  this.timeout(20_000);
  let cluster: MockCluster;
  beforeEach(async () => {
    cluster = await MockCluster.start({ primaries: 3 });
  });
  afterEach(() => cluster.stop());

  it('async: every callback runs once, with its privdata, for commands queued across a migration', async () => {
    const acc = new AsyncClusterContext({ nodes: cluster.addresses });
    try {
      await acc.connect();
      const keys = Array.from({ length: 30 }, (_, i) => `cb:{k}${i}`);
      for (const key of keys) await acc.send('SET', key, key.toUpperCase());
      const slot = keySlot('{k}');
      const to = cluster.primaries.find((p) => p.id !== cluster.nodeForSlot(slot).id)!;
      await cluster.beginMigration(slot, to);
      await cluster.moveSlotKeys(slot, 10);
      const outcomes = new Outcomes();
      for (const key of keys) acc.command(outcomes.callback, key, 'GET %s', key);
      await cluster.finishMigration(slot);
      for (const key of keys) acc.command(outcomes.callback, key, 'GET %s', key);
      const list = await outcomes.wait(60);
      expect(list.map((o) => [o.privdata, o.reply, o.err])).to.deep.equal(
        [...keys, ...keys].map((key) => [key, key.toUpperCase(), 0]),
      );
      expect(acc.pendingCount).to.equal(0);
    } finally {
      acc.free();
    }
  });

  it('blocking: a pipeline hands MOVED back (hiredis), or follows it with pipelineRedirects', async () => {
    const plain = new BlockingClusterContext({ nodes: cluster.addresses });
    const following = new BlockingClusterContext({ nodes: cluster.addresses, pipelineRedirects: true });
    try {
      plain.connect();
      following.connect();
      plain.command('SET %s %s', 'foo', 'v');
      const slot = keySlot('foo');
      const to = cluster.primaries.find((p) => p.id !== cluster.nodeForSlot(slot).id)!;
      await cluster.migrateSlot(slot, to);
      plain.appendCommand('GET foo');
      expect(plain.getReply()).to.deep.equal(new ReplyError(`MOVED ${slot} ${to.address}`));
      plain.reset();
      following.appendCommand('GET foo');
      expect(following.getReply()).to.equal('v');
      following.reset();
    } finally {
      plain.close();
      following.close();
    }
  });
});
