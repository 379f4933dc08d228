import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { parseClusterNodes } from '../../../lib/cluster/slotmap.js';
import { ClusterError, REDIS_ERR_OTHER } from '../../../lib/errors.js';
import { CLUSTER_NODES, CLUSTER_NODES_IPV6, ID } from './topology-fixtures.js';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const C = 'cccccccccccccccccccccccccccccccccccccccc';

/** One CLUSTER NODES line; `rest` holds the slot fields. */
function line(id: string, addr: string, flags: string, master = '-', ...slots: string[]): string {
  return [id, addr, flags, master, '0', '1795538500000', '1', 'connected', ...slots].join(' ');
}

function failure(reply: unknown, opts = {}): string {
  try {
    parseClusterNodes(reply, '127.0.0.9', opts);
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    expect((err as ClusterError).code).to.equal(REDIS_ERR_OTHER);
    return (err as Error).message;
  }
  expect.fail('parseClusterNodes did not throw');
}

describe('cluster/slotmap parseClusterNodes', () => {
  it('reads a Redis 7 reply: masters in reply order, myself stripped, @cport dropped', () => {
    const map = parseClusterNodes(CLUSTER_NODES, '127.0.0.1');
    expect(map.nodes.map((n) => [n.name, n.addr, n.role, n.slots, n.replicas])).to.deep.equal([
      [ID.m7001, '127.0.0.1:7001', 'master', [[5461, 10922]], []],
      [ID.m7000, '127.0.0.1:7000', 'master', [[0, 5460]], []],
      [ID.m7002, '127.0.0.1:7002', 'master', [[10923, 16383]], []],
    ]);
    expect(map.owner(0)?.port).to.equal(7000);
    expect(map.owner(10922)?.port).to.equal(7001);
    expect(map.owner(10923)?.port).to.equal(7002);
    expect(map.coveredSlots).to.equal(16384);
  });

  it('links replicas to their master by id when asked', () => {
    const map = parseClusterNodes(CLUSTER_NODES, '127.0.0.1', { parseReplicas: true });
    expect(map.nodes.map((n) => n.replicas.map((r) => [r.name, r.addr, r.role]))).to.deep.equal([
      [[ID.r7004, '127.0.0.1:7004', 'replica']],
      [[ID.r7003, '127.0.0.1:7003', 'replica']],
      [[ID.r7005, '127.0.0.1:7005', 'replica']],
    ]);
  });

  it('reads IPv6 addresses (host before the last colon)', () => {
    const map = parseClusterNodes(CLUSTER_NODES_IPV6, '::1', { parseReplicas: true });
    expect(map.nodes.map((n) => [n.host, n.port, n.addr])).to.deep.equal([
      ['::1', 7200, '::1:7200'],
      ['::1', 7202, '::1:7202'],
      ['::1', 7201, '::1:7201'],
    ]);
    expect(map.nodes[0]!.replicas.map((r) => r.addr)).to.deep.equal(['::1:7204']);
  });

  it('accepts RESP3 / Buffer replies and a last line without newline or with CRLF', () => {
    const text = `${line(A, '127.0.0.1:7000@17000', 'master', '-', '0-100')}\r\n${line(B, '127.0.0.1:7001@17001', 'master', '-', '101-16383')}`;
    expect(parseClusterNodes(Buffer.from(text), 'x').nodes.map((n) => n.addr)).to.deep.equal([
      '127.0.0.1:7000',
      '127.0.0.1:7001',
    ]);
  });

  it('counts a master with other flags (fail, myself, nofailover) as a master', () => {
    const map = parseClusterNodes(
      [
        line(A, '127.0.0.1:7000@17000', 'master,fail', '-', '0-100'),
        line(B, '127.0.0.1:7001@17001', 'myself,master,nofailover', '-', '101-200'),
        line(C, '127.0.0.1:7002@17002', 'master,fail?', '-', '201-16383'),
      ].join('\n'),
      'x',
    );
    expect(map.nodes.map((n) => n.port)).to.deep.equal([7000, 7001, 7002]);
  });

  it('skips nodes without address (noaddr / :0)', () => {
    const map = parseClusterNodes(
      [
        line(A, ':0@0', 'master,fail,noaddr', '-', '0-100'),
        line(C, ':0', 'master', '-', '0-100'),
        line(B, '127.0.0.1:7001@17001', 'master', '-', '0-16383'),
      ].join('\n'),
      'x',
    );
    expect(map.nodes.map((n) => n.addr)).to.deep.equal(['127.0.0.1:7001']);
  });

  it('uses the host the reply came from for an empty host, and ignores ,hostname', () => {
    const map = parseClusterNodes(
      [
        line(A, ':7000@17000', 'myself,master', '-', '0-8191'),
        line(B, '127.0.0.2:7001@17001,node-b.local', 'master', '-', '8192-16383'),
        line(C, ':7003@17003', 'slave', A),
      ].join('\n'),
      '127.0.0.9',
      { parseReplicas: true },
    );
    expect(map.nodes.map((n) => n.addr)).to.deep.equal(['127.0.0.9:7000', '127.0.0.2:7001']);
    expect(map.nodes[0]!.replicas.map((r) => r.addr)).to.deep.equal(['127.0.0.9:7003']);
  });

  it('reads single slots and several ranges', () => {
    const map = parseClusterNodes(line(A, '127.0.0.1:7000@17000', 'master', '-', '0', '2-16383', '1'), 'x');
    expect(map.nodes[0]!.slots).to.deep.equal([
      [0, 0],
      [2, 16383],
      [1, 1],
    ]);
    expect(map.coveredSlots).to.equal(16384);
  });

  it('keeps open slots only when asked', () => {
    const text = [
      line(A, '127.0.0.1:7000@17000', 'master', '-', '0-5460', `[93->-${B}]`, `[94->-${B}]`),
      line(B, '127.0.0.1:7001@17001', 'master', '-', '5461-16383', `[93-<-${A}]`),
    ].join('\n');
    const plain = parseClusterNodes(text, 'x');
    expect(plain.nodes[0]!.migrating).to.deep.equal([]);
    const map = parseClusterNodes(text, 'x', { parseOpenSlots: true });
    expect(map.nodes[0]!.migrating).to.deep.equal([
      { slot: 93, remoteName: B },
      { slot: 94, remoteName: B },
    ]);
    expect(map.nodes[0]!.importing).to.deep.equal([]);
    expect(map.nodes[1]!.importing).to.deep.equal([{ slot: 93, remoteName: A }]);
    expect(map.owner(93)?.name).to.equal(A);
  });

  it('drops replicas whose master is not a listed master', () => {
    const map = parseClusterNodes(
      [
        line(A, '127.0.0.1:7000@17000', 'master', '-', '0-16383'),
        line(B, '127.0.0.1:7003@17003', 'slave', C),
      ].join('\n'),
      'x',
      { parseReplicas: true },
    );
    expect(map.nodes[0]!.replicas).to.deep.equal([]);
  });

  it('skips nodes that are neither master nor replica (handshake)', () => {
    const map = parseClusterNodes(
      [
        line(A, '127.0.0.1:7000@17000', 'master', '-', '0-16383'),
        line(B, '127.0.0.1:7009@17009', 'handshake'),
      ].join('\n'),
      'x',
      { parseReplicas: true },
    );
    expect(map.nodes.map((n) => n.addr)).to.deep.equal(['127.0.0.1:7000']);
  });

  const bad: [string, unknown, string][] = [
    ['a non-string reply', ['x'], 'Command(cluster nodes) reply error: type is not string.'],
    ['nil', null, 'Command(cluster nodes) reply error: type is not string.'],
    ['an empty reply', '', 'No slot information'],
    ['masters without slots', line(A, '127.0.0.1:7000@17000', 'master'), 'No slot information'],
    ['a short line', `${A} 127.0.0.1:7000@17000 master - 0 0 1`, 'split cluster nodes error'],
    [
      'an address without port',
      line(A, '127.0.0.1@17000', 'master', '-', '0'),
      'server address is incorrect, port separator missing.',
    ],
    [
      'a bad port',
      line(A, '127.0.0.1:0@17000', 'master', '-', '0'),
      `Command(cluster nodes) reply error: invalid port in address '127.0.0.1:0@17000' of node ${A}`,
    ],
    [
      'a bad slot field',
      line(A, '127.0.0.1:7000@17000', 'master', '-', '0-10', 'x1'),
      "Command(cluster nodes) reply error: invalid slot 'x1' of node 127.0.0.1:7000",
    ],
    [
      'an open slot past 16383',
      line(A, '127.0.0.1:7000@17000', 'master', '-', '0-10', `[16384->-${B}]`),
      `Command(cluster nodes) reply error: invalid slot '[16384->-${B}]' of node 127.0.0.1:7000`,
    ],
    [
      'a range past 16383',
      line(A, '127.0.0.1:7000@17000', 'master', '-', '0-16384'),
      'Slot region for node is invalid: 0-16384 of 127.0.0.1:7000',
    ],
    [
      'a reversed range',
      line(A, '127.0.0.1:7000@17000', 'master', '-', '10-5'),
      'Slot region for node is invalid: 10-5 of 127.0.0.1:7000',
    ],
    [
      'two masters with one address',
      [
        line(A, '127.0.0.1:7000@17000', 'master', '-', '0-10'),
        line(B, '127.0.0.1:7000@17000', 'master', '-', '11-20'),
      ].join('\n'),
      'The address already exists in the nodes',
    ],
    [
      'two masters with one id',
      [
        line(A, '127.0.0.1:7000@17000', 'master', '-', '0-10'),
        line(A, '127.0.0.1:7001@17001', 'master', '-', '11-20'),
      ].join('\n'),
      'two masters have the same name',
    ],
    [
      'overlapping ranges',
      [
        line(A, '127.0.0.1:7000@17000', 'master', '-', '0-10'),
        line(B, '127.0.0.1:7001@17001', 'master', '-', '10-20'),
      ].join('\n'),
      'Different node holds same slot',
    ],
  ];
  for (const [label, reply, message] of bad) {
    it(`rejects ${label}`, () => {
      expect(failure(reply)).to.equal(message);
    });
  }
});
