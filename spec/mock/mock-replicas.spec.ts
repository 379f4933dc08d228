/**
 * MockCluster's replicas as Redis 7 / Valkey 8 answer them (for replica reads, issue #17): MOVED to the
 * primary until the link sends READONLY, then reads (by the command table's flags) of the primary's
 * slots served from the shared keyspace, writes still MOVED; and each node's availability zone in HELLO,
 * as Valkey 8.1 reports it.
 */
import { expect } from 'chai';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { ReplyError } from '../../lib/errors.js';
import { MockCluster, type MockNodeInfo } from '../../lib/testing/index.js';
import { closeRawClients, flushAll, keyOn, rawTo } from '../support/mock-helpers.js';

/** The error text of an error reply; fails on any other reply. */
function errorOf(reply: unknown): string {
  expect(reply).to.be.instanceOf(ReplyError);
  return (reply as ReplyError).message;
}

describe('mock: replicas and availability zones', function () {
  this.timeout(20_000);
  let cluster: MockCluster;
  let p0: MockNodeInfo;
  let p2: MockNodeInfo;
  let r0: MockNodeInfo;
  let r1: MockNodeInfo;
  let r2: MockNodeInfo;
  /** Keys of p0's slots and of p2's. */
  let mine: string;
  let theirs: string;
  const moved = (key: string, node: MockNodeInfo) => `MOVED ${keySlot(key)} 127.0.0.1:${node.port}`;

  before(async () => {
    // r0 in its own zone, r1 with none (null), r2 past the end of the list (none).
    cluster = await MockCluster.start({
      primaries: 3,
      replicasPerPrimary: 1,
      availabilityZones: ['az-a', 'az-b', 'az-c', 'az-b', null],
    });
    [p0, , p2] = cluster.primaries as [MockNodeInfo, MockNodeInfo, MockNodeInfo];
    [r0, r1, r2] = cluster.replicas as [MockNodeInfo, MockNodeInfo, MockNodeInfo];
    mine = keyOn(cluster, p0, 'mine');
    theirs = keyOn(cluster, p2, 'theirs');
  });
  after(() => cluster.stop());
  beforeEach(async () => {
    await flushAll(cluster);
    const primary = await rawTo(p0);
    await primary.call(['SET', mine, 'v0']);
    await primary.call(['HSET', `{${mine}}h`, 'f', 'hv']);
  });
  afterEach(() => closeRawClients());

  describe('replica reads', () => {
    it('without READONLY every keyed command, read or write, gets MOVED to the primary', async () => {
      const raw = await rawTo(r0);
      expect(errorOf(await raw.call(['GET', mine]))).to.equal(moved(mine, p0));
      expect(errorOf(await raw.call(['HGETALL', `{${mine}}h`]))).to.equal(moved(mine, p0));
      expect(errorOf(await raw.call(['MGET', mine, `{${mine}}h`]))).to.equal(moved(mine, p0));
      expect(errorOf(await raw.call(['SET', mine, 'x']))).to.equal(moved(mine, p0));
      expect(errorOf(await raw.call(['GET', theirs]))).to.equal(moved(theirs, p2));
    });

    it("after READONLY (+OK) reads of the primary's slots come from the shared keyspace", async () => {
      const raw = await rawTo(r0);
      expect(await raw.call(['READONLY'])).to.equal('OK');
      expect(await raw.call(['GET', mine])).to.equal('v0');
      expect(await raw.call(['HGET', `{${mine}}h`, 'f'])).to.equal('hv');
      expect(await raw.call(['MGET', mine, `{${mine}}h:none`])).to.deep.equal(['v0', null]);
      expect(await raw.call(['EXISTS', mine, `{${mine}}h`])).to.equal(2);
      expect(await raw.call(['STRLEN', mine])).to.equal(2);
      expect(await raw.call(['TTL', mine])).to.equal(-1);
      // A write on the primary shows on the replica at once (instant replication).
      await (await rawTo(p0)).call(['SET', mine, 'v1']);
      expect(await raw.call(['GET', mine])).to.equal('v1');
    });

    it('after READONLY writes still get MOVED to the primary, as the command table flags them', async () => {
      const raw = await rawTo(r0);
      expect(await raw.call(['READONLY'])).to.equal('OK');
      for (const argv of [
        ['SET', mine, 'x'],
        ['DEL', mine],
        ['INCR', mine],
        ['HSET', `{${mine}}h`, 'f', 'x'],
        // Both read a value, but the table flags them `write`.
        ['GETDEL', mine],
        ['GETEX', mine, 'PX', '100'],
      ]) {
        expect(errorOf(await raw.call(argv)), argv[0]).to.equal(moved(mine, p0));
      }
      expect(await (await rawTo(p0)).call(['GET', mine])).to.equal('v0');
      // Keyless writes meet the replica's read-only check instead.
      expect(errorOf(await raw.call(['FLUSHDB']))).to.equal(
        "READONLY You can't write against a read only replica.",
      );
    });

    it('keys of slots another primary serves get MOVED to their owner, READONLY or not', async () => {
      const raw = await rawTo(r0);
      expect(await raw.call(['READONLY'])).to.equal('OK');
      expect(errorOf(await raw.call(['GET', theirs]))).to.equal(moved(theirs, p2));
      expect(errorOf(await raw.call(['SET', theirs, 'x']))).to.equal(moved(theirs, p2));
      // Not even p2's own replica serves p0's keys.
      const other = await rawTo(r2);
      expect(await other.call(['READONLY'])).to.equal('OK');
      expect(errorOf(await other.call(['GET', mine]))).to.equal(moved(mine, p0));
    });

    it('READWRITE (+OK) turns READONLY off again: reads get MOVED', async () => {
      const raw = await rawTo(r0);
      expect(await raw.call(['READONLY'])).to.equal('OK');
      expect(await raw.call(['GET', mine])).to.equal('v0');
      expect(await raw.call(['READWRITE'])).to.equal('OK');
      expect(errorOf(await raw.call(['GET', mine]))).to.equal(moved(mine, p0));
      // READONLY is per link: another link to the same replica never sent it.
      expect(await raw.call(['READONLY'])).to.equal('OK');
      const fresh = await rawTo(r0);
      expect(errorOf(await fresh.call(['GET', mine]))).to.equal(moved(mine, p0));
      expect(await raw.call(['GET', mine])).to.equal('v0');
    });

    it('a READONLY transaction of reads runs on the replica; a queued write aborts it', async () => {
      const raw = await rawTo(r0);
      expect(await raw.call(['READONLY'])).to.equal('OK');
      expect(await raw.call(['MULTI'])).to.equal('OK');
      expect(await raw.call(['GET', mine])).to.equal('QUEUED');
      expect(await raw.call(['HGET', `{${mine}}h`, 'f'])).to.equal('QUEUED');
      expect(await raw.call(['EXEC'])).to.deep.equal(['v0', 'hv']);
      expect(await raw.call(['MULTI'])).to.equal('OK');
      expect(await raw.call(['GET', mine])).to.equal('QUEUED');
      expect(errorOf(await raw.call(['SET', mine, 'x']))).to.equal(moved(mine, p0));
      expect(errorOf(await raw.call(['EXEC']))).to.equal(
        'EXECABORT Transaction discarded because of previous errors.',
      );
    });
  });

  describe('availability zones', () => {
    /** HELLO's fields up to `modules`, as the node answers them. */
    const base = (proto: 2 | 3, id: unknown, role: string): [string, unknown][] => [
      ['server', 'redis'],
      ['version', '7.0.15'],
      ['proto', proto],
      ['id', id],
      ['mode', 'cluster'],
      ['role', role],
      ['modules', []],
    ];

    it("the snapshot shows each node's zone, by position in nodes", () => {
      expect(cluster.nodes.map((n) => n.availabilityZone)).to.deep.equal([
        'az-a',
        'az-b',
        'az-c',
        'az-b',
        null,
        null,
      ]);
    });

    it('HELLO 3 ends its map with availability_zone when the node has one', async () => {
      const hello = (await (await rawTo(p0)).call(['HELLO', '3'])) as Map<string, unknown>;
      expect([...hello]).to.deep.equal([
        ...base(3, hello.get('id'), 'master'),
        ['availability_zone', 'az-a'],
      ]);
      const replica = (await (await rawTo(r0)).call(['HELLO', '3'])) as Map<string, unknown>;
      expect([...replica]).to.deep.equal([
        ...base(3, replica.get('id'), 'replica'),
        ['availability_zone', 'az-b'],
      ]);
    });

    it('HELLO 2 sends the same fields as a flat array', async () => {
      const hello = (await (await rawTo(r0)).call(['HELLO', '2'])) as unknown[];
      expect(hello).to.deep.equal([...base(2, hello[7], 'replica'), ['availability_zone', 'az-b']].flat());
      expect(hello[7]).to.be.a('number');
    });

    it('a node without a zone leaves the field out', async () => {
      for (const node of [r1, r2]) {
        const resp3 = (await (await rawTo(node)).call(['HELLO', '3'])) as Map<string, unknown>;
        expect([...resp3]).to.deep.equal(base(3, resp3.get('id'), 'replica'));
        const resp2 = (await (await rawTo(node)).call(['HELLO', '2'])) as unknown[];
        expect(resp2).to.deep.equal(base(2, resp2[7], 'replica').flat());
      }
    });

    it('CLUSTER SHARDS and CLUSTER NODES do not report zones (Valkey does not either)', async () => {
      const raw = await rawTo(p0);
      const shards = await raw.call(['CLUSTER', 'SHARDS']);
      const nodes = await raw.call(['CLUSTER', 'NODES']);
      expect(JSON.stringify(shards)).not.to.match(/az-|availability/);
      expect(nodes)
        .to.be.a('string')
        .and.not.match(/az-|availability/);
    });

    it('setAvailabilityZone and addNode({ availabilityZone }) change what HELLO reports', async () => {
      const local = await MockCluster.start({ primaries: 1 });
      try {
        const primary = local.primaries[0]!;
        expect(primary.availabilityZone).to.equal(null);
        await local.setAvailabilityZone(primary, 'use1-az1');
        expect(local.node(primary).availabilityZone).to.equal('use1-az1');
        const raw = await rawTo(primary);
        expect(((await raw.call(['HELLO', '3'])) as Map<string, unknown>).get('availability_zone')).to.equal(
          'use1-az1',
        );
        await local.setAvailabilityZone(primary, null);
        expect(((await raw.call(['HELLO', '3'])) as Map<string, unknown>).has('availability_zone')).to.equal(
          false,
        );
        const added = await local.addNode({ replicaOf: primary, availabilityZone: 'use1-az2' });
        expect(added.availabilityZone).to.equal('use1-az2');
        const hello = (await (await rawTo(added)).call(['HELLO', '3'])) as Map<string, unknown>;
        expect(hello.get('availability_zone')).to.equal('use1-az2');
        expect(hello.get('role')).to.equal('replica');
      } finally {
        await closeRawClients();
        await local.stop();
      }
    });

    it('bad zones are refused, naming the option', async () => {
      const refused = async (promise: Promise<unknown>) => {
        try {
          await promise;
        } catch (err) {
          return (err as Error).message;
        }
        throw new Error('not refused');
      };
      expect(await refused(MockCluster.start({ primaries: 1, availabilityZones: ['a', 'b'] }))).to.equal(
        "MockCluster: invalid option 'availabilityZones': must be a list with at most one entry per node",
      );
      expect(await refused(MockCluster.start({ primaries: 1, availabilityZones: [''] }))).to.equal(
        'MockCluster: invalid availabilityZones[0]: must be a non-empty string or null, got ',
      );
      expect(await refused(cluster.setAvailabilityZone(p0, 7 as unknown as string))).to.equal(
        'MockCluster: invalid availability zone: must be a non-empty string or null, got 7',
      );
      expect(await refused(cluster.addNode({ availabilityZone: '' }))).to.equal(
        "MockCluster: invalid option 'availabilityZone': must be a non-empty string or null, got ",
      );
      expect(cluster.nodes).to.have.length(6);
    });
  });
});
