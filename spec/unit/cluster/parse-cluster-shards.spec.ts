import { expect } from 'chai';
import { parseClusterShards } from '../../../lib/cluster/slotmap.js';
import { ClusterError, REDIS_ERR_OTHER } from '../../../lib/errors.js';
import { CLUSTER_SHARDS_RESP2, CLUSTER_SHARDS_RESP3, ID } from './topology-fixtures.js';

function node(fields: Record<string, unknown>): Map<string, unknown> {
  return new Map(Object.entries({ 'replication-offset': 1, health: 'online', ...fields }));
}

function shard(slots: number[], nodes: Map<string, unknown>[]): Map<string, unknown> {
  return new Map<string, unknown>([
    ['slots', slots],
    ['nodes', nodes],
  ]);
}

function failure(reply: unknown): string {
  try {
    parseClusterShards(reply, '127.0.0.9');
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    expect((err as ClusterError).code).to.equal(REDIS_ERR_OTHER);
    return (err as Error).message;
  }
  expect.fail('parseClusterShards did not throw');
}

describe('cluster/slotmap parseClusterShards', () => {
  for (const [label, reply] of [
    ['RESP2 flat key/value arrays', CLUSTER_SHARDS_RESP2],
    ['RESP3 maps', CLUSTER_SHARDS_RESP3],
  ] as const) {
    it(`reads a Redis 7 reply (${label})`, () => {
      const map = parseClusterShards(reply, '127.0.0.1', { parseReplicas: true });
      expect(map.nodes.map((n) => [n.name, n.addr, n.role, n.slots])).to.deep.equal([
        [ID.m7001, '127.0.0.1:7001', 'master', [[5461, 10922]]],
        [ID.m7000, '127.0.0.1:7000', 'master', [[0, 5460]]],
        [ID.m7002, '127.0.0.1:7002', 'master', [[10923, 16383]]],
      ]);
      expect(map.nodes.map((n) => n.replicas.map((r) => [r.name, r.addr, r.role]))).to.deep.equal([
        [[ID.r7004, '127.0.0.1:7004', 'replica']],
        [[ID.r7003, '127.0.0.1:7003', 'replica']],
        [[ID.r7005, '127.0.0.1:7005', 'replica']],
      ]);
      expect(map.owner(0)?.port).to.equal(7000);
      expect(map.owner(16383)?.port).to.equal(7002);
    });
  }

  it('leaves replicas out unless asked', () => {
    expect(
      parseClusterShards(CLUSTER_SHARDS_RESP3, 'x').nodes.every((n) => n.replicas.length === 0),
    ).to.equal(true);
  });

  it('reads several ranges per shard', () => {
    const map = parseClusterShards(
      [
        shard(
          [0, 99, 200, 16383],
          [node({ id: 'a', port: 7000, ip: '127.0.0.1', endpoint: '127.0.0.1', role: 'master' })],
        ),
      ],
      'x',
    );
    expect(map.nodes[0]!.slots).to.deep.equal([
      [0, 99],
      [200, 16383],
    ]);
    expect(map.owner(150)).to.equal(undefined);
  });

  it("picks 'port' or 'tls-port' by the tls option", () => {
    const reply = [
      shard(
        [0, 16383],
        [node({ id: 'a', port: 6379, 'tls-port': 7300, ip: '127.0.0.1', endpoint: 'h', role: 'master' })],
      ),
    ];
    expect(parseClusterShards(reply, 'x').nodes[0]!.addr).to.equal('h:6379');
    expect(parseClusterShards(reply, 'x', { tls: true }).nodes[0]!.addr).to.equal('h:7300');
    const tlsOnly = [
      shard(
        [0, 16383],
        [node({ id: 'a', 'tls-port': 7300, ip: '127.0.0.1', endpoint: 'h', role: 'master' })],
      ),
    ];
    expect(parseClusterShards(tlsOnly, 'x').nodes[0]!.addr).to.equal('h:7300');
  });

  it("uses the reply's host for an empty, NIL or '?' endpoint, and host names as they are", () => {
    const reply = [
      shard([0, 99], [node({ id: 'a', port: 7000, ip: '127.0.0.1', endpoint: '', role: 'master' })]),
      shard([100, 199], [node({ id: 'b', port: 7001, ip: '127.0.0.2', endpoint: '?', role: 'master' })]),
      shard([200, 299], [node({ id: 'd', port: 7003, ip: '127.0.0.4', endpoint: null, role: 'master' })]),
      shard(
        [300, 16383],
        [
          node({
            id: 'c',
            port: 7002,
            ip: '127.0.0.3',
            endpoint: 'node-c.local',
            hostname: 'node-c.local',
            role: 'master',
          }),
        ],
      ),
    ];
    expect(parseClusterShards(reply, '127.0.0.9').nodes.map((n) => n.addr)).to.deep.equal([
      '127.0.0.9:7000',
      '127.0.0.9:7001',
      '127.0.0.9:7003',
      'node-c.local:7002',
    ]);
  });

  it('falls back to the ip without an endpoint field, and skips fields a later server adds', () => {
    const reply = [
      new Map<string, unknown>([
        ['slots', [0, 16383]],
        [
          'nodes',
          [node({ id: 'a', port: 7000, ip: '127.0.0.2', role: 'master', 'availability-zone': 'z1' })],
        ],
        ['some-later-field', new Map([['nested', [1]]])],
      ]),
    ];
    expect(parseClusterShards(reply, '127.0.0.9').nodes.map((n) => n.addr)).to.deep.equal(['127.0.0.2:7000']);
  });

  it('leaves failed replicas out and skips empty shards without master', () => {
    const reply = [
      shard(
        [0, 16383],
        [
          node({ id: 'a', port: 7000, ip: '127.0.0.1', endpoint: '127.0.0.1', role: 'master' }),
          node({
            id: 'b',
            port: 7003,
            ip: '127.0.0.1',
            endpoint: '127.0.0.1',
            role: 'replica',
            health: 'failed',
          }),
          node({
            id: 'c',
            port: 7004,
            ip: '127.0.0.1',
            endpoint: '127.0.0.1',
            role: 'replica',
            health: 'loading',
          }),
        ],
      ),
      shard([], [node({ id: 'd', port: 7005, ip: '127.0.0.1', endpoint: '127.0.0.1', role: 'replica' })]),
    ];
    const map = parseClusterShards(reply, 'x', { parseReplicas: true });
    expect(map.nodes).to.have.length(1);
    expect(map.nodes[0]!.replicas.map((r) => r.name)).to.deep.equal(['c']);
  });

  const m = (id: string, port: number) =>
    node({ id, port, ip: '127.0.0.1', endpoint: '127.0.0.1', role: 'master' });
  const bad: [string, unknown, string][] = [
    ['a non-array reply', 'x', 'Command(cluster shards) reply error: reply is not an array.'],
    ['an empty reply', [], 'No slot information'],
    [
      'a shard that is not a map',
      [['slots', [0, 1], 'nodes']],
      'Command(cluster shards) reply error: shard is not a map.',
    ],
    [
      'odd slots',
      [shard([0, 1, 2], [m('a', 1)])],
      'Command(cluster shards) reply error: slots is not a list of ranges.',
    ],
    [
      'string slots',
      [shard(['0', '1'] as never, [m('a', 1)])],
      'Command(cluster shards) reply error: slots is not a list of ranges.',
    ],
    [
      'missing nodes',
      [new Map([['slots', [0, 1]]])],
      'Command(cluster shards) reply error: shard has no nodes array.',
    ],
    [
      'a node that is not a map',
      [shard([0, 1], ['x' as never])],
      'Command(cluster shards) reply error: node is not a map.',
    ],
    [
      'two masters',
      [shard([0, 1], [m('a', 1), m('b', 2)])],
      'Command(cluster shards) reply error: shard has two masters: a and b',
    ],
    [
      'slots without master',
      [shard([0, 1], [node({ id: 'r', port: 1, ip: 'h', endpoint: 'h', role: 'replica' })])],
      'Command(cluster shards) reply error: shard serving slots 0-1 has no master.',
    ],
    [
      'an unknown role',
      [shard([0, 1], [node({ id: 'a', port: 1, ip: 'h', role: 'arbiter' })])],
      "Command(cluster shards) reply error: node a has role 'arbiter'.",
    ],
    [
      'a bad port',
      [shard([0, 1], [node({ id: 'a', port: 0, ip: 'h', role: 'master' })])],
      'Command(cluster shards) reply error: node a port is not valid.',
    ],
    [
      'no address',
      [shard([0, 1], [node({ id: 'a', port: 1, role: 'master' })])],
      'Command(cluster shards) reply error: node a has no endpoint.',
    ],
    [
      'overlapping shards',
      [shard([0, 10], [m('a', 1)]), shard([5, 20], [m('b', 2)])],
      'Different node holds same slot',
    ],
    [
      'a range past 16383',
      [shard([0, 16384], [m('a', 1)])],
      'Slot region for node is invalid: 0-16384 of 127.0.0.1:1',
    ],
  ];
  for (const [label, reply, message] of bad) {
    it(`rejects ${label}`, () => {
      expect(failure(reply)).to.equal(message);
    });
  }
});
