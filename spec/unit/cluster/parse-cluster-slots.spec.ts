import { expect } from 'chai';
import { parseClusterSlots } from '../../../lib/cluster/slotmap.js';
import { ClusterError, REDIS_ERR_OTHER, ReplyError } from '../../../lib/errors.js';
import { CLUSTER_SLOTS_IPV6, CLUSTER_SLOTS_RESP2, CLUSTER_SLOTS_RESP3, ID } from './topology-fixtures.js';

function failure(reply: unknown, parseReplicas = false): string {
  try {
    parseClusterSlots(reply, '127.0.0.9', { parseReplicas });
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    expect((err as ClusterError).code).to.equal(REDIS_ERR_OTHER);
    return (err as Error).message;
  }
  expect.fail('parseClusterSlots did not throw');
}

describe('cluster/slotmap parseClusterSlots', () => {
  for (const [label, reply] of [
    ['RESP2', CLUSTER_SLOTS_RESP2],
    ['RESP3', CLUSTER_SLOTS_RESP3],
  ] as const) {
    it(`reads a Redis 7 reply (${label})`, () => {
      const map = parseClusterSlots(reply, '127.0.0.1');
      expect(map.nodes.map((n) => [n.name, n.addr, n.host, n.port, n.role, n.slots])).to.deep.equal([
        [ID.m7000, '127.0.0.1:7000', '127.0.0.1', 7000, 'master', [[0, 5460]]],
        [ID.m7001, '127.0.0.1:7001', '127.0.0.1', 7001, 'master', [[5461, 10922]]],
        [ID.m7002, '127.0.0.1:7002', '127.0.0.1', 7002, 'master', [[10923, 16383]]],
      ]);
      expect(map.owner(0)?.port).to.equal(7000);
      expect(map.owner(5461)?.port).to.equal(7001);
      expect(map.owner(16383)?.port).to.equal(7002);
      expect(map.coveredSlots).to.equal(16384);
      for (const node of map.nodes) {
        expect(node.replicas).to.deep.equal([]);
        expect(node.migrating).to.deep.equal([]);
        expect(node.importing).to.deep.equal([]);
      }
    });
  }

  it('keeps replicas only when asked', () => {
    const map = parseClusterSlots(CLUSTER_SLOTS_RESP2, '127.0.0.1', { parseReplicas: true });
    expect(map.nodes.map((n) => n.replicas.map((r) => [r.name, r.addr, r.role, r.slots]))).to.deep.equal([
      [[ID.r7003, '127.0.0.1:7003', 'replica', []]],
      [[ID.r7004, '127.0.0.1:7004', 'replica', []]],
      [[ID.r7005, '127.0.0.1:7005', 'replica', []]],
    ]);
  });

  it('reads IPv6 hosts', () => {
    const map = parseClusterSlots(CLUSTER_SLOTS_IPV6, '::1');
    expect(map.nodes.map((n) => n.addr)).to.deep.equal(['::1:7200', '::1:7201', '::1:7202']);
    expect(map.owner(100)?.host).to.equal('::1');
  });

  it("takes the host the reply came from for a NIL, empty or '?' endpoint", () => {
    const map = parseClusterSlots(
      [
        [0, 8191, [null, 7000, 'a'], ['', 7003, 'c'], ['?', 7004, 'd']],
        [8192, 12000, ['', 7001, 'b']],
        [12001, 16383, ['?', 7002, 'e', new Map([['ip', '127.0.0.2']])]],
      ],
      '127.0.0.9',
      { parseReplicas: true },
    );
    expect(map.nodes.map((n) => n.addr)).to.deep.equal([
      '127.0.0.9:7000',
      '127.0.0.9:7001',
      '127.0.0.9:7002',
    ]);
    expect(map.nodes[0]!.replicas.map((r) => r.addr)).to.deep.equal(['127.0.0.9:7003', '127.0.0.9:7004']);
  });

  it('skips the metadata and any later node field, whatever its form (Redis 7, Valkey 9.1)', () => {
    const metadata: unknown[] = [
      [],
      ['ip', '127.0.0.1'],
      ['hostname', 'node-a.local', 'ip', '127.0.0.1', 'availability-zone', 'zone-1'],
      new Map<string, unknown>([
        ['ip', '127.0.0.1'],
        ['availability-zone', 'zone-1'],
        ['some-later-field', new Map([['nested', [1, 2]]])],
      ]),
      null,
      42,
      'text',
    ];
    for (const meta of metadata) {
      const map = parseClusterSlots(
        [[0, 16383, ['node-a.local', 7000, 'a', meta, 'fifth', [6]], ['127.0.0.1', 7003, 'r', meta]]],
        '127.0.0.9',
        { parseReplicas: true },
      );
      expect(
        map.nodes.map((n) => [n.name, n.addr]),
        String(meta),
      ).to.deep.equal([['a', 'node-a.local:7000']]);
      expect(map.nodes[0]!.replicas.map((r) => r.addr)).to.deep.equal(['127.0.0.1:7003']);
    }
  });

  it('accepts hostnames and ignores extra node fields (hostname / ip metadata)', () => {
    const map = parseClusterSlots(
      [
        [
          0,
          16383,
          ['localhost', 7000, 'a', ['ip', '127.0.0.1']],
          ['replica-1.local', 7003, 'b', ['hostname', 'x']],
        ],
      ],
      '127.0.0.1',
      { parseReplicas: true },
    );
    expect(map.nodes[0]!.addr).to.equal('localhost:7000');
    expect(map.nodes[0]!.replicas[0]!.addr).to.equal('replica-1.local:7003');
  });

  it('accepts node entries without id (older servers) and Buffer strings', () => {
    const map = parseClusterSlots([[0, 16383, [Buffer.from('127.0.0.1'), 7000]]], 'x');
    expect(map.nodes[0]).to.include({ name: '', addr: '127.0.0.1:7000' });
  });

  it('merges several ranges of one master into one node', () => {
    const map = parseClusterSlots(
      [
        [0, 99, ['127.0.0.1', 7000, 'a'], ['127.0.0.1', 7003, 'r']],
        [100, 199, ['127.0.0.1', 7001, 'b']],
        [200, 16383, ['127.0.0.1', 7000, 'a'], ['127.0.0.1', 7003, 'r']],
      ],
      '127.0.0.1',
      { parseReplicas: true },
    );
    expect(map.nodes).to.have.length(2);
    expect(map.nodes[0]!.slots).to.deep.equal([
      [0, 99],
      [200, 16383],
    ]);
    expect(map.nodes[0]!.replicas.map((r) => r.addr)).to.deep.equal(['127.0.0.1:7003']);
    expect(map.owner(5000)).to.equal(map.nodes[0]);
  });

  const bad: [string, unknown, string][] = [
    ['an empty reply', [], 'Command(cluster slots) reply error: reply is not an array.'],
    [
      'an error reply',
      new ReplyError('ERR This instance has cluster support disabled'),
      'Command(cluster slots) reply error: reply is not an array.',
    ],
    ['a string', 'x', 'Command(cluster slots) reply error: reply is not an array.'],
    ['a short range entry', [[0, 1]], 'Command(cluster slots) reply error: first sub_reply is not an array.'],
    ['a non-array range entry', [7], 'Command(cluster slots) reply error: first sub_reply is not an array.'],
    [
      'a string start',
      [['0', 1, ['h', 1]]],
      'Command(cluster slots) reply error: slot begin is not an integer.',
    ],
    ['a string end', [[0, '1', ['h', 1]]], 'Command(cluster slots) reply error: slot end is not an integer.'],
    [
      'start > end',
      [[5, 1, ['h', 1]]],
      'Command(cluster slots) reply error: slot begin is bigger than slot end.',
    ],
    [
      'a short node entry',
      [[0, 1, ['h']]],
      'Command(cluster slots) reply error: nodes sub_reply is not an correct array.',
    ],
    [
      'a non-array node',
      [[0, 1, 'h:1']],
      'Command(cluster slots) reply error: nodes sub_reply is not an correct array.',
    ],
    [
      'a string port',
      [[0, 1, ['h', '7000']]],
      'Command(cluster slots) reply error: master ip or port is not correct.',
    ],
    [
      'a numeric ip',
      [[0, 1, [127, 7000]]],
      'Command(cluster slots) reply error: master ip or port is not correct.',
    ],
    ['port 0', [[0, 1, ['h', 0]]], 'Command(cluster slots) reply error: node port is not valid.'],
    ['port 65536', [[0, 1, ['h', 65536]]], 'Command(cluster slots) reply error: node port is not valid.'],
    ['a slot past 16383', [[0, 16384, ['h', 1]]], 'Slot region for node is invalid: 0-16384 of h:1'],
    ['a negative slot', [[-1, 5, ['h', 1]]], 'Slot region for node is invalid: -1-5 of h:1'],
    [
      'overlapping ranges',
      [
        [0, 10, ['h', 1]],
        [10, 20, ['h', 2]],
      ],
      'Different node holds same slot',
    ],
  ];
  for (const [label, reply, message] of bad) {
    it(`rejects ${label}`, () => {
      expect(failure(reply)).to.equal(message);
    });
  }

  it('checks replicas only when it keeps them', () => {
    const reply = [[0, 16383, ['h', 1], ['r', -3]]];
    expect(parseClusterSlots(reply, 'x').nodes).to.have.length(1);
    expect(failure(reply, true)).to.equal('Command(cluster slots) reply error: node port is not valid.');
  });
});
