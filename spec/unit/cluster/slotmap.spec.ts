import { expect } from 'chai';
import { createNode } from '../../../lib/cluster/cluster-node.js';
import {
  type ClusterNode,
  parseSlotMapReply,
  SlotMap,
  type SlotMapSettings,
  slotMapCommand,
} from '../../../lib/cluster/slotmap.js';
import { ClusterError, REDIS_ERR_OTHER } from '../../../lib/errors.js';

function master(port: number, ...slots: [number, number][]): ClusterNode {
  const node = createNode(`id${port}`, '127.0.0.1', port, 'master');
  node.slots.push(...slots);
  return node;
}

function failure(nodes: ClusterNode[]): ClusterError {
  try {
    new SlotMap(nodes);
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    expect((err as ClusterError).code).to.equal(REDIS_ERR_OTHER);
    return err as ClusterError;
  }
  expect.fail('SlotMap did not throw');
}

describe('cluster/slotmap SlotMap', () => {
  it('maps every slot of each range to its master in O(1)', () => {
    const a = master(7000, [0, 5460]);
    const b = master(7001, [5461, 10922]);
    const c = master(7002, [10923, 16383]);
    const map = new SlotMap([a, b, c]);
    expect(map.nodes).to.deep.equal([a, b, c]);
    expect(map.owner(0)).to.equal(a);
    expect(map.owner(5460)).to.equal(a);
    expect(map.owner(5461)).to.equal(b);
    expect(map.owner(10922)).to.equal(b);
    expect(map.owner(10923)).to.equal(c);
    expect(map.owner(16383)).to.equal(c);
    expect(map.coveredSlots).to.equal(16384);
  });

  it('has no owner for unserved or out-of-range slots', () => {
    const map = new SlotMap([master(7000, [0, 99], [200, 200])]);
    expect(map.owner(100)).to.equal(undefined);
    expect(map.owner(200)?.port).to.equal(7000);
    expect(map.owner(201)).to.equal(undefined);
    expect(map.owner(-1)).to.equal(undefined);
    expect(map.owner(16384)).to.equal(undefined);
    expect(map.coveredSlots).to.equal(101);
  });

  it('keeps a settable version (assigned when installed) and finds masters by address', () => {
    const a = master(7000, [0, 16383]);
    const map = new SlotMap([a]);
    expect(map.version).to.equal(0);
    map.version = 7;
    expect(map.version).to.equal(7);
    expect(map.master('127.0.0.1:7000')).to.equal(a);
    expect(map.master('127.0.0.1:7001')).to.equal(undefined);
  });

  it('accepts a master without slots (it is still a node of the cluster)', () => {
    const idle = master(7003);
    const map = new SlotMap([master(7000, [0, 16383]), idle]);
    expect(map.nodes[1]).to.equal(idle);
  });

  it('rejects overlapping ranges', () => {
    expect(failure([master(7000, [0, 100]), master(7001, [100, 200])]).message).to.equal(
      'Different node holds same slot',
    );
    expect(failure([master(7000, [0, 100], [50, 60])]).message).to.equal('Different node holds same slot');
    // Out of order, as CLUSTER NODES lists them: a region that holds an earlier one whole.
    expect(failure([master(7000, [100, 200]), master(7001, [0, 300])]).message).to.equal(
      'Different node holds same slot',
    );
  });

  it('takes regions in any order', () => {
    const [a, b] = [master(7000, [100, 200], [16000, 16383]), master(7001, [0, 99], [201, 15999])];
    const map = new SlotMap([a, b]);
    expect([0, 99, 100, 200, 201, 15999, 16000, 16383].map((slot) => map.owner(slot))).to.deep.equal([
      b,
      b,
      a,
      a,
      b,
      b,
      a,
      a,
    ]);
    expect(map.coveredSlots).to.equal(16384);
  });

  it('rejects invalid ranges, naming them', () => {
    expect(failure([master(7000, [10, 5])]).message).to.equal(
      'Slot region for node is invalid: 10-5 of 127.0.0.1:7000',
    );
    expect(failure([master(7000, [0, 16384])]).message).to.equal(
      'Slot region for node is invalid: 0-16384 of 127.0.0.1:7000',
    );
    expect(failure([master(7000, [-1, 3])]).message).to.equal(
      'Slot region for node is invalid: -1-3 of 127.0.0.1:7000',
    );
  });

  it('rejects a map that serves no slot', () => {
    expect(failure([]).message).to.equal('No slot information');
    expect(failure([master(7000)]).message).to.equal('No slot information');
  });

  it('rejects two masters with one address, and replicas as masters', () => {
    expect(failure([master(7000, [0, 1]), master(7000, [2, 3])]).message).to.equal(
      'The address already exists in the nodes',
    );
    const replica = createNode('r', '127.0.0.1', 7003, 'replica');
    expect(failure([replica]).message).to.equal('Node role must be master');
  });

  describe('the slot-map command and its reply', () => {
    const settings = (more: Partial<SlotMapSettings>): SlotMapSettings => ({
      useClusterNodes: false,
      useClusterShards: false,
      parseReplicas: false,
      parseOpenSlots: false,
      tls: undefined,
      ...more,
    });
    const shards = [
      [
        'slots',
        [0, 16383],
        'nodes',
        [['id', 'a', 'port', 7000, 'tls-port', 7300, 'endpoint', '', 'role', 'master']],
      ],
    ];

    it('CLUSTER SLOTS by default, CLUSTER NODES or CLUSTER SHARDS when asked', () => {
      expect(slotMapCommand(settings({}))).to.deep.equal(['CLUSTER', 'SLOTS']);
      expect(slotMapCommand(settings({ useClusterNodes: true }))).to.deep.equal(['CLUSTER', 'NODES']);
      expect(slotMapCommand(settings({ useClusterShards: true }))).to.deep.equal(['CLUSTER', 'SHARDS']);
    });

    it('reads the reply with the matching parser, its error wording and the TLS port', () => {
      const slots = [[0, 16383, ['', 7000, 'a']]];
      expect(parseSlotMapReply(slots, 'h', settings({})).nodes[0]!.addr).to.equal('h:7000');
      const nodes = 'a :7000@17000 myself,master - 0 0 1 connected 0-16383\n';
      expect(parseSlotMapReply(nodes, 'h', settings({ useClusterNodes: true })).nodes[0]!.addr).to.equal(
        'h:7000',
      );
      const plain = settings({ useClusterShards: true });
      expect(parseSlotMapReply(shards, 'h', plain).nodes[0]!.addr).to.equal('h:7000');
      const tls = settings({ useClusterShards: true, tls: {} });
      expect(parseSlotMapReply(shards, 'h', tls).nodes[0]!.addr).to.equal('h:7300');
      expect(() => parseSlotMapReply(slots, 'h', plain)).to.throw(
        ClusterError,
        'Command(cluster shards) reply error: shard is not a map.',
      );
    });
  });
});
