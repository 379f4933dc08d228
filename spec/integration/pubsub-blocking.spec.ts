/**
 * Pub/sub on the blocking face against the real plain cluster, RESP2 and RESP3: subscribe, then
 * getMessage(timeoutMs) — messages exactly as published, null when the time passes, unsubscribe, keyspace
 * notifications from every primary, the bounded queue's overflow record, and bad input.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { ClusterError } from '../../lib/errors.js';
import { PLAIN } from '../support/clusters.js';
import { SPREAD_CHANNELS } from '../support/pubsub-behaviour.js';

/** Every message getMessage hands out until one wait of `waitMs` finds none. */
function drain(cc: BlockingClusterContext, waitMs = 200): unknown[] {
  const out: unknown[] = [];
  for (let m = cc.getMessage(waitMs); m !== null; m = cc.getMessage(waitMs)) out.push(m);
  return out;
}

function thrown(call: () => unknown): string {
  try {
    call();
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    return (err as Error).message;
  }
  throw new Error('expected a throw');
}

describe('integration: pub/sub (blocking face, plain cluster)', function () {
  this.timeout(30_000);
  for (const resp of [2, 3] as const) {
    describe(`RESP${resp}`, () => {
      let cc: BlockingClusterContext;
      beforeEach(() => {
        cc = new BlockingClusterContext({ nodes: PLAIN[0]!, resp });
        cc.connect();
      });
      afterEach(() => cc.close());

      it('classic, pattern and sharded messages exactly as published; null once the time passes', () => {
        cc.subscribe('bps:news');
        cc.psubscribe('bps:p:*');
        cc.ssubscribe(...SPREAD_CHANNELS);
        expect(cc.getMessage(0)).to.equal(null);
        cc.publish('bps:news', 'n1');
        cc.publish('bps:p:x', 'p1');
        for (const channel of SPREAD_CHANNELS) expect(cc.spublish(channel, `s:${channel}`)).to.equal(1);
        // Each message once; their order across links (and across the cluster bus) is not defined.
        const got = drain(cc);
        const sent = [
          { kind: 'message', channel: 'bps:news', message: 'n1' },
          { kind: 'pmessage', pattern: 'bps:p:*', channel: 'bps:p:x', message: 'p1' },
          ...SPREAD_CHANNELS.map((channel) => ({ kind: 'smessage', channel, message: `s:${channel}` })),
        ];
        expect(got).to.have.length(sent.length);
        expect(got).to.have.deep.members(sent);
        const started = Date.now();
        expect(cc.getMessage(150)).to.equal(null);
        expect(Date.now() - started).to.be.within(140, 1000);
      });

      it('unsubscribe stops messages; every form with no names leaves all', () => {
        cc.subscribe('bps:a', 'bps:b');
        cc.ssubscribe('bps:{a}:s');
        cc.unsubscribe('bps:a');
        cc.publish('bps:a', 'gone');
        cc.publish('bps:b', 'kept');
        expect(drain(cc)).to.deep.equal([{ kind: 'message', channel: 'bps:b', message: 'kept' }]);
        cc.unsubscribe();
        cc.sunsubscribe();
        cc.publish('bps:b', 'gone');
        cc.spublish('bps:{a}:s', 'gone');
        expect(cc.getMessage(100)).to.equal(null);
      });

      it('keyspace notifications from keys on all three primaries', () => {
        const primaries = [...cc.nodes()];
        for (const node of primaries) cc.commandToNode(node, 'CONFIG SET notify-keyspace-events KEA');
        try {
          cc.subscribe({ everyPrimary: true }, '__keyevent@0__:set');
          const keys = ['bps:ks:{a}', 'bps:ks:{b}', 'bps:ks:{c}'];
          for (const key of keys) cc.command('SET %s v', key);
          const got = drain(cc).filter((m) => keys.includes((m as { message: string }).message));
          expect(got.map((m) => (m as { message: string }).message).sort()).to.deep.equal(keys);
        } finally {
          for (const node of primaries) cc.commandToNode(node, 'CONFIG SET notify-keyspace-events %s', '');
        }
      });

      it('messages beyond the queue are dropped and reported where they were', async () => {
        cc.subscribe('bps:flood');
        const publisher = new AsyncClusterContext({ nodes: PLAIN[0]!, resp });
        try {
          await publisher.connect();
          const node = cc.nodes().next().value!.addr;
          await Promise.all(
            Array.from({ length: 10_005 }, (_, i) =>
              publisher.sendToNode(node, 'PUBLISH', 'bps:flood', `m${i}`),
            ),
          );
        } finally {
          publisher.free();
        }
        // Let the last copies reach the subscriber link before reading makes room in the queue.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const got = drain(cc, 500);
        expect(got).to.have.length(10_001);
        expect(got[9_999]).to.deep.equal({ kind: 'message', channel: 'bps:flood', message: 'm9999' });
        expect(got[10_000]).to.deep.equal({ kind: 'overflow', dropped: 5 });
        cc.publish('bps:flood', 'after');
        expect(cc.getMessage(1000)).to.deep.equal({
          kind: 'message',
          channel: 'bps:flood',
          message: 'after',
        });
      });

      it('bad input: clear errors, err/errstr set, and the context stays usable', () => {
        expect(thrown(() => cc.subscribe())).to.equal('SUBSCRIBE needs at least one channel');
        expect(cc.errstr).to.equal('SUBSCRIBE needs at least one channel');
        expect(thrown(() => cc.psubscribe())).to.equal('PSUBSCRIBE needs at least one pattern');
        expect(thrown(() => cc.ssubscribe({ everyPrimary: true } as never, 'x'))).to.match(
          /^SSUBSCRIBE cannot be on every primary/,
        );
        expect(thrown(() => cc.getMessage(-1))).to.equal(
          'Invalid timeout: must be an integer from 0 to 2147483647 ms, got -1',
        );
        cc.subscribe('bps:ok');
        expect(thrown(() => cc.subscribe({ everyPrimary: true }, 'bps:ok'))).to.equal(
          'bps:ok is already subscribed on one node: unsubscribe it first',
        );
        expect(thrown(() => cc.command('SUBSCRIBE bps:x'))).to.match(
          /^SUBSCRIBE is not allowed on a shared cluster link/,
        );
        // Subscriptions have links of their own: every command still runs.
        expect(cc.command('SET bps:k v')).to.equal('OK');
        expect(cc.command('GET bps:k')).to.equal('v');
        cc.publish('bps:ok', 'still');
        expect(cc.getMessage(1000)).to.deep.equal({ kind: 'message', channel: 'bps:ok', message: 'still' });
      });
    });
  }
});
