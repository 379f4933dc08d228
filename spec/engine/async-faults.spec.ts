/**
 * AsyncClusterContext against scripted nodes on loopback: the exact commands the client sends on
 * which connection, in which order, for hiredis-cluster's async behaviour (reference §1.6, §1.9) —
 * initial updates, unserved slots, odd slot maps, failed updates, maxPending, callbacks and events,
 * and the handshake. Every script is strict: a command nobody asked for or an extra connection fails
 * it, and each command's callback count is checked after a quiet period.
 * The behaviours both faces have, each with its specs of both faces, have their own files:
 * redirects, timeouts, node-left, multi-key, link-failures and close-and-free (.spec.ts).
 */
import { expect } from 'chai';
import { ClusterError, REDIS_ERR_IO, REDIS_ERR_OTHER } from '../../lib/errors.js';
import {
  HIRCLUSTER_EVENT_FREE_CONTEXT,
  HIRCLUSTER_EVENT_READY,
  HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
} from '../../lib/events.js';
import { type Outcomes, rejectionOf } from '../support/async-helpers.js';
import { error, slots, status } from '../support/resp-values.js';
import { keyIn, scriptedAsync, type TestAdapter } from '../support/scripted-async.js';
import type { Conversation, ScriptedNode } from '../support/scripted-node.js';

describe('engine: AsyncClusterContext against scripted nodes', () => {
  let conv: Conversation;
  let adapter: TestAdapter;
  let outcomes: Outcomes;
  const { client, connected, results, halves } = scriptedAsync({}, (h) => {
    ({ conv, adapter, outcomes } = h);
  });

  describe('initial slot map', () => {
    it('connect(): CLUSTER SLOTS on a link that is kept for the commands', async () => {
      const a = await conv.node();
      const acc = client({ nodes: a.addr });
      const events: string[] = [];
      acc.on('slotmap-updated', (v) => events.push(`slotmap-updated ${v}`));
      acc.on('ready', () => events.push('ready'));
      await connected(acc, a, slots([0, 16383, a]));
      expect(events).to.deep.equal(['slotmap-updated 1', 'ready']);
      expect(acc.version).to.equal(1);
      expect([...acc.nodes()].map((n) => [n.addr, n.name, n.slots])).to.deep.equal([
        [a.addr, 'id-A', [[0, 16383]]],
      ]);

      conv.script(
        a.expectCommand(['GET', 'foo']),
        a.send('bar'),
        a.expectCommand(['SET', 'foo', 'x']),
        a.send(status('OK')),
      );
      expect(acc.command(outcomes.callback, 1, 'GET foo')).to.equal(true);
      expect(acc.command(outcomes.callback, 2, 'SET foo %s', 'x')).to.equal(true);
      await conv.done();
      expect(results()).to.deep.equal([
        [1, 'bar', 0, ''],
        [2, 'OK', 0, ''],
      ]);
      expect(a.linkCount).to.equal(1);
    });

    it('connect({ temporaryLink: true }): CONNECT, CLUSTER SLOTS, CLOSE, then commands on a new link', async () => {
      const a = await conv.node();
      const acc = client({ nodes: a.addr });
      conv.script(
        a.expectConnect(),
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.send(slots([0, 16383, a])),
        a.expectClose(),
      );
      await acc.connect({ temporaryLink: true });
      await conv.done();
      expect(acc.version).to.equal(1);

      conv.script(a.expectConnect(), a.expectCommand(['GET', 'foo']), a.send('bar'));
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([[1, 'bar', 0, '']]);
    });

    it('connect({ temporaryLink: true }) asks the seeds in order until one answers', async () => {
      const dead = await conv.node();
      const a = await conv.node();
      const deadAddr = dead.addr;
      await new Promise((resolve) => dead.server.close(resolve)); // refuses from now on
      const acc = client({ nodes: `${deadAddr},${a.addr}` });
      conv.script(
        a.expectConnect(),
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.send(slots([0, 16383, a])),
        a.expectClose(),
      );
      await acc.connect({ temporaryLink: true });
      await conv.done();
      expect([...acc.nodes()].map((n) => n.addr)).to.deep.equal([a.addr]);
    });

    it('a first CLUSTER SLOTS answered [] is retried at once through another node; its map makes it ready', async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: `${a.addr},${b.addr}` });
      const failures: [string, string | undefined][] = [];
      acc.on('update-error', (err) => failures.push([err.message, err.address]));
      conv.script(
        a.expectConnect(),
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.send([]),
        b.expectConnect(),
        b.expectCommand(['CLUSTER', 'SLOTS']),
        b.send(slots([0, 8191, a], [8192, 16383, b])),
      );
      await acc.connect();
      await conv.done();
      expect(failures).to.deep.equal([
        ['Command(cluster slots) reply error: reply is not an array.', a.addr],
      ]);
      expect(acc.version).to.equal(1);
    });

    /** connect() while seed `a` answers CLUSTER SLOTS with [], then with its map; the update errors. */
    async function emptyThenMap(a: ScriptedNode, nodes: string[]): Promise<string[]> {
      const acc = client({ nodes });
      const failures: string[] = [];
      acc.on('update-error', (err) => failures.push(`${err.message} @${err.address}`));
      conv.script(
        a.expectConnect(),
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.send([]),
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.send(slots([0, 16383, a])),
      );
      await acc.connect();
      await conv.done();
      expect(acc.version).to.equal(1);
      return failures;
    }

    it('one seed answering []: asked again at once (it answered: #252); the good map makes it ready', async () => {
      const a = await conv.node();
      expect(await emptyThenMap(a, [a.addr])).to.deep.equal([
        `Command(cluster slots) reply error: reply is not an array. @${a.addr}`,
      ]);
    });

    it('a retry never asks again a node that did not answer; one that answered, after the others', async () => {
      const a = await conv.node();
      const refusing = await conv.node();
      const refusingAddr = refusing.addr;
      await new Promise((resolve) => refusing.server.close(resolve));
      expect(await emptyThenMap(a, [a.addr, refusingAddr])).to.deep.equal([
        `Command(cluster slots) reply error: reply is not an array. @${a.addr}`,
        `Connection refused @${refusingAddr}`,
      ]);
    });

    it('a lone seed that keeps answering []: 8 retries in a row, then connect() rejects naming it', async () => {
      const a = await conv.node();
      const acc = client({ nodes: a.addr });
      const asks = Array.from({ length: 9 }, () => [
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.send([]),
      ]).flat();
      conv.script(a.expectConnect(), ...asks);
      const err = (await rejectionOf(acc.connect())) as ClusterError;
      await conv.done();
      expect([err.code, err.message, err.address]).to.deep.equal([
        REDIS_ERR_OTHER,
        'Command(cluster slots) reply error: reply is not an array.',
        a.addr,
      ]);
      expect(acc.version).to.equal(0);
    });

    it('a partial map: served slots work, an unserved one is refused at once and starts a throttled update', async () => {
      const a = await conv.node();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, slots([0, 8191, a]));
      conv.script(a.expectCommand(['GET', 'bar']), a.send('b'));
      acc.command(outcomes.callback, 'bar', 'GET bar');
      await conv.done();

      // Within a second of the last update: refused, and no update (the throttle).
      expect(acc.command(outcomes.callback, 'foo', 'GET foo')).to.equal(false);
      expect([acc.err, acc.errstr]).to.deep.equal([REDIS_ERR_OTHER, 'slot not served by any node']);
      await conv.done();

      // A second later: refused again, and an update goes to the connected node.
      adapter.skew += 1001;
      conv.script(a.expectCommand(['CLUSTER', 'SLOTS']), a.send(slots([0, 8191, a], [8192, 16383, a])));
      expect(acc.command(outcomes.callback, 'foo', 'GET foo')).to.equal(false);
      expect(acc.errstr).to.equal('slot not served by any node');
      await conv.done();
      expect(acc.version).to.equal(2);

      conv.script(a.expectCommand(['GET', 'foo']), a.send('f'));
      expect(acc.command(outcomes.callback, 'foo', 'GET foo')).to.equal(true);
      await conv.done();
      expect(results()).to.deep.equal([
        ['bar', 'b', 0, ''],
        ['foo', 'f', 0, ''],
      ]);
    });

    it('NIL and empty ips mean the host the reply came from', async () => {
      const a = await conv.node({ host: '127.0.0.2' });
      const b = await conv.node({ host: '127.0.0.2' });
      const acc = client({ nodes: a.addr });
      await connected(acc, a, [
        [0, 8191, [null, a.port]],
        [8192, 16383, ['', b.port]],
      ]);
      expect([...acc.nodes()].map((n) => n.addr)).to.deep.equal([
        `127.0.0.2:${a.port}`,
        `127.0.0.2:${b.port}`,
      ]);
      // b listens on 127.0.0.2 only: reaching it proves the host.
      conv.script(b.expectConnect(), b.expectCommand(['GET', 'foo']), b.send('f'));
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([[1, 'f', 0, '']]);
    });

    it("host names: 'localhost' seeds and map entries reach IPv4-only nodes; the seed link is kept", async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: `localhost:${a.port}` });
      await connected(acc, a, [
        [0, 8191, ['localhost', a.port]],
        [8192, 16383, ['localhost', b.port]],
      ]);
      expect([...acc.nodes()].map((n) => n.addr)).to.deep.equal([
        `localhost:${a.port}`,
        `localhost:${b.port}`,
      ]);
      conv.script(a.expectCommand(['GET', 'bar']), a.send('b'));
      acc.command(outcomes.callback, 'bar', 'GET bar');
      await conv.done();
      conv.script(b.expectConnect(), b.expectCommand(['GET', 'foo']), b.send('f'));
      acc.command(outcomes.callback, 'foo', 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([
        ['bar', 'b', 0, ''],
        ['foo', 'f', 0, ''],
      ]);
    });

    it('useClusterNodes: CLUSTER NODES instead of CLUSTER SLOTS', async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: a.addr, useClusterNodes: true });
      const nodes =
        `id-a 127.0.0.1:${a.port}@${a.port + 10000} myself,master - 0 0 1 connected 0-8191\n` +
        `id-b 127.0.0.1:${b.port}@${b.port + 10000} master - 0 0 2 connected 8192-16383\n`;
      conv.script(a.expectConnect(), a.expectCommand(['CLUSTER', 'NODES']), a.send(nodes));
      await acc.connect();
      await conv.done();
      expect([...acc.nodes()].map((n) => [n.name, n.addr])).to.deep.equal([
        ['id-a', a.addr],
        ['id-b', b.addr],
      ]);
      conv.script(b.expectConnect(), b.expectCommand(['GET', 'foo']), b.send('f'));
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([[1, 'f', 0, '']]);
    });

    it("connect() rejects with 'Connection refused' when every seed refuses; connect callbacks say REDIS_ERR", async () => {
      const a = await conv.node();
      const b = await conv.node();
      const seeds = [a.addr, b.addr];
      await conv.close(); // nothing listens there any more
      const acc = client({ nodes: seeds.join(',') });
      const calls: [string, number][] = [];
      const failed: string[] = [];
      acc.setConnectCallback((link, status) => calls.push([`${link.host}:${link.port}`, status]));
      acc.on('connect-error', (link, err) =>
        failed.push(`${link.host}:${link.port} ${err.code} ${err.message}`),
      );
      const err = await rejectionOf(acc.connect());
      expect(err).to.be.instanceOf(ClusterError);
      expect([err.code, err.message]).to.deep.equal([REDIS_ERR_IO, 'Connection refused']);
      expect(calls).to.deep.equal([
        [seeds[0], -1],
        [seeds[1], -1],
      ]);
      expect(failed).to.deep.equal([`${seeds[0]} 1 Connection refused`, `${seeds[1]} 1 Connection refused`]);
      expect(acc.command(outcomes.callback, 1, 'GET foo')).to.equal(false);
      expect(acc.errstr).to.equal('slotmap not available');
    });
  });

  describe('failures', () => {
    it('an update whose link dies is retried at once through another node', async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, slots([0, 8191, a], [8192, 16000, b]));
      conv.script(b.expectConnect(), b.expectCommand(['GET', 'foo']), b.send('f'));
      acc.command(outcomes.callback, 'foo', 'GET foo');
      await conv.done();
      // The unserved slot sends the update to a (random 0); a hangs up; b is asked at once.
      const failures: string[] = [];
      acc.on('update-error', (err) => failures.push(err.message));
      conv.script(
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.closeLink(),
        b.expectCommand(['CLUSTER', 'SLOTS']),
        b.send(slots([0, 8191, a], [8192, 16383, b])),
      );
      adapter.skew += 1001;
      expect(acc.command(outcomes.callback, 'unserved', 'GET %s', keyIn(16001, 16383))).to.equal(false);
      await conv.done();
      expect(failures).to.deep.equal(['Server closed the connection']);
      expect(acc.version).to.equal(2);
      expect(outcomes.list).to.have.length(1);
    });

    it('no node can be asked: that attempt counts for the throttle, one update-error a second, not one per failed command', async () => {
      const { acc } = await halves();
      const failures: string[] = [];
      acc.on('update-error', (err) => failures.push(err.message));
      const dropped = new Promise((resolve) => acc.once('disconnect', resolve));
      await conv.close(); // every node gone: each command's connect is refused
      await dropped; // the link kept from connect() is closed too
      adapter.skew += 1001;
      // Each failure asks for a throttled update; both nodes were dialled this instant, so none is chosen.
      const keys = ['foo', 'bar', 'foo', 'bar', 'foo', 'bar'];
      for (const key of keys) acc.command(outcomes.callback, key, 'GET %s', key);
      await outcomes.wait(keys.length);
      // Two links (one per node), each failing its commands in order; the links in either order.
      expect(outcomes.list.map((o) => `${o.privdata} ${o.err} ${o.errstr}`).sort()).to.deep.equal(
        keys.map((key) => `${key} ${REDIS_ERR_IO} Connection refused`).sort(),
      );
      expect(failures).to.deep.equal(['no valid server address']);
      // A second later the throttle lets one attempt through again.
      adapter.skew += 1001;
      for (const key of keys) acc.command(outcomes.callback, key, 'GET %s', key);
      await outcomes.wait(2 * keys.length);
      expect(failures).to.deep.equal(['no valid server address', 'no valid server address']);
    });

    it('maxPending: past it a command is refused with a clear error, its callback never called', async () => {
      const a = await conv.node();
      const acc = client({ nodes: a.addr, maxPending: 2 });
      await connected(acc, a, slots([0, 16383, a]));
      conv.script(
        a.expectCommand(['GET', 'foo']),
        a.expectCommand(['GET', 'bar']),
        a.send('f', 'b'),
        a.expectCommand(['GET', 'baz']),
        a.send('z'),
      );
      expect(acc.command(outcomes.callback, 1, 'GET foo')).to.equal(true);
      expect(acc.command(outcomes.callback, 2, 'GET bar')).to.equal(true);
      expect(acc.command(outcomes.callback, 3, 'GET qux')).to.equal(false);
      expect([acc.err, acc.errstr]).to.deep.equal([
        REDIS_ERR_OTHER,
        'too many pending commands (maxPending 2)',
      ]);
      await outcomes.wait(2);
      expect(acc.command(outcomes.callback, 4, 'GET baz')).to.equal(true);
      await conv.done();
      expect(results().map((r) => r[0])).to.deep.equal([1, 2, 4]);
    });
  });

  describe('callbacks, events and disconnect()', () => {
    it('set-once callbacks: a second set returns false; connect, events and disconnect in order', async () => {
      const a = await conv.node();
      const acc = client({ nodes: a.addr });
      const seen: string[] = [];
      expect(acc.setConnectCallback((l, s) => seen.push(`connect ${l.port === a.port} ${s}`))).to.equal(true);
      expect(acc.setConnectCallback(() => seen.push('second'))).to.equal(false);
      expect(acc.setDisconnectCallback((l, s) => seen.push(`disconnect ${l.port === a.port} ${s}`))).to.equal(
        true,
      );
      expect(acc.setDisconnectCallback(() => seen.push('second'))).to.equal(false);
      expect(acc.setEventCallback((_acc, event, p) => seen.push(`event ${event} ${p}`), 'priv')).to.equal(
        true,
      );
      expect(acc.setEventCallback(() => seen.push('second'))).to.equal(false);
      acc.on('connect', () => seen.push('on connect'));
      acc.on('disconnect', (_l, err) => seen.push(`on disconnect ${err}`));
      await connected(acc, a, slots([0, 16383, a]));
      conv.script(a.expectClose());
      acc.disconnect();
      await conv.done();
      acc.free();
      expect(seen).to.deep.equal([
        'connect true 0',
        'on connect',
        `event ${HIRCLUSTER_EVENT_SLOTMAP_UPDATED} priv`,
        `event ${HIRCLUSTER_EVENT_READY} priv`,
        'disconnect true 0',
        'on disconnect null',
        `event ${HIRCLUSTER_EVENT_FREE_CONTEXT} priv`,
      ]);
    });
  });

  describe('handshake', () => {
    it('resp: 3 sends HELLO 3 first, on every new link; push frames take no reply', async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: a.addr, resp: 3 });
      const hello = '%1\r\n+proto\r\n:3\r\n';
      conv.script(
        a.expectConnect(),
        a.expectCommand(['HELLO', '3']),
        a.sendRaw(hello),
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.send(slots([0, 8191, a], [8192, 16383, b])),
      );
      await acc.connect();
      await conv.done();
      conv.script(
        b.expectConnect(),
        b.expectCommand(['HELLO', '3']),
        b.expectCommand(['GET', 'foo']),
        b.sendRaw(hello),
        b.sendRaw('>2\r\n$7\r\nmessage\r\n$1\r\nx\r\n'),
        // A push annotated by an attribute is still a push (found by the fuzzer).
        b.sendRaw('|1\r\n+ttl\r\n:1\r\n>2\r\n$7\r\nmessage\r\n$1\r\ny\r\n'),
        b.send('f'),
      );
      const pushes: unknown[] = [];
      acc.on('push', (message, link) => pushes.push([message, link.port]));
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([[1, 'f', 0, '']]);
      expect(pushes).to.deep.equal([
        [['message', 'x'], b.port],
        [['message', 'y'], b.port],
      ]);
    });

    it('a refused HELLO 3 fails the link with a clear error; connect() rejects with it', async () => {
      const a = await conv.node();
      const acc = client({ nodes: a.addr, resp: 3 });
      conv.script(
        a.expectConnect(),
        a.expectCommand(['HELLO', '3']),
        a.send(error('NOPROTO sorry, this protocol version is not supported.')),
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.expectClose(),
      );
      const err = await rejectionOf(acc.connect());
      await conv.done();
      expect([err.code, err.message]).to.deep.equal([
        REDIS_ERR_OTHER,
        'HELLO 3 failed: NOPROTO sorry, this protocol version is not supported.',
      ]);
    });

    it('selectDb sends SELECT on every new link', async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: a.addr, selectDb: 3 });
      conv.script(
        a.expectConnect(),
        a.expectCommand(['SELECT', '3']),
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.send(status('OK'), slots([0, 8191, a], [8192, 16383, b])),
      );
      await acc.connect();
      await conv.done();
      conv.script(
        b.expectConnect(),
        b.expectCommand(['SELECT', '3']),
        b.expectCommand(['GET', 'foo']),
        b.send(status('OK'), 'f'),
      );
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([[1, 'f', 0, '']]);
    });

    it('AUTH with a username on every new link; a refused AUTH rejects connect() with the server words', async () => {
      const a = await conv.node();
      const b = await conv.node();
      const acc = client({ nodes: a.addr, username: 'alice', password: 's3cret' });
      conv.script(
        a.expectConnect(),
        a.expectCommand(['AUTH', 'alice', 's3cret']),
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.send(status('OK'), slots([0, 8191, a], [8192, 16383, b])),
      );
      await acc.connect();
      await conv.done();
      conv.script(
        b.expectConnect(),
        b.expectCommand(['AUTH', 'alice', 's3cret']),
        b.expectCommand(['GET', 'foo']),
        b.send(status('OK'), 'f'),
      );
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([[1, 'f', 0, '']]);

      const wrong = client({ nodes: a.addr, password: 'nope' });
      conv.script(
        a.expectConnect(),
        a.expectCommand(['AUTH', 'nope']),
        a.expectCommand(['CLUSTER', 'SLOTS']),
        a.send(error('WRONGPASS invalid username-password pair or user is disabled.')),
        a.expectClose(),
      );
      const err = await rejectionOf(wrong.connect());
      await conv.done();
      expect(err.message).to.equal('WRONGPASS invalid username-password pair or user is disabled.');
    });
  });
});
