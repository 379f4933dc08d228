/**
 * The pub/sub behaviour both the real clusters and MockCluster must show on the async face, RESP2 and
 * RESP3: classic, pattern and sharded messages exactly as published, unsubscribe, hiredis-style callbacks,
 * the bounded iterator, keyspace notifications from every primary, and bad input.
 */
import { expect } from 'chai';
import type { AsyncClusterContext } from '../../lib/async-context.js';
import { ClusterError } from '../../lib/errors.js';
import { Outcomes, sleep } from './async-helpers.js';
import { Received } from './pubsub-checks.js';

/** Channels whose slots fall on each of the three primaries ({a}, {b}, {c} spread on the test clusters). */
export const SPREAD_CHANNELS = ['ps:{a}:1', 'ps:{b}:1', 'ps:{c}:1', 'ps:{a}:2', 'ps:{b}:2', 'ps:{c}:2'];

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

export function pubsubBehaviour(open: (resp: 2 | 3) => Promise<AsyncClusterContext>): void {
  for (const resp of [2, 3] as const) {
    describe(`RESP${resp}`, () => {
      let acc: AsyncClusterContext;
      let got: Received;
      beforeEach(async () => {
        acc = await open(resp);
        got = new Received(acc);
      });
      afterEach(() => acc.free());

      it('classic channels: each message once, in order, on its channel', async () => {
        await acc.subscribe('ps:news', 'ps:sport');
        await acc.publish('ps:news', 'n1');
        await acc.publish('ps:sport', 's1');
        await acc.publish('ps:other', 'x');
        await acc.publish('ps:news', 'n2');
        await got.wait(3);
        await sleep(50);
        expect(got.list).to.deep.equal([
          { kind: 'message', channel: 'ps:news', message: 'n1' },
          { kind: 'message', channel: 'ps:sport', message: 's1' },
          { kind: 'message', channel: 'ps:news', message: 'n2' },
        ]);
      });

      it('patterns: pmessage with the pattern and the channel', async () => {
        await acc.psubscribe('ps:p:*');
        await acc.publish('ps:p:one', 'hello');
        await acc.publish('ps:q:one', 'no');
        await got.wait(1);
        await sleep(50);
        expect(got.list).to.deep.equal([
          { kind: 'pmessage', pattern: 'ps:p:*', channel: 'ps:p:one', message: 'hello' },
        ]);
      });

      it('sharded channels on every primary: each channel on its own slot, every message once', async () => {
        await acc.ssubscribe(...SPREAD_CHANNELS);
        for (const channel of SPREAD_CHANNELS)
          expect(await acc.spublish(channel, `m:${channel}`)).to.equal(1);
        await got.wait(SPREAD_CHANNELS.length);
        await sleep(50);
        // Each message once; the nodes' links deliver in no set order between them.
        const sent = SPREAD_CHANNELS.map((channel) => ({
          kind: 'smessage',
          channel,
          message: `m:${channel}`,
        }));
        expect(got.list).to.have.length(sent.length);
        expect(got.list).to.have.deep.members(sent);
      });

      it('unsubscribe stops messages at once; the others go on', async () => {
        await acc.subscribe('ps:u1', 'ps:u2');
        await acc.ssubscribe('ps:{a}:u', 'ps:{b}:u');
        await acc.unsubscribe('ps:u1');
        await acc.sunsubscribe('ps:{a}:u');
        await acc.publish('ps:u1', 'gone');
        await acc.spublish('ps:{a}:u', 'gone');
        await acc.publish('ps:u2', 'kept');
        await acc.spublish('ps:{b}:u', 'kept');
        await got.wait(2);
        await sleep(50);
        expect(got.list.map((m) => m.channel).sort()).to.deep.equal(['ps:u2', 'ps:{b}:u']);
        await acc.unsubscribe();
        await acc.sunsubscribe();
        await acc.publish('ps:u2', 'gone');
        await sleep(50);
        expect(got.list).to.have.length(2);
      });

      it("hiredis' way: the SUBSCRIBE command's callback gets its confirmation, then each message, with its privdata", async () => {
        const outcomes = new Outcomes();
        expect(acc.command(outcomes.callback, 'pd', 'SUBSCRIBE %s', 'ps:h')).to.equal(true);
        expect(acc.commandArgv(outcomes.callback, 'spd', ['SSUBSCRIBE', 'ps:{c}:h'])).to.equal(true);
        await outcomes.wait(2);
        await acc.publish('ps:h', 'one');
        await acc.spublish('ps:{c}:h', 'two');
        await outcomes.wait(4);
        const seen = outcomes.list.map((o) => [o.reply, o.privdata]);
        expect(seen).to.deep.include.members([
          [['subscribe', 'ps:h', 1], 'pd'],
          [['ssubscribe', 'ps:{c}:h', 1], 'spd'],
          [['message', 'ps:h', 'one'], 'pd'],
          [['smessage', 'ps:{c}:h', 'two'], 'spd'],
        ]);
        expect(acc.command(outcomes.callback, 'u', 'UNSUBSCRIBE ps:h')).to.equal(true);
        await outcomes.wait(5);
        expect(outcomes.list[4]).to.deep.include({ reply: ['unsubscribe', 'ps:h', 0], privdata: 'u' });
        await acc.publish('ps:h', 'gone');
        await sleep(50);
        expect(outcomes.list).to.have.length(5);
      });

      it('messages(): an async iterator whose bounded queue reports what it dropped', async () => {
        const reader = acc.messages({ capacity: 3 });
        await acc.subscribe('ps:it');
        for (let i = 1; i <= 5; i++) await acc.publish('ps:it', `m${i}`);
        await got.wait(5);
        const read = [];
        for (let i = 0; i < 4; i++) read.push((await reader.next()).value);
        expect(read).to.deep.equal([
          { kind: 'message', channel: 'ps:it', message: 'm1' },
          { kind: 'message', channel: 'ps:it', message: 'm2' },
          { kind: 'message', channel: 'ps:it', message: 'm3' },
          { kind: 'overflow', dropped: 2 },
        ]);
        await acc.publish('ps:it', 'm6');
        expect((await reader.next()).value).to.deep.equal({
          kind: 'message',
          channel: 'ps:it',
          message: 'm6',
        });
        await reader.return!();
        expect((await reader.next()).done).to.equal(true);
      });

      it('keyspace notifications from keys on all three primaries ({ everyPrimary: true })', async () => {
        const primaries = [...acc.nodes()];
        for (const node of primaries)
          await acc.sendToNode(node, 'CONFIG', 'SET', 'notify-keyspace-events', 'KA');
        try {
          await acc.psubscribe({ everyPrimary: true }, '__keyspace@0__:ps:ks:*');
          const keys = ['ps:ks:{a}', 'ps:ks:{b}', 'ps:ks:{c}'];
          expect(new Set(keys.map((k) => acc.nodeForKey(k)!.addr)).size).to.equal(3);
          for (const key of keys) await acc.send('SET', key, 'v');
          await got.wait(3);
          expect(got.list.map((m) => [m.kind, m.channel, m.message]).sort()).to.deep.equal(
            keys.map((k) => ['pmessage', `__keyspace@0__:${k}`, 'set']),
          );
        } finally {
          for (const node of primaries)
            await acc.sendToNode(node, 'CONFIG', 'SET', 'notify-keyspace-events', '');
        }
      });

      it('bad input: clear errors, and the context stays usable (commands run beside subscriptions)', async () => {
        expect(await rejection(acc.subscribe())).to.equal('SUBSCRIBE needs at least one channel');
        expect(await rejection(acc.psubscribe())).to.equal('PSUBSCRIBE needs at least one pattern');
        expect(await rejection(acc.ssubscribe())).to.equal('SSUBSCRIBE needs at least one channel');
        expect(await rejection(acc.subscribe(42 as never))).to.equal(
          'Invalid channel: expected a string, got number',
        );
        expect(await rejection(acc.ssubscribe({ everyPrimary: true } as never, 'ps:x'))).to.equal(
          "SSUBSCRIBE cannot be on every primary: a sharded channel lives on its slot's primary (use psubscribe or subscribe with everyPrimary)",
        );
        await acc.subscribe('ps:ok');
        expect(await rejection(acc.subscribe({ everyPrimary: true }, 'ps:ok'))).to.equal(
          'ps:ok is already subscribed on one node: unsubscribe it first',
        );
        expect(await rejection(acc.send('SUBSCRIBE', 'ps:x'))).to.match(
          /^SUBSCRIBE is not allowed on a shared cluster link: use subscribe\(\)/,
        );
        // What a RESP2 subscribed link would refuse runs here: subscriptions have links of their own.
        expect(await acc.send('SET', 'ps:key', 'v')).to.equal('OK');
        expect(await acc.send('GET', 'ps:key')).to.equal('v');
        await acc.publish('ps:ok', 'still');
        await got.wait(1);
        expect(got.list).to.deep.equal([{ kind: 'message', channel: 'ps:ok', message: 'still' }]);
      });

      it('free() ends subscriptions and iterators; a pending subscribe rejects', async () => {
        const reader = acc.messages();
        const pending = acc.subscribe('ps:late');
        acc.free();
        expect(await rejection(pending)).to.equal('context freed');
        expect((await reader.next()).done).to.equal(true);
      });
    });
  }
}
