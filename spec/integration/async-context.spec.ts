/**
 * AsyncClusterContext against the real clusters of scripts/cluster.sh: every data type, cross-slot
 * multi-key commands, ToNode, MULTI refused on the shared link, null callbacks, scripts, AUTH, IPv6, TLS,
 * timeouts and shutdown.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { ClusterError, REDIS_ERR_OTHER, REDIS_ERR_TIMEOUT, ReplyError } from '../../lib/errors.js';
import type { ClusterOptions } from '../../lib/options.js';
import { encodeArgv } from '../../lib/resp/encode.js';
import { Outcomes, rejectionOf, sleep } from '../support/async-helpers.js';
import { AUTH, IPV6, PASSWORD, PLAIN, TLS, tlsFiles } from '../support/clusters.js';

const contexts: AsyncClusterContext[] = [];

async function open(options: ClusterOptions): Promise<AsyncClusterContext> {
  const acc = new AsyncClusterContext(options);
  contexts.push(acc);
  await acc.connect();
  return acc;
}

afterEach(() => {
  for (const acc of contexts.splice(0)) acc.free();
});

const MULTI_REFUSED =
  'MULTI is not allowed on a shared cluster link: use multi() ... exec() (a transaction gets a link of its own)';

/** Keys in three different slots served by three different masters of the plain cluster. */
const SPREAD = ['spec:{a}', 'spec:{b}', 'spec:{c}'];

describe('integration: AsyncClusterContext', () => {
  describe('plain cluster', () => {
    let acc: AsyncClusterContext;
    beforeEach(async () => {
      acc = await open({ nodes: PLAIN.slice(0, 2).join(',') });
      for (const node of acc.nodes()) await acc.sendToNode(node, 'FLUSHALL');
    });

    it('learns the three masters and routes by slot', () => {
      const nodes = [...acc.nodes()];
      expect(nodes).to.have.length(3);
      expect(nodes.map((n) => n.port).every((p) => p >= 7000 && p <= 7005)).to.equal(true);
      expect(acc.version).to.equal(1);
      const node = acc.nodeForKey('foo')!;
      expect(node.slots.some(([s, e]) => s <= 12182 && 12182 <= e)).to.equal(true);
      expect(acc.slotForKey('foo')).to.equal(12182);
    });

    it('strings, counters and expiry', async () => {
      expect(await acc.send('SET', 'spec:str', 'hello world')).to.equal('OK');
      expect(await acc.send('GET', 'spec:str')).to.equal('hello world');
      expect(await acc.send('APPEND', 'spec:str', '!')).to.equal(12);
      expect(await acc.send('INCRBY', 'spec:n', 41)).to.equal(41);
      expect(await acc.send('INCR', 'spec:n')).to.equal(42);
      expect(await acc.send('INCRBYFLOAT', 'spec:f', '1.5')).to.equal('1.5');
      expect(await acc.send('EXPIRE', 'spec:n', 100)).to.equal(1);
      expect(await acc.send('TTL', 'spec:n')).to.be.within(99, 100);
      expect(await acc.send('GET', 'spec:missing')).to.equal(null);
    });

    it('hashes, lists, sets and sorted sets', async () => {
      expect(await acc.send('HSET', 'spec:h', 'a', '1', 'b', '2')).to.equal(2);
      expect(await acc.send('HGET', 'spec:h', 'b')).to.equal('2');
      expect(await acc.send('HGETALL', 'spec:h')).to.deep.equal(['a', '1', 'b', '2']);
      expect(await acc.send('HEXISTS', 'spec:h', 'a')).to.equal(1);
      expect(await acc.send('HDEL', 'spec:h', 'a')).to.equal(1);
      expect(await acc.send('RPUSH', 'spec:l', 'x', 'y', 'z')).to.equal(3);
      expect(await acc.send('LRANGE', 'spec:l', 0, -1)).to.deep.equal(['x', 'y', 'z']);
      expect(await acc.send('LPOP', 'spec:l')).to.equal('x');
      expect(await acc.send('SADD', 'spec:s', 'm1', 'm2', 'm1')).to.equal(2);
      expect(((await acc.send('SMEMBERS', 'spec:s')) as string[]).sort()).to.deep.equal(['m1', 'm2']);
      expect(await acc.send('ZADD', 'spec:z', 2, 'two', 1, 'one')).to.equal(2);
      expect(await acc.send('ZRANGE', 'spec:z', 0, -1, 'WITHSCORES')).to.deep.equal(['one', '1', 'two', '2']);
      expect(await acc.send('ZSCORE', 'spec:z', 'two')).to.equal('2');
    });

    it('streams: XADD, XGROUP, XREADGROUP, XACK, XAUTOCLAIM', async () => {
      const id = await acc.send('XADD', 'spec:x', '1-1', 'f', 'v');
      expect(id).to.equal('1-1');
      expect(await acc.send('XGROUP', 'CREATE', 'spec:x', 'g', '0')).to.equal('OK');
      expect(
        await acc.send('XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', 1, 'STREAMS', 'spec:x', '>'),
      ).to.deep.equal([['spec:x', [['1-1', ['f', 'v']]]]]);
      expect(await acc.send('XAUTOCLAIM', 'spec:x', 'g', 'c2', 0, '0-0')).to.deep.equal([
        '0-0',
        [['1-1', ['f', 'v']]],
        [],
      ]);
      expect(await acc.send('XACK', 'spec:x', 'g', '1-1')).to.equal(1);
      expect(await acc.send('XLEN', 'spec:x')).to.equal(1);
    });

    it('bitfields', async () => {
      expect(await acc.send('BITFIELD', 'spec:bf', 'SET', 'u8', 0, 200, 'GET', 'u8', 0)).to.deep.equal([
        0, 200,
      ]);
      expect(await acc.send('BITFIELD_RO', 'spec:bf', 'GET', 'u4', 0)).to.deep.equal([12]);
    });

    it('MSET, MGET, EXISTS, DEL across slots, merged in key order', async () => {
      expect(new Set(SPREAD.map((k) => keySlot(k))).size).to.equal(3);
      expect(await acc.send('MSET', SPREAD[0]!, '0', SPREAD[1]!, '1', SPREAD[2]!, '2')).to.equal('OK');
      expect(await acc.send('MGET', SPREAD[2]!, 'spec:none', SPREAD[0]!, SPREAD[1]!)).to.deep.equal([
        '2',
        null,
        '0',
        '1',
      ]);
      expect(await acc.send('EXISTS', ...SPREAD, SPREAD[0]!, 'spec:none')).to.equal(4);
      expect(await acc.send('TOUCH', ...SPREAD)).to.equal(3);
      expect(await acc.send('DEL', ...SPREAD, 'spec:none')).to.equal(3);
      expect(await acc.send('UNLINK', ...SPREAD)).to.equal(0);
    });

    it('DBSIZE on every node through ToNode', async () => {
      await acc.send('MSET', SPREAD[0]!, '0', SPREAD[1]!, '1', SPREAD[2]!, '2');
      const sizes: unknown[] = [];
      for (const node of acc.nodes()) sizes.push(await acc.sendToNode(node, 'DBSIZE'));
      expect(sizes).to.deep.equal([1, 1, 1].map(() => 1));
    });

    it('MULTI through ToNode is refused at the call (the link is shared); the link serves what follows', async () => {
      const node = acc.nodeForKey('spec:tx')!;
      const outcomes = new Outcomes();
      expect(acc.commandToNode(node, outcomes.callback, 1, 'MULTI')).to.equal(false);
      expect([acc.err, acc.errstr]).to.deep.equal([REDIS_ERR_OTHER, MULTI_REFUSED]);
      expect(acc.commandToNode(node, outcomes.callback, 2, 'SET spec:tx %d', 10)).to.equal(true);
      expect(acc.commandToNode(node, outcomes.callback, 3, 'INCR spec:tx')).to.equal(true);
      const got = await outcomes.wait(2);
      expect(got.map((o) => [o.privdata, o.reply])).to.deep.equal([
        [2, 'OK'],
        [3, 11],
      ]);
    });

    it('MULTI through the key-routed API is refused at once, saying what to use instead', () => {
      const outcomes = new Outcomes();
      expect(acc.command(outcomes.callback, null, 'MULTI')).to.equal(false);
      expect(acc.err).to.equal(REDIS_ERR_OTHER);
      expect(acc.errstr).to.equal(MULTI_REFUSED);
      expect(outcomes.list).to.have.length(0);
    });

    it('a null callback (hiredis NULL): every form runs its command, drops the reply, and nothing throws', async () => {
      const uncaught: unknown[] = [];
      const record = (err: unknown) => uncaught.push(err);
      process.on('uncaughtException', record);
      try {
        const key = (form: string) => `spec:null-callback:${form}`;
        const node = (form: string) => acc.nodeForKey(key(form))!;
        const resp = (form: string) => encodeArgv(['SET', key(form), form]);
        expect(acc.command(null, null, 'SET %s %s', key('command'), 'command')).to.equal(true);
        expect(acc.commandArgv(null, null, ['SET', key('argv'), 'argv'])).to.equal(true);
        expect(acc.formattedCommand(null, null, resp('formatted'))).to.equal(true);
        expect(
          acc.commandToNode(node('to-node'), null, null, 'SET %s %s', key('to-node'), 'to-node'),
        ).to.equal(true);
        expect(
          acc.commandArgvToNode(node('argv-to-node'), null, null, [
            'SET',
            key('argv-to-node'),
            'argv-to-node',
          ]),
        ).to.equal(true);
        expect(
          acc.formattedCommandToNode(node('formatted-to-node'), null, null, resp('formatted-to-node')),
        ).to.equal(true);
        // undefined is taken as null; an error reply is dropped as well.
        expect(acc.command(undefined as unknown as null, null, 'LPUSH %s x', key('command'))).to.equal(true);
        for (const form of ['command', 'argv', 'formatted', 'to-node', 'argv-to-node', 'formatted-to-node'])
          expect(await acc.send('GET', key(form)), form).to.equal(form);
        await sleep(20);
        expect(uncaught).to.deep.equal([]);
        expect(acc.pendingCount).to.equal(0);
      } finally {
        process.off('uncaughtException', record);
      }
    });

    it('EVAL with keys runs on the key node', async () => {
      expect(
        await acc.send('EVAL', "return redis.call('SET', KEYS[1], ARGV[1])", 1, 'spec:lua', 'v'),
      ).to.equal('OK');
      expect(await acc.send('EVAL', "return redis.call('GET', KEYS[1])", 1, 'spec:lua')).to.equal('v');
      const err = await rejectionOf(
        acc.send('EVAL', "return redis.call('GET', KEYS[1])", 2, 'spec:{a}', 'spec:{b}'),
      );
      expect(err).to.be.instanceOf(ReplyError);
      expect(err.message).to.match(/^CROSSSLOT /);
    });

    it('an error reply is a ReplyError value in callbacks, with err 0', async () => {
      await acc.send('SET', 'spec:str', 'x');
      const outcomes = new Outcomes();
      acc.command(outcomes.callback, null, 'LPUSH spec:str v');
      const [o] = await outcomes.wait(1);
      expect(o!.reply).to.be.instanceOf(ReplyError);
      expect((o!.reply as ReplyError).message).to.equal(
        'WRONGTYPE Operation against a key holding the wrong kind of value',
      );
      expect(o!.err).to.equal(0);
    });

    it('command timeout: DEBUG SLEEP past it fails its link with "Timeout"', async () => {
      const slow = await open({ nodes: PLAIN[0]!, commandTimeout: 200 });
      const node = slow.nodeForKey('spec:t')!;
      const outcomes = new Outcomes();
      slow.commandToNode(node, outcomes.callback, 'sleep', 'DEBUG SLEEP 0.6');
      slow.command(outcomes.callback, 'get', 'GET spec:t');
      const started = Date.now();
      const got = await outcomes.wait(2);
      expect(got.map((o) => [o.privdata, o.reply, o.err, o.errstr])).to.have.deep.members([
        ['sleep', null, REDIS_ERR_TIMEOUT, 'Timeout'],
        ['get', null, REDIS_ERR_TIMEOUT, 'Timeout'],
      ]);
      expect(Date.now() - started).to.be.below(600);
      await new Promise((r) => setTimeout(r, 500));
      expect(await slow.send('GET', 'spec:t')).to.equal(null);
    });

    it('disconnect() delivers pending replies, then refuses with "client closing"', async () => {
      const outcomes = new Outcomes();
      for (let i = 0; i < 50; i++) acc.command(outcomes.callback, i, 'SET spec:dc:%d %d', i, i);
      acc.disconnect();
      expect(acc.command(outcomes.callback, 'late', 'GET spec:dc:1')).to.equal(false);
      expect(acc.errstr).to.equal('client closing');
      expect(acc.commandToNode(PLAIN[0]!, outcomes.callback, 'late', 'PING')).to.equal(false);
      expect(acc.errstr).to.equal('disconnecting');
      const got = await outcomes.wait(50);
      expect(got.map((o) => o.reply)).to.deep.equal(new Array(50).fill('OK'));
      // Replies from different nodes interleave; each command still has exactly one.
      expect(got.map((o) => o.privdata as number).sort((a, b) => a - b)).to.deep.equal([...Array(50).keys()]);
    });

    it('free() with commands in flight: each callback once with null and "context freed"', async () => {
      const outcomes = new Outcomes();
      const events: string[] = [];
      acc.on('free-context', () => events.push('free-context'));
      for (let i = 0; i < 20; i++) acc.command(outcomes.callback, i, 'GET spec:free:%d', i);
      acc.free();
      const got = await outcomes.wait(20);
      expect(
        got.every((o) => o.reply === null && o.errstr === 'context freed' && o.err === REDIS_ERR_OTHER),
      ).to.equal(true);
      expect(events).to.deep.equal(['free-context']);
      await new Promise((r) => setTimeout(r, 50));
      expect(outcomes.list).to.have.length(20);
    });

    it('100 000 pipelined commands each get exactly one callback with their own reply', async function () {
      this.timeout(60_000);
      const total = 100_000;
      const seen = new Uint8Array(total);
      let done = 0;
      let wrong = 0;
      await new Promise<void>((resolve) => {
        const cb = (_: AsyncClusterContext, reply: unknown, i: number) => {
          seen[i]!++;
          if (reply !== (i % 2 === 0 ? 'OK' : `v${i - 1}`)) wrong++;
          if (++done === total) resolve();
        };
        for (let i = 0; i < total; i += 2) {
          acc.command(cb, i, 'SET spec:p:%d v%d', i, i);
          acc.command(cb, i + 1, 'GET spec:p:%d', i);
        }
      });
      expect(wrong).to.equal(0);
      expect(seen.every((n) => n === 1)).to.equal(true);
      expect(acc.pendingCount).to.equal(0);
    });
  });

  describe('auth cluster', () => {
    it('connects with the password', async () => {
      const acc = await open({ nodes: AUTH[0]!, password: PASSWORD });
      expect(await acc.send('SET', 'spec:auth', 'ok')).to.equal('OK');
    });

    it('a wrong password rejects connect() with WRONGPASS', async () => {
      const acc = new AsyncClusterContext({ nodes: AUTH[0]!, password: 'wrong' });
      contexts.push(acc);
      const err = await rejectionOf(acc.connect());
      expect(err).to.be.instanceOf(ClusterError);
      expect(err.message).to.equal('WRONGPASS invalid username-password pair or user is disabled.');
    });

    it('no password: connect() rejects with NOAUTH, commands get "slotmap not available"', async () => {
      const acc = new AsyncClusterContext({ nodes: AUTH[0]! });
      contexts.push(acc);
      const err = await rejectionOf(acc.connect());
      expect(err.message).to.equal('NOAUTH Authentication required.');
      expect(acc.command(() => {}, null, 'GET foo')).to.equal(false);
      expect(acc.errstr).to.equal('slotmap not available');
    });

    it('a username with its password (ACL user on every master)', async () => {
      const admin = await open({ nodes: AUTH[0]!, password: PASSWORD });
      for (const node of admin.nodes()) {
        expect(
          await admin.sendToNode(node, 'ACL', 'SETUSER', 'specuser', 'on', '>userpass', '~*', '+@all'),
        ).to.equal('OK');
      }
      const acc = await open({ nodes: AUTH[0]!, username: 'specuser', password: 'userpass' });
      expect(await acc.send('SET', 'spec:user', 'ok')).to.equal('OK');
      const wrong = new AsyncClusterContext({ nodes: AUTH[0]!, username: 'specuser', password: 'nope' });
      contexts.push(wrong);
      expect((await rejectionOf(wrong.connect())).message).to.equal(
        'WRONGPASS invalid username-password pair or user is disabled.',
      );
    });
  });

  describe('ipv6 cluster', () => {
    it('connects on ::1 with both address forms', async () => {
      const acc = await open({ nodes: `${IPV6[0]},[::1]:${IPV6[1]!.split(':').pop()}` });
      expect([...acc.nodes()].every((n) => n.host === '::1')).to.equal(true);
      expect(await acc.send('SET', 'spec:v6', 'ok')).to.equal('OK');
      expect(await acc.send('MGET', 'spec:v6', ...SPREAD)).to.deep.equal(['ok', null, null, null]);
    });
  });

  describe('tls cluster', () => {
    it('connects with the generated CA', async () => {
      const acc = await open({ nodes: TLS[0]!, tls: { ca: readFileSync(tlsFiles().ca) } });
      expect(await acc.send('SET', 'spec:tls', 'ok')).to.equal('OK');
      expect(await acc.send('GET', 'spec:tls')).to.equal('ok');
    });

    it('refuses a server it does not trust, with a clear error', async () => {
      const acc = new AsyncClusterContext({
        nodes: TLS[0]!,
        tls: { ca: readFileSync(tlsFiles().untrustedCa) },
      });
      contexts.push(acc);
      const err = await rejectionOf(acc.connect());
      expect(err.message).to.include('self-signed certificate in certificate chain');
    });
  });
});
