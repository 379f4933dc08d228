/**
 * readFrom on both faces against MockCluster (3 primaries with a replica each): which node each read and
 * write reaches (the nodes' command history), READONLY on the links, the round robin, a replica that is
 * down, availability zones from HELLO, the nearest node by measured round trip, and a MOVED from a replica.
 */
import { expect } from 'chai';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { MockCluster, type MockNodeInfo } from '../../lib/testing/index.js';
import { sleep } from '../support/async-helpers.js';
import { type FaceOptions, faces, OpenFaces } from '../support/mock-faces.js';
import { keyOn } from '../support/mock-helpers.js';

/** Which node received each command of the given names since the last look: 'GET k' -> addresses. */
async function whereRan(cluster: MockCluster, names: readonly string[]): Promise<Map<string, string[]>> {
  const seen = new Map<string, string[]>();
  for (const record of await cluster.takeHistory()) {
    if (!names.includes(record.argv[0]!.toUpperCase())) continue;
    const text = record.argv.join(' ');
    seen.set(text, [...(seen.get(text) ?? []), record.node]);
  }
  return seen;
}

for (const { name, make } of faces) {
  describe(`mock: readFrom on ${name}`, function () {
    this.timeout(20_000);
    let cluster: MockCluster;
    let p: MockNodeInfo[];
    let r: MockNodeInfo[];
    /** A key of each shard: keys[i] lives on p[i]. */
    let keys: string[];
    const opened = new OpenFaces(make);
    const face = (options: FaceOptions) => opened.connected(cluster, options);

    beforeEach(async () => {
      // Zones: p0 az-a, p1 az-b, p2 az-c, r0 az-b, r1 none, r2 az-a.
      cluster = await MockCluster.start({
        primaries: 3,
        replicasPerPrimary: 1,
        availabilityZones: ['az-a', 'az-b', 'az-c', 'az-b', null, 'az-a'],
      });
      p = cluster.primaries;
      r = p.map((primary) => cluster.replicasOf(primary)[0]!);
      keys = p.map((primary, i) => keyOn(cluster, primary, `k${i}`));
    });
    afterEach(async () => {
      opened.closeAll();
      await cluster.stop();
    });

    it("'replica': reads go to the shard's replica, writes to its primary; replica links send READONLY", async () => {
      const f = await face({ readFrom: 'replica' });
      for (const [i, key] of keys.entries()) expect(await f.send('SET', key, `v${i}`)).to.equal('OK');
      for (const [i, key] of keys.entries()) expect(await f.send('GET', key)).to.equal(`v${i}`);
      expect(await f.send('MGET', ...keys)).to.deep.equal(['v0', 'v1', 'v2']);
      const ran = await whereRan(cluster, ['GET', 'SET', 'MGET', 'READONLY']);
      for (const [i, key] of keys.entries()) {
        expect(ran.get(`SET ${key} v${i}`)).to.deep.equal([p[i]!.address]);
        expect(ran.get(`GET ${key}`)).to.deep.equal([r[i]!.address]);
        // The cross-slot MGET is split per slot; each part is a read of its own shard.
        expect(ran.get(`MGET ${key}`)).to.deep.equal([r[i]!.address]);
      }
      expect(ran.get('READONLY')).to.include.members(r.map((node) => node.address));
      // nodes() lists the primaries only, with their replicas.
      expect(f.nodes().map((node) => node.addr)).to.have.members(p.map((node) => node.address));
    });

    it("'primary' (the default) sends nothing to replicas and no READONLY", async () => {
      const f = await face({});
      await f.send('SET', keys[0]!, 'v');
      expect(await f.send('GET', keys[0]!)).to.equal('v');
      const ran = await whereRan(cluster, ['GET', 'READONLY']);
      expect(ran.get(`GET ${keys[0]}`)).to.deep.equal([p[0]!.address]);
      expect(ran.has('READONLY')).to.equal(false);
    });

    it("'preferReplica': a shard's replicas share the reads round robin, a down replica leaves them to the rest", async () => {
      const extra = await cluster.addNode({ replicaOf: p[0]! });
      const f = await face({ readFrom: 'preferReplica', failoverWait: 5000 });
      await f.send('SET', keys[0]!, 'v');
      for (let i = 0; i < 6; i++) expect(await f.send('GET', keys[0]!)).to.equal('v');
      const spread = (await whereRan(cluster, ['GET'])).get(`GET ${keys[0]}`)!;
      expect(spread.filter((at) => at === r[0]!.address)).to.have.length(3);
      expect(spread.filter((at) => at === extra.address)).to.have.length(3);

      await cluster.drop(extra);
      for (let i = 0; i < 4; i++) expect(await f.send('GET', keys[0]!)).to.equal('v');
      await cluster.drop(r[0]!);
      for (let i = 0; i < 4; i++) expect(await f.send('GET', keys[0]!)).to.equal('v');
      const after = (await whereRan(cluster, ['GET'])).get(`GET ${keys[0]}`)!;
      // Before the second drop r0 served every read; after it, the primary did.
      expect(after.slice(0, 4)).to.deep.equal(Array(4).fill(r[0]!.address));
      expect(after.slice(4)).to.deep.equal(Array(4).fill(p[0]!.address));
    });

    it('{ az }: replicas in the zone, else the primary in the zone, else as preferReplica', async () => {
      const f = await face({ readFrom: { az: 'az-a' } });
      for (const key of keys) await f.send('SET', key, 'v');
      // The first reads may go before every link has named its zone: the links opened by the first map's
      // reads answer HELLO within a round trip.
      for (const key of keys) await f.send('GET', key);
      await cluster.takeHistory();
      for (const key of keys) expect(await f.send('GET', key)).to.equal('v');
      const ran = await whereRan(cluster, ['GET']);
      // Shard 0: its primary is in az-a (its replica is not). Shard 1: nobody in az-a: its replica.
      // Shard 2: its replica is in az-a.
      expect(ran.get(`GET ${keys[0]}`)).to.deep.equal([p[0]!.address]);
      expect(ran.get(`GET ${keys[1]}`)).to.deep.equal([r[1]!.address]);
      expect(ran.get(`GET ${keys[2]}`)).to.deep.equal([r[2]!.address]);
    });

    it("'nearest': the shard's node with the lowest measured round trip, probed each second", async () => {
      await cluster.delayReplies(40, p[0]!);
      await cluster.delayReplies(40, r[1]!);
      const f = await face({ readFrom: 'nearest' });
      for (const key of keys) await f.send('GET', key);
      // The handshakes' figures are rough (every link opens at once); two probes later they are not.
      await sleep(2200);
      // The probes: a PING on each node's link once a second.
      const pinged = (await cluster.takeHistory()).filter((record) => record.argv[0] === 'PING');
      for (const node of [...p, ...r]) {
        expect(pinged.filter((record) => record.node === node.address).length, node.address).to.be.within(
          1,
          3,
        );
      }
      for (const key of keys) await f.send('GET', key);
      const ran = await whereRan(cluster, ['GET']);
      expect(ran.get(`GET ${keys[0]}`)).to.deep.equal([r[0]!.address]);
      expect(ran.get(`GET ${keys[1]}`)).to.deep.equal([p[1]!.address]);
    });

    it('a MOVED from a replica (its shard lost the slot) updates the map and the read is answered', async () => {
      const f = await face({ readFrom: 'replica' });
      await f.send('SET', keys[0]!, 'moved-away');
      await cluster.migrateSlot(keySlot(keys[0]!), p[1]!);
      expect(await f.send('GET', keys[0]!)).to.equal('moved-away');
      const ran = (await whereRan(cluster, ['GET'])).get(`GET ${keys[0]}`)!;
      expect(ran[0]).to.equal(r[0]!.address);
      expect(ran.at(-1)).to.be.oneOf([p[1]!.address, r[1]!.address]);
      expect(f.nodeForKey(keys[0]!)?.addr).to.equal(p[1]!.address);
    });
  });
}
