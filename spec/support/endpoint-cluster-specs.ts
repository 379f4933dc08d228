/**
 * The integration specs the clusters with other endpoint forms share (hostnames, unknown-endpoint): both
 * faces route to every primary, follow a real MOVED after an empty slot is moved with CLUSTER SETSLOT
 * ... NODE, follow the MOVED to a replica promoted by CLUSTER FAILOVER, and read the same slot map from
 * CLUSTER SHARDS. Each change to the cluster is undone in a `finally`, so reruns find it as it was.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext, type BlockingOptions } from '../../lib/blocking/blocking-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import type { ClusterNode } from '../../lib/cluster/slotmap.js';
import { ReplyError } from '../../lib/errors.js';
import type { ClusterAdmin, NodeView } from './cluster-admin.js';

export interface EndpointCluster {
  /** Options of both faces (seeds, TLS); `blockingSeed` replaces the seeds of the blocking one. */
  options: BlockingOptions;
  blockingSeed: string;
  /** The host each face's slot map names every node with. */
  asyncHost: string;
  blockingHost: string;
  /** The text of a MOVED of `slot` to the node at `port`, in the cluster's endpoint form. */
  moved(slot: number, port: number): string;
  admin: ClusterAdmin;
  ports: readonly number[];
}

/** The first key '<prefix><n>' whose slot is in [lo, hi]. */
function keyIn(prefix: string, lo: number, hi: number): string {
  for (let i = 0; ; i++) {
    const slot = keySlot(`${prefix}${i}`);
    if (slot >= lo && slot <= hi) return `${prefix}${i}`;
  }
}

/** 'host:port [start-end ...]' of each node, sorted: what a slot map says, comparable across faces. */
function describeMap(nodes: Iterable<ClusterNode>): string[] {
  return [...nodes].map((n) => `${n.addr} ${n.slots.map(([a, b]) => `${a}-${b}`).join(' ')}`).sort();
}

/** Registers the shared specs in the current `describe`; `cluster` is called once, in `before`. */
export function endpointClusterSpecs(cluster: () => EndpointCluster): void {
  let c: EndpointCluster;
  let acc: AsyncClusterContext;
  let cc: BlockingClusterContext;

  before(async () => {
    c = cluster();
    acc = new AsyncClusterContext(c.options);
    cc = new BlockingClusterContext({ ...c.options, nodes: c.blockingSeed });
    await acc.connect();
    cc.connect();
  });

  after(async () => {
    acc?.free();
    cc?.close();
    await c?.admin.close();
  });

  /** The primaries as the cluster says, by port. */
  async function primaries(): Promise<NodeView[]> {
    return (await c.admin.view(c.ports[0]!)).filter((n) => n.primary).sort((a, b) => a.port - b.port);
  }

  /** Where each face sends `key` now: 'host:port'. */
  function routes(key: string): [string, string] {
    return [acc.nodeForKey(key)!.addr, cc.nodeForKey(key)!.addr];
  }

  function expectRoutes(key: string, port: number): void {
    expect(routes(key)).to.deep.equal([`${c.asyncHost}:${port}`, `${c.blockingHost}:${port}`]);
  }

  it('routes to every primary, each face naming the nodes by the host its slot map gives', async () => {
    const expected = (await primaries()).map((n) => n.port);
    for (const [face, host] of [
      [acc, c.asyncHost],
      [cc, c.blockingHost],
    ] as const) {
      const nodes = [...face.nodes()];
      expect(nodes.map((n) => n.addr).sort()).to.deep.equal(expected.map((port) => `${host}:${port}`).sort());
    }
    for (const node of await primaries()) {
      const [start, end] = node.slots[0]!;
      const key = keyIn('forms:route:', start, end);
      expect(await acc.send('SET', key, `v${node.port}`)).to.equal('OK');
      expect(cc.command('GET %s', key)).to.equal(`v${node.port}`);
      expectRoutes(key, node.port);
    }
  });

  it('follows a real MOVED after an empty slot moves with CLUSTER SETSLOT ... NODE, both faces', async () => {
    const key = 'forms:moved';
    const slot = keySlot(key);
    const { primary: from } = await c.admin.ownerOf(slot);
    const to = (await primaries()).find((n) => n.id !== from.id)!;
    expectRoutes(key, from.port);
    await c.admin.moveSlot(slot, from, to);
    try {
      expect(await c.admin.reply(from.port, ['GET', key])).to.deep.equal(
        new ReplyError(c.moved(slot, to.port)),
      );
      expect(await acc.send('SET', key, 'moved')).to.equal('OK');
      expect(cc.command('GET %s', key)).to.equal('moved');
      expectRoutes(key, to.port);
    } finally {
      await c.admin.moveSlot(slot, to, from); // deletes the key first
    }
  });

  it('follows the MOVED to a replica promoted by CLUSTER FAILOVER, both faces', async () => {
    const key = 'forms:failover';
    const slot = keySlot(key);
    const { primary, replica } = await c.admin.ownerOf(slot);
    expect(await acc.send('SET', key, 'before')).to.equal('OK');
    await c.admin.failover(replica, primary);
    try {
      expect(await c.admin.reply(primary.port, ['GET', key])).to.deep.equal(
        new ReplyError(c.moved(slot, replica.port)),
      );
      expect(await acc.send('GET', key)).to.equal('before');
      expect(cc.command('GET %s', key)).to.equal('before');
      expectRoutes(key, replica.port);
    } finally {
      await c.admin.failover(primary, replica);
    }
  });

  it('useClusterShards: CLUSTER SHARDS gives both faces the slot map CLUSTER SLOTS gives', async () => {
    const shardsAcc = new AsyncClusterContext({ ...c.options, useClusterShards: true });
    const shardsCc = new BlockingClusterContext({
      ...c.options,
      nodes: c.blockingSeed,
      useClusterShards: true,
    });
    const slotsAcc = new AsyncClusterContext(c.options);
    try {
      await Promise.all([shardsAcc.connect(), slotsAcc.connect()]);
      shardsCc.connect();
      const map = describeMap(slotsAcc.nodes());
      expect(describeMap(shardsAcc.nodes())).to.deep.equal(map);
      expect(describeMap(shardsCc.nodes())).to.deep.equal(
        map.map((line) => line.replace(`${c.asyncHost}:`, `${c.blockingHost}:`)),
      );
      expect(await shardsAcc.send('SET', 'forms:shards', 'x')).to.equal('OK');
      expect(shardsCc.command('GET forms:shards')).to.equal('x');
    } finally {
      shardsAcc.free();
      shardsCc.close();
      slotsAcc.free();
    }
  });
}
