/**
 * MockCluster's nodes as a raw client sees them: the cluster commands in Redis 7's formats (checked
 * against the library's own parsers), routing (MOVED, CROSSSLOT, replicas, READONLY), the connection
 * commands, AUTH and HELLO, transactions, Redis' error texts, and each data family ioredis-mock runs.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { parseClusterNodes, parseClusterShards, parseClusterSlots } from '../../lib/cluster/slotmap.js';
import { ReplyError } from '../../lib/errors.js';
import { MockCluster, type MockNodeInfo, mockCommandFamilies } from '../../lib/testing/index.js';
import { sleep } from '../support/async-helpers.js';
import { closeRawClients, flushAll, rawTo } from '../support/mock-helpers.js';
import type { RawClient } from '../support/raw-client.js';
import { ROOT, runScript } from '../support/run-script.js';

/** The error text of an error reply; fails on any other reply. */
function errorOf(reply: unknown): string {
  expect(reply).to.be.instanceOf(ReplyError);
  return (reply as ReplyError).message;
}

/** The slot map the library builds from a reply, as comparable data. */
function layout(map: { nodes: { addr: string; slots: [number, number][] }[] }) {
  return map.nodes
    .map((n) => ({ addr: n.addr, slots: n.slots }))
    .sort((a, b) => a.addr.localeCompare(b.addr));
}

const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";

describe('mock: MockCluster nodes', function () {
  this.timeout(20_000);
  let cluster: MockCluster;
  let p0: MockNodeInfo;
  let p1: MockNodeInfo;
  let p2: MockNodeInfo;

  before(async () => {
    cluster = await MockCluster.start({ primaries: 3, replicasPerPrimary: 1 });
    [p0, p1, p2] = cluster.primaries as [MockNodeInfo, MockNodeInfo, MockNodeInfo];
  });
  after(() => cluster.stop());
  beforeEach(() => flushAll(cluster));
  afterEach(() => closeRawClients());

  describe('topology', () => {
    it('spreads the slots over the primaries as redis-cli does, each with its replica', () => {
      expect(cluster.primaries.map((p) => p.slots)).to.deep.equal([
        [[0, 5460]],
        [[5461, 10922]],
        [[10923, 16383]],
      ]);
      expect(cluster.nodes).to.have.length(6);
      expect(cluster.replicas.map((r) => r.primaryId)).to.deep.equal([p0.id, p1.id, p2.id]);
      expect(cluster.addresses).to.deep.equal(cluster.nodes.map((n) => `127.0.0.1:${n.port}`));
      expect(cluster.nodes.every((n) => /^[0-9a-f]{40}$/.test(n.id))).to.equal(true);
      expect(cluster.nodeForKey('foo').id).to.equal(p2.id);
      expect(cluster.replicasOf(p1).map((r) => r.id)).to.deep.equal([cluster.replicas[1]!.id]);
    });

    it('CLUSTER SLOTS lists each range with its primary, then its replica', async () => {
      const raw = await rawTo(p1);
      const entry = (n: MockNodeInfo) => ['127.0.0.1', n.port, n.id, []];
      const [r0, r1, r2] = cluster.replicas as [MockNodeInfo, MockNodeInfo, MockNodeInfo];
      expect(await raw.call(['CLUSTER', 'SLOTS'])).to.deep.equal([
        [0, 5460, entry(p0), entry(r0)],
        [5461, 10922, entry(p1), entry(r1)],
        [10923, 16383, entry(p2), entry(r2)],
      ]);
    });

    it('CLUSTER NODES: one line per node in Redis 7 format, myself flagged on the answering node', async () => {
      const raw = await rawTo(p1);
      const text = (await raw.call(['CLUSTER', 'NODES'])) as string;
      const lines = text.split('\n');
      expect(lines.pop()).to.equal('');
      expect(lines).to.have.length(6);
      const bus = (port: number) => (port + 10000 <= 65535 ? port + 10000 : 0);
      expect(lines[1]).to.equal(
        `${p1.id} 127.0.0.1:${p1.port}@${bus(p1.port)} myself,master - 0 0 2 connected 5461-10922`,
      );
      const replica = cluster.replicas[0]!;
      expect(lines[3]).to.match(
        new RegExp(
          `^${replica.id} 127\\.0\\.0\\.1:${replica.port}@${bus(replica.port)} slave ${p0.id} 0 [0-9]+ 1 connected$`,
        ),
      );
    });

    it('SLOTS, NODES and SHARDS describe the same map (RESP2, and RESP3 after HELLO 3)', async () => {
      const raw = await rawTo(p0);
      const slots = layout(parseClusterSlots(await raw.call(['CLUSTER', 'SLOTS']), '127.0.0.1'));
      expect(layout(parseClusterNodes(await raw.call(['CLUSTER', 'NODES']), '127.0.0.1'))).to.deep.equal(
        slots,
      );
      expect(layout(parseClusterShards(await raw.call(['CLUSTER', 'SHARDS']), '127.0.0.1'))).to.deep.equal(
        slots,
      );
      await raw.call(['HELLO', '3']);
      const shards = (await raw.call(['CLUSTER', 'SHARDS'])) as Map<string, unknown>[];
      expect(shards[0]).to.be.instanceOf(Map);
      expect((shards[0]!.get('nodes') as Map<string, unknown>[])[1]!.get('role')).to.equal('replica');
      expect(layout(parseClusterShards(shards, '127.0.0.1'))).to.deep.equal(slots);
      expect(layout(parseClusterNodes(await raw.call(['CLUSTER', 'NODES']), '127.0.0.1'))).to.deep.equal(
        slots,
      );
      expect(slots.map((n) => n.slots)).to.have.deep.members([
        [[0, 5460]],
        [[5461, 10922]],
        [[10923, 16383]],
      ]);
    });

    it('CLUSTER INFO, MYID, KEYSLOT, COUNTKEYSINSLOT and GETKEYSINSLOT', async () => {
      const raw = await rawTo(p2);
      const info = (await raw.call(['CLUSTER', 'INFO'])) as string;
      expect(info).to.match(
        /^cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n/,
      );
      expect(info).to.include(
        'cluster_known_nodes:6\r\ncluster_size:3\r\ncluster_current_epoch:3\r\ncluster_my_epoch:3\r\n',
      );
      expect(await raw.call(['CLUSTER', 'MYID'])).to.equal(p2.id);
      expect(await raw.call(['CLUSTER', 'KEYSLOT', 'foo'])).to.equal(12182);
      expect(await raw.call(['CLUSTER', 'KEYSLOT', 'x{foo}y'])).to.equal(12182);
      await raw.call(['MSET', '{foo}a', '1', '{foo}b', '2', 'foo', '3']);
      expect(await raw.call(['CLUSTER', 'COUNTKEYSINSLOT', '12182'])).to.equal(3);
      expect(await raw.call(['CLUSTER', 'GETKEYSINSLOT', '12182', '2'])).to.have.length(2);
      expect(errorOf(await raw.call(['CLUSTER', 'COUNTKEYSINSLOT', '16384']))).to.equal('ERR Invalid slot');
      expect(errorOf(await raw.call(['CLUSTER', 'nosuch']))).to.equal(
        "ERR unknown subcommand 'nosuch'. Try CLUSTER HELP.",
      );
      expect(errorOf(await raw.call(['CLUSTER', 'KEYSLOT']))).to.equal(
        "ERR wrong number of arguments for 'cluster|keyslot' command",
      );
      expect(errorOf(await raw.call(['CLUSTER']))).to.equal(
        "ERR wrong number of arguments for 'cluster' command",
      );
    });
  });

  describe('routing', () => {
    it('serves keys of its own slots and answers MOVED for the others', async () => {
      const raw = await rawTo(p0);
      expect(await raw.call(['SET', 'bar', 'x'])).to.equal('OK');
      expect(await raw.call(['GET', 'bar'])).to.equal('x');
      expect(errorOf(await raw.call(['GET', 'foo']))).to.equal(`MOVED 12182 127.0.0.1:${p2.port}`);
      expect(errorOf(await raw.call(['SET', '{c}', 'v']))).to.equal(`MOVED 7365 127.0.0.1:${p1.port}`);
    });

    it('CROSSSLOT for keys of several slots; hash tags keep them together', async () => {
      const raw = await rawTo(p2);
      expect(errorOf(await raw.call(['MGET', 'foo', '{a}']))).to.equal(CROSSSLOT);
      expect(errorOf(await raw.call(['MSET', 'foo', '1', 'x{a}', '2']))).to.equal(CROSSSLOT);
      expect(await raw.call(['MSET', '{foo}1', 'a', '{foo}2', 'b'])).to.equal('OK');
      expect(await raw.call(['MGET', '{foo}1', '{foo}2', '{foo}3'])).to.deep.equal(['a', 'b', null]);
      // CROSSSLOT comes before MOVED, as in Redis.
      const other = await rawTo(p0);
      expect(errorOf(await other.call(['MGET', 'foo', '{a}']))).to.equal(CROSSSLOT);
    });

    it('a replica redirects to its primary, serves reads after READONLY, never writes', async () => {
      const replica = cluster.replicasOf(p0)[0]!;
      await (await rawTo(p0)).call(['SET', 'bar', 'from-primary']);
      const raw = await rawTo(replica);
      expect(errorOf(await raw.call(['GET', 'bar']))).to.equal(`MOVED 5061 127.0.0.1:${p0.port}`);
      expect(await raw.call(['READONLY'])).to.equal('OK');
      expect(await raw.call(['GET', 'bar'])).to.equal('from-primary');
      expect(await raw.call(['DBSIZE'])).to.equal(1);
      expect(errorOf(await raw.call(['SET', 'bar', 'y']))).to.equal(`MOVED 5061 127.0.0.1:${p0.port}`);
      expect(errorOf(await raw.call(['GET', 'foo']))).to.equal(`MOVED 12182 127.0.0.1:${p2.port}`);
      expect(errorOf(await raw.call(['FLUSHALL']))).to.equal(
        "READONLY You can't write against a read only replica.",
      );
      expect(await raw.call(['READWRITE'])).to.equal('OK');
      expect(errorOf(await raw.call(['GET', 'bar']))).to.equal(`MOVED 5061 127.0.0.1:${p0.port}`);
    });

    it('each shard keeps its own keys: DBSIZE counts only the keys of the node', async () => {
      await (await rawTo(p0)).call(['MSET', '{b}1', 'x', '{b}2', 'y']);
      await (await rawTo(p2)).call(['SET', 'foo', 'z']);
      const counts = [];
      for (const node of cluster.nodes) counts.push(await (await rawTo(node)).call(['DBSIZE']));
      expect(counts).to.deep.equal([2, 0, 1, 2, 0, 1]);
    });
  });

  describe('connection commands and errors', () => {
    let raw: RawClient;
    beforeEach(async () => {
      raw = await rawTo(p2);
    });

    it('PING, ECHO, SELECT, QUIT', async () => {
      expect(await raw.call(['PING'])).to.equal('PONG');
      expect(await raw.call(['PING', 'hello'])).to.equal('hello');
      expect(await raw.call(['ECHO', 'e'])).to.equal('e');
      expect(await raw.call(['SELECT', '0'])).to.equal('OK');
      expect(errorOf(await raw.call(['SELECT', '1']))).to.equal('ERR SELECT is not allowed in cluster mode');
      expect(await raw.call(['QUIT'])).to.equal('OK');
      let closed: Error | null = null;
      await raw.call(['PING']).catch((err: Error) => {
        closed = err;
      });
      expect(closed).to.be.instanceOf(Error);
    });

    it("Redis 7's texts for unknown commands, wrong arity, wrong types and bad numbers", async () => {
      expect(errorOf(await raw.call(['XADD', 'foo', '*', 'a', '1']))).to.equal(
        "ERR unknown command 'XADD', with args beginning with: 'foo' '*' 'a' '1' ",
      );
      expect(errorOf(await raw.call(['nosuch']))).to.equal(
        "ERR unknown command 'nosuch', with args beginning with: ",
      );
      expect(errorOf(await raw.call(['GET', 'foo', 'x']))).to.equal(
        "ERR wrong number of arguments for 'get' command",
      );
      expect(errorOf(await raw.call(['PING', 'a', 'b']))).to.equal(
        "ERR wrong number of arguments for 'ping' command",
      );
      await raw.call(['RPUSH', 'foo', 'a']);
      const wrongType = 'WRONGTYPE Operation against a key holding the wrong kind of value';
      expect(errorOf(await raw.call(['GET', 'foo']))).to.equal(wrongType);
      expect(errorOf(await raw.call(['HSET', 'foo', 'f', 'v']))).to.equal(wrongType);
      expect(await raw.call(['SET', 'foo', 'word'])).to.equal('OK');
      expect(errorOf(await raw.call(['INCR', 'foo']))).to.equal(
        'ERR value is not an integer or out of range',
      );
      expect(errorOf(await raw.call(['EXPIRE', 'foo', 'soon']))).to.equal(
        'ERR value is not an integer or out of range',
      );
      expect(errorOf(await raw.call(['INCRBYFLOAT', 'foo', 'x']))).to.equal('ERR value is not a valid float');
      expect(errorOf(await raw.call(['LSET', '{foo}l', '0', 'x']))).to.equal('ERR no such key');
      expect(await raw.call(['GET', 'foo'])).to.equal('word');
    });

    it('MULTI / EXEC run the queued commands together; a refused command aborts EXEC', async () => {
      expect(await raw.call(['MULTI'])).to.equal('OK');
      expect(await raw.call(['SET', 'foo', '1'])).to.equal('QUEUED');
      expect(await raw.call(['INCR', 'foo'])).to.equal('QUEUED');
      expect(await raw.call(['GET', '{foo}x'])).to.equal('QUEUED');
      expect(errorOf(await raw.call(['MULTI']))).to.equal('ERR MULTI calls can not be nested');
      expect(await raw.call(['EXEC'])).to.deep.equal(['OK', 2, null]);
      expect(errorOf(await raw.call(['EXEC']))).to.equal('ERR EXEC without MULTI');
      await raw.call(['MULTI']);
      expect(errorOf(await raw.call(['GET', 'bar']))).to.equal(`MOVED 5061 127.0.0.1:${p0.port}`);
      expect(await raw.call(['INCR', 'foo'])).to.equal('QUEUED');
      expect(errorOf(await raw.call(['EXEC']))).to.equal(
        'EXECABORT Transaction discarded because of previous errors.',
      );
      await raw.call(['MULTI']);
      await raw.call(['INCR', 'foo']);
      expect(await raw.call(['DISCARD'])).to.equal('OK');
      expect(await raw.call(['GET', 'foo'])).to.equal('2');
    });

    it('HELLO 3 switches the link to RESP3: maps, sets, doubles, nil', async () => {
      const hello = (await raw.call(['HELLO', '3'])) as Map<string, unknown>;
      expect(Object.fromEntries(hello)).to.deep.include({
        server: 'redis',
        proto: 3,
        mode: 'cluster',
        role: 'master',
      });
      await raw.call(['HSET', 'foo', 'f', 'v', 'g', 'w']);
      expect(await raw.call(['HGETALL', 'foo'])).to.deep.equal(
        new Map([
          ['f', 'v'],
          ['g', 'w'],
        ]),
      );
      await raw.call(['SADD', '{foo}s', 'a', 'b']);
      expect(await raw.call(['SMEMBERS', '{foo}s'])).to.deep.equal(new Set(['a', 'b']));
      await raw.call(['ZADD', '{foo}z', '1.5', 'a', '2', 'b']);
      expect(await raw.call(['ZSCORE', '{foo}z', 'a'])).to.equal(1.5);
      expect(await raw.call(['ZRANGE', '{foo}z', '0', '-1', 'WITHSCORES'])).to.deep.equal([
        ['a', 1.5],
        ['b', 2],
      ]);
      expect(await raw.call(['GET', '{foo}none'])).to.equal(null);
      expect(await raw.call(['HELLO', '2'])).to.deep.include('proto');
      expect(await raw.call(['ZSCORE', '{foo}z', 'a'])).to.equal('1.5');
      expect(errorOf(await raw.call(['HELLO', '4']))).to.equal('NOPROTO unsupported protocol version');
      expect(errorOf(await raw.call(['HELLO', 'three']))).to.equal(
        'ERR Protocol version is not an integer or out of range',
      );
    });

    it('AUTH on a cluster without a password', async () => {
      expect(errorOf(await raw.call(['AUTH', 'pw']))).to.equal(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    });
  });

  describe('data families', () => {
    let raw: RawClient;
    beforeEach(async () => {
      raw = await rawTo(p2);
    });
    /** Runs commands in order and returns their replies. */
    async function run(...commands: string[][]): Promise<unknown[]> {
      const replies = [];
      for (const command of commands) replies.push(await raw.call(command));
      return replies;
    }

    it('strings and counters', async () => {
      expect(
        await run(
          ['SET', 'foo', 'hello'],
          ['APPEND', 'foo', ' world'],
          ['GETRANGE', 'foo', '0', '4'],
          ['STRLEN', 'foo'],
          ['SETNX', 'foo', 'x'],
          ['GETSET', 'foo', '10'],
          ['INCR', 'foo'],
          ['INCRBY', 'foo', '5'],
          ['DECR', 'foo'],
          ['DECRBY', 'foo', '3'],
          ['INCRBYFLOAT', 'foo', '0.5'],
          ['SET', 'foo', 'v', 'GET'],
          ['SET', 'foo', 'w', 'NX'],
          ['GETDEL', 'foo'],
          ['EXISTS', 'foo'],
        ),
      ).to.deep.equal([
        'OK',
        11,
        'hello',
        11,
        0,
        'hello world',
        11,
        16,
        15,
        12,
        '12.5',
        '12.5',
        null,
        'v',
        0,
      ]);
    });

    it('hashes', async () => {
      expect(
        await run(
          ['HSET', 'foo', 'a', '1', 'b', '2'],
          ['HGET', 'foo', 'a'],
          ['HMGET', 'foo', 'a', 'x'],
          ['HINCRBY', 'foo', 'a', '5'],
          ['HINCRBYFLOAT', 'foo', 'b', '0.5'],
          ['HEXISTS', 'foo', 'b'],
          ['HLEN', 'foo'],
          ['HKEYS', 'foo'],
          ['HGETALL', 'foo'],
          ['HDEL', 'foo', 'a'],
          ['HSETNX', 'foo', 'b', '9'],
          ['HMSET', 'foo', 'c', '3'],
          ['HVALS', 'foo'],
        ),
      ).to.deep.equal([
        2,
        '1',
        ['1', null],
        6,
        '2.5',
        1,
        2,
        ['a', 'b'],
        ['a', '6', 'b', '2.5'],
        1,
        0,
        'OK',
        ['2.5', '3'],
      ]);
      await raw.call(['HSET', 'foo', 'w', 'word']);
      expect(errorOf(await raw.call(['HINCRBY', 'foo', 'w', '1']))).to.equal(
        'ERR hash value is not an integer',
      );
    });

    it('lists', async () => {
      expect(
        await run(
          ['RPUSH', 'foo', 'a', 'b'],
          ['LPUSH', 'foo', 'z'],
          ['LRANGE', 'foo', '0', '-1'],
          ['LLEN', 'foo'],
          ['LINDEX', 'foo', '1'],
          ['LSET', 'foo', '0', 'y'],
          ['LPOP', 'foo'],
          ['RPOP', 'foo'],
          ['LTRIM', 'foo', '0', '0'],
          ['LRANGE', 'foo', '0', '-1'],
        ),
      ).to.deep.equal([2, 3, ['z', 'a', 'b'], 3, 'a', 'OK', 'y', 'b', 'OK', ['a']]);
    });

    it('sets', async () => {
      const replies = await run(
        ['SADD', 'foo', 'a', 'b', 'c'],
        ['SADD', '{foo}2', 'b', 'c', 'd'],
        ['SISMEMBER', 'foo', 'a'],
        ['SCARD', 'foo'],
        ['SREM', 'foo', 'a'],
        ['SINTER', 'foo', '{foo}2'],
        ['SUNIONSTORE', '{foo}3', 'foo', '{foo}2'],
        ['SMEMBERS', '{foo}3'],
      );
      expect(replies.slice(0, 5)).to.deep.equal([3, 3, 1, 3, 1]);
      expect(replies[5]).to.have.members(['b', 'c']);
      expect(replies[6]).to.equal(3);
      expect(replies[7]).to.have.members(['b', 'c', 'd']);
    });

    it('sorted sets', async () => {
      expect(
        await run(
          ['ZADD', 'foo', '1', 'a', '2', 'b', '3', 'c'],
          ['ZSCORE', 'foo', 'b'],
          ['ZINCRBY', 'foo', '1.5', 'a'],
          ['ZRANK', 'foo', 'b'],
          ['ZCARD', 'foo'],
          ['ZRANGE', 'foo', '0', '-1', 'WITHSCORES'],
          ['ZCOUNT', 'foo', '2', '3'],
          ['ZPOPMIN', 'foo'],
          ['ZREVRANGE', 'foo', '0', '0'],
          ['ZREM', 'foo', 'c'],
        ),
      ).to.deep.equal([3, '2', '2.5', 0, 3, ['b', '2', 'a', '2.5', 'c', '3'], 3, ['b', '2'], ['c'], 1]);
    });

    it('keys and expiry', async () => {
      expect(
        await run(
          ['SET', 'foo', 'v'],
          ['TTL', 'foo'],
          ['EXPIRE', 'foo', '100'],
          ['TTL', 'foo'],
          ['PERSIST', 'foo'],
          ['PTTL', 'foo'],
          ['TYPE', 'foo'],
          ['RENAME', 'foo', '{foo}2'],
          ['EXISTS', 'foo', '{foo}2'],
          ['TYPE', 'foo'],
          ['PEXPIRE', '{foo}2', '30'],
          ['SET', '{foo}3', 'v', 'PX', '30'],
        ),
      ).to.deep.equal(['OK', -1, 1, 100, 1, -1, 'string', 'OK', 1, 'none', 1, 'OK']);
      await sleep(60);
      expect(await run(['EXISTS', '{foo}2', '{foo}3'], ['DBSIZE'])).to.deep.equal([0, 0]);
    });

    it('lists what it covers, by family', () => {
      const families = mockCommandFamilies();
      expect(Object.keys(families)).to.deep.equal([
        'strings',
        'hashes',
        'lists',
        'sets',
        'sorted sets',
        'keys and expiry',
        'server',
      ]);
      expect(families.strings).to.include.members(['get', 'set', 'incr', 'mget']);
    });
  });
});

describe('mock: MockCluster slot migration', function () {
  this.timeout(20_000);
  let cluster: MockCluster;
  let from: MockNodeInfo;
  let to: MockNodeInfo;
  const slot = keySlot('foo');

  beforeEach(async () => {
    cluster = await MockCluster.start({ primaries: 2, replicasPerPrimary: 1 });
    from = cluster.nodeForSlot(slot);
    to = cluster.primaries.find((p) => p.id !== from.id)!;
    await (await rawTo(from)).call(['MSET', 'foo', 'moves', '{foo}2', 'moves too']);
  });
  afterEach(async () => {
    await closeRawClients();
    await cluster.stop();
  });

  /** The slot fields of the answering node's own CLUSTER NODES line. */
  async function ownSlots(node: MockNodeInfo): Promise<string[]> {
    const text = (await (await rawTo(node)).call(['CLUSTER', 'NODES'])) as string;
    const line = text.split('\n').find((l) => l.includes('myself'))!;
    return line.split(' ').slice(8);
  }

  it('ASK for keys that left, TRYAGAIN for a mix, ASKING opens the target, MOVED once done', async () => {
    await cluster.beginMigration(slot, to);
    expect(cluster.migrations).to.deep.equal([{ slot, from: from.address, to: to.address }]);
    expect(await ownSlots(from)).to.include(`[${slot}->-${to.id}]`);
    expect(await ownSlots(to)).to.include(`[${slot}-<-${from.id}]`);
    const source = await rawTo(from);
    const target = await rawTo(to);
    expect(await source.call(['GET', 'foo'])).to.equal('moves');
    expect(errorOf(await source.call(['GET', '{foo}new']))).to.equal(`ASK ${slot} ${to.address}`);
    expect(errorOf(await target.call(['GET', 'foo']))).to.equal(`MOVED ${slot} ${from.address}`);
    expect(await cluster.moveSlotKeys(slot, 1)).to.equal(1);
    expect(errorOf(await source.call(['MGET', 'foo', '{foo}2']))).to.equal(
      'TRYAGAIN Multiple keys request during rehashing of slot',
    );
    expect(await target.call(['ASKING'])).to.equal('OK');
    expect(await target.call(['SET', '{foo}new', 'n'])).to.equal('OK');
    // ASKING covers the next command only.
    expect(errorOf(await target.call(['GET', '{foo}new']))).to.equal(`MOVED ${slot} ${from.address}`);
    await target.call(['ASKING']);
    expect(errorOf(await target.call(['MGET', '{foo}new', '{foo}absent']))).to.equal(
      'TRYAGAIN Multiple keys request during rehashing of slot',
    );
    await cluster.finishMigration(slot);
    expect(cluster.migrations).to.deep.equal([]);
    expect(errorOf(await source.call(['GET', 'foo']))).to.equal(`MOVED ${slot} ${to.address}`);
    expect(await target.call(['MGET', 'foo', '{foo}2', '{foo}new'])).to.deep.equal([
      'moves',
      'moves too',
      'n',
    ]);
    expect(await source.call(['DBSIZE'])).to.equal(0);
    expect(cluster.node(to).slots).to.deep.include([slot, slot]);
    expect(await ownSlots(to)).to.include(`${slot}`);
  });

  it('by command, as redis-cli reshards: CLUSTER SETSLOT and MIGRATE', async () => {
    const source = await rawTo(from);
    const target = await rawTo(to);
    expect(await target.call(['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', from.id])).to.equal('OK');
    expect(await source.call(['CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', to.id])).to.equal('OK');
    await cluster.takeHistory(); // any operation refreshes the snapshot the getters read
    expect(cluster.migrations).to.deep.equal([{ slot, from: from.address, to: to.address }]);
    expect(await source.call(['CLUSTER', 'GETKEYSINSLOT', String(slot), '10'])).to.have.members([
      'foo',
      '{foo}2',
    ]);
    expect(
      await source.call(['MIGRATE', '127.0.0.1', String(to.port), '', '0', '5000', 'KEYS', 'foo', '{foo}2']),
    ).to.equal('OK');
    expect(await source.call(['MIGRATE', '127.0.0.1', String(to.port), 'foo', '0', '5000'])).to.equal(
      'NOKEY',
    );
    expect(errorOf(await source.call(['GET', 'foo']))).to.equal(`ASK ${slot} ${to.address}`);
    for (const node of [to, from]) {
      expect(await (await rawTo(node)).call(['CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id])).to.equal(
        'OK',
      );
    }
    expect(await ownSlots(from)).to.not.include(`[${slot}->-${to.id}]`);
    expect(errorOf(await source.call(['GET', 'foo']))).to.equal(`MOVED ${slot} ${to.address}`);
    expect(await target.call(['GET', 'foo'])).to.equal('moves');
    await cluster.takeHistory();
    expect(cluster.node(to).slots).to.deep.include([slot, slot]);
    expect(cluster.migrations).to.deep.equal([]);
  });

  it("CLUSTER SETSLOT and MIGRATE refuse with Redis' texts", async () => {
    const source = await rawTo(from);
    const target = await rawTo(to);
    const s = String(slot);
    expect(errorOf(await target.call(['CLUSTER', 'SETSLOT', s, 'MIGRATING', from.id]))).to.equal(
      `ERR I'm not the owner of hash slot ${slot}`,
    );
    expect(errorOf(await source.call(['CLUSTER', 'SETSLOT', s, 'IMPORTING', to.id]))).to.equal(
      `ERR I'm already the owner of hash slot ${slot}`,
    );
    expect(errorOf(await source.call(['CLUSTER', 'SETSLOT', s, 'MIGRATING', 'f'.repeat(40)]))).to.equal(
      `ERR I don't know about node ${'f'.repeat(40)}`,
    );
    expect(
      errorOf(await source.call(['CLUSTER', 'SETSLOT', s, 'MIGRATING', cluster.replicas[0]!.id])),
    ).to.equal('ERR Target node is not a master');
    expect(errorOf(await source.call(['CLUSTER', 'SETSLOT', '16384', 'STABLE']))).to.equal(
      'ERR Invalid or out of range slot',
    );
    expect(errorOf(await source.call(['CLUSTER', 'SETSLOT', s, 'NODE', to.id]))).to.equal(
      `ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`,
    );
    expect(errorOf(await source.call(['CLUSTER', 'SETSLOT', s, 'BOGUS', to.id]))).to.equal(
      'ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP',
    );
    expect(
      errorOf(await (await rawTo(cluster.replicas[0]!)).call(['CLUSTER', 'SETSLOT', s, 'STABLE'])),
    ).to.equal('ERR Please use SETSLOT only with masters.');
    expect(errorOf(await source.call(['MIGRATE', '127.0.0.1', '1', 'foo', '0', '5000']))).to.equal(
      'IOERR error or timeout connecting to the client',
    );
    await target.call(['CLUSTER', 'SETSLOT', s, 'IMPORTING', from.id]);
    await source.call(['CLUSTER', 'SETSLOT', s, 'MIGRATING', to.id]);
    await target.call(['ASKING']);
    await target.call(['SET', 'foo', 'already there']);
    expect(
      errorOf(await source.call(['MIGRATE', '127.0.0.1', String(to.port), 'foo', '0', '5000'])),
    ).to.equal('ERR Target instance replied with error: BUSYKEY Target key name already exists.');
    expect(
      await source.call(['MIGRATE', '127.0.0.1', String(to.port), 'foo', '0', '5000', 'REPLACE']),
    ).to.equal('OK');
    expect(await source.call(['CLUSTER', 'SETSLOT', s, 'STABLE'])).to.equal('OK');
    expect(await target.call(['CLUSTER', 'SETSLOT', s, 'STABLE'])).to.equal('OK');
    expect(await ownSlots(from)).to.deep.equal(
      cluster.node(from).slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)),
    );
  });
});

describe('mock: MockCluster options and bad input', function () {
  this.timeout(20_000);
  afterEach(() => closeRawClients());

  it('rejects invalid options with a message naming them', async () => {
    const failure = async (options: unknown) => {
      try {
        await MockCluster.start(options as never);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('expected a rejection');
    };
    expect(await failure({ primaries: 0 })).to.equal(
      "MockCluster: invalid option 'primaries': must be an integer 1..100, got 0",
    );
    expect(await failure({ replicasPerPrimary: 'one' })).to.equal(
      "MockCluster: invalid option 'replicasPerPrimary': must be an integer 0..5, got one",
    );
    expect(await failure({ shards: 3 })).to.equal("MockCluster: unknown option 'shards'");
    expect(await failure({ password: 7 })).to.equal(
      "MockCluster: invalid option 'password': must be a string",
    );
  });

  it('without ioredis-mock installed (an optional peer), start() rejects saying what to install', async () => {
    // The built library alone, with its two dependencies but not the optional peers.
    const dir = mkdtempSync(join(tmpdir(), 'hircluster-no-mock-'));
    try {
      for (const sub of ['lib', 'adapters'])
        cpSync(join(ROOT, 'dist', sub), join(dir, 'dist', sub), { recursive: true });
      mkdirSync(join(dir, 'node_modules'));
      for (const dep of ['eventemitter3', 'cluster-key-slot']) {
        symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));
      }
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
      writeFileSync(
        join(dir, 'start.js'),
        "import { MockCluster } from './dist/lib/testing/index.js';\n" +
          'MockCluster.start().then(() => console.log("started"), (err) => console.log(err.message));\n',
      );
      const run = await runScript(join(dir, 'start.js'));
      expect([run.code, run.stderr]).to.deep.equal([0, '']);
      expect(run.stdout).to.match(
        /^MockCluster: hircluster\/testing needs the packages ioredis-mock \(\^8\) and ioredis \(\^5\): npm install --save-dev ioredis-mock ioredis \(Cannot find package 'ioredis-mock' /,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad operations with a clear message and stays usable; stop() closes the ports', async () => {
    const cluster = await MockCluster.start({ primaries: 2 });
    const failure = async (op: () => Promise<unknown>) => {
      try {
        await op();
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('expected a rejection');
    };
    const [a, b] = cluster.primaries as [MockNodeInfo, MockNodeInfo];
    expect(await failure(() => cluster.migrateSlot(16384, b))).to.equal(
      'MockCluster: invalid slot: must be an integer 0..16383, got 16384',
    );
    expect(await failure(() => cluster.failover('127.0.0.1:1'))).to.equal(
      'MockCluster: no node 127.0.0.1:1 in this cluster',
    );
    expect(await failure(() => cluster.failover(a))).to.equal(
      `MockCluster: node ${a.address} has no replica to fail over to`,
    );
    expect(await failure(() => cluster.migrateSlot(0, a))).to.equal(
      `MockCluster: slot 0 is already served by node ${a.address}`,
    );
    expect(await failure(() => cluster.finishMigration(0))).to.equal(
      'MockCluster: slot 0 is not being migrated',
    );
    expect(await failure(() => cluster.removeNode(a))).to.equal(
      `MockCluster: node ${a.address} still serves slots: migrate them first`,
    );
    expect(await failure(() => cluster.replyNext([{ status: 'two\r\nlines' }]))).to.equal(
      'MockCluster: a RESP + line cannot hold CR or LF: "two\\r\\nlines"',
    );
    expect(await failure(() => cluster.restore(a))).to.equal(
      `MockCluster: node ${a.address} was not dropped`,
    );
    const replica = await cluster.addNode({ replicaOf: a });
    expect(await failure(() => cluster.migrateSlot(0, replica))).to.equal(
      `MockCluster: node ${replica.address} is a replica: migrate to a primary`,
    );
    expect(await (await rawTo(a)).call(['CLUSTER', 'KEYSLOT', 'foo'])).to.equal(keySlot('foo'));
    await closeRawClients();
    await cluster.stop();
    expect(await failure(() => cluster.stall(a))).to.equal('MockCluster: the cluster is stopped');
    expect(await failure(() => rawTo(a))).to.match(/ECONNREFUSED/);
    await cluster.stop();
  });
});

describe('mock: MockCluster with a password, without RESP3', function () {
  this.timeout(20_000);
  afterEach(() => closeRawClients());

  it('every link must AUTH first, with AUTH or HELLO ... AUTH', async () => {
    const cluster = await MockCluster.start({ primaries: 1, password: 'secret' });
    try {
      const raw = await rawTo(cluster.primaries[0]!);
      expect(errorOf(await raw.call(['GET', 'foo']))).to.equal('NOAUTH Authentication required.');
      expect(errorOf(await raw.call(['CLUSTER', 'SLOTS']))).to.equal('NOAUTH Authentication required.');
      expect(errorOf(await raw.call(['HELLO', '3']))).to.match(
        /^NOAUTH HELLO must be called with the client already authenticated/,
      );
      expect(errorOf(await raw.call(['AUTH', 'wrong']))).to.equal(
        'WRONGPASS invalid username-password pair or user is disabled.',
      );
      expect(errorOf(await raw.call(['AUTH', 'admin', 'secret']))).to.equal(
        'WRONGPASS invalid username-password pair or user is disabled.',
      );
      expect(await raw.call(['AUTH', 'default', 'secret'])).to.equal('OK');
      expect(await raw.call(['GET', 'foo'])).to.equal(null);
      const other = await rawTo(cluster.primaries[0]!);
      const hello = (await other.call(['HELLO', '3', 'AUTH', 'default', 'secret'])) as Map<string, unknown>;
      expect(hello.get('proto')).to.equal(3);
      expect(await other.call(['PING'])).to.equal('PONG');
    } finally {
      await closeRawClients();
      await cluster.stop();
    }
  });

  it('resp3: false answers HELLO like Redis 5', async () => {
    const cluster = await MockCluster.start({ primaries: 1, resp3: false });
    try {
      const raw = await rawTo(cluster.primaries[0]!);
      expect(errorOf(await raw.call(['HELLO', '3']))).to.equal(
        "ERR unknown command 'HELLO', with args beginning with: '3' ",
      );
    } finally {
      await closeRawClients();
      await cluster.stop();
    }
  });
});
