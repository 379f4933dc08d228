/**
 * Pub/sub against MockCluster: the shared behaviour (spec/support/pubsub-behaviour.ts), then what only a
 * mock can stage on demand — a slot migration and a failover under sharded subscriptions (the node's own
 * `sunsubscribe`, then the channel on its new owner), and the RESP2 subscribed-link rules a raw client sees.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { ReplyError } from '../../lib/errors.js';
import { MockCluster } from '../../lib/testing/index.js';
import { closeRawClients, rawTo } from '../support/mock-helpers.js';
import { pubsubBehaviour } from '../support/pubsub-behaviour.js';
import { eventually, Received } from '../support/pubsub-checks.js';

describe('mock: pub/sub', function () {
  this.timeout(20_000);
  let cluster: MockCluster;
  before(async () => {
    cluster = await MockCluster.start({ primaries: 3, replicasPerPrimary: 1 });
  });
  after(() => cluster.stop());
  afterEach(() => closeRawClients());

  pubsubBehaviour(async (resp) => {
    const acc = new AsyncClusterContext({ nodes: cluster.addresses.join(','), resp });
    await acc.connect();
    return acc;
  });

  for (const resp of [2, 3] as const) {
    it(`RESP${resp}: a sharded channel follows its slot through a migration and a failover`, async () => {
      const acc = new AsyncClusterContext({ nodes: cluster.addresses.join(','), resp });
      try {
        await acc.connect();
        const got = new Received(acc);
        const channel = `mps:${resp}:{m}`;
        const slot = keySlot(channel);
        await acc.ssubscribe(channel, 'mps:{other}');
        expect(await acc.spublish(channel, 'before')).to.equal(1);
        await got.wait(1);
        const from = cluster.nodeForSlot(slot);
        const to = cluster.primaries.find((p) => p.id !== from.id)!;
        await cluster.migrateSlot(slot, to);
        await eventually(async () => {
          expect(await acc.spublish(channel, 'after-move')).to.equal(1);
        });
        await got.wait(2);
        const promoted = await cluster.failover(to);
        expect(promoted.id).to.not.equal(to.id);
        await eventually(async () => {
          expect(await acc.spublish(channel, 'after-failover')).to.equal(1);
        });
        await got.wait(3);
        expect(got.list.map((m) => m.message).filter((m) => m !== undefined)).to.deep.equal([
          'before',
          ...got.list.slice(1).map((m) => m.message),
        ]);
        expect(new Set(got.list.map((m) => m.channel))).to.deep.equal(new Set([channel]));
        // Every published copy that was counted as heard arrived once.
        expect(got.list.filter((m) => m.message === 'before')).to.have.length(1);
      } finally {
        acc.free();
      }
    });
  }

  it('a raw RESP2 link: messages as arrays, sunsubscribe on migration, only the subscribe family while subscribed', async () => {
    const channel = 'mps:raw:{r}';
    const slot = keySlot(channel);
    const owner = cluster.nodeForSlot(slot);
    const raw = await rawTo(owner);
    expect(await raw.call(['SSUBSCRIBE', channel])).to.deep.equal(['ssubscribe', channel, 1]);
    const get = await raw.call(['GET', 'x']);
    expect(get).to.be.instanceOf(ReplyError);
    expect((get as ReplyError).message).to.equal(
      "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    );
    expect(await raw.call(['PING'])).to.deep.equal(['pong', '']);
    const to = cluster.primaries.find((p) => p.id !== owner.id)!;
    raw.unsolicited = [];
    await cluster.migrateSlot(slot, to);
    await eventually(() => {
      expect(raw.unsolicited).to.deep.equal([['sunsubscribe', channel, 0]]);
    });
    // No longer subscribed: PING answers as usual.
    expect(await raw.call(['PING'])).to.equal('PONG');
  });
});
