/**
 * hiredis-cluster's ct_async_glib.c / ct_async_libev.c / ct_async_libuv.c on the real plain cluster:
 * the same SET / GET flow through every adapter — Node's loop, a TimerWheel over it, and the
 * ManualLoop driven by a fixed-step loop. In C: init, connect and disconnect callbacks, nodes,
 * connect timeout, CLUSTER SLOTS, a blocking Connect2, attach the loop, SET then GET, disconnect from
 * the GET callback, run the loop until it has nothing left, free. ct_async.c's flow (commands sent
 * from the READY event of a non-blocking Connect2) runs through each adapter too.
 */
import { expect } from 'chai';
import type { EventLoopAdapter } from '../../adapters/adapter.js';
import { ManualLoop } from '../../adapters/manual.js';
import { NodeAdapter } from '../../adapters/node.js';
import { TimerWheel } from '../../adapters/timer-wheel.js';
import {
  HIRCLUSTER_EVENT_READY,
  HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
  REDIS_OK,
  type RedisAsyncLinkContext,
  type RedisClusterAsyncContext,
  type RedisClusterContext,
  redisClusterAsyncCommand,
  redisClusterAsyncConnect2,
  redisClusterAsyncContextInit,
  redisClusterAsyncDisconnect,
  redisClusterAsyncFree,
  redisClusterAsyncSetConnectCallback,
  redisClusterAsyncSetDisconnectCallback,
  redisClusterAttachAdapter,
  redisClusterConnect2,
  redisClusterGetNodeByKey,
  redisClusterSetEventCallback,
  redisClusterSetOptionAddNodes,
  redisClusterSetOptionConnectTimeout,
  redisClusterSetOptionRouteUseSlots,
  type redisReply,
} from '../../lib/compat.js';
import { sleep, until } from '../support/async-helpers.js';
import { PLAIN } from '../support/clusters.js';

/** The fixed step of the manual loop's driver, in ms. */
const STEP_MS = 5;

interface Loop {
  name: string;
  adapter: EventLoopAdapter;
  /** uv_run(loop, UV_RUN_DEFAULT): returns once `done()` holds and the loop has nothing left. */
  run(done: () => boolean): Promise<void>;
}

function nodeLoop(name: string, adapter: EventLoopAdapter, idle: () => boolean = () => true): Loop {
  return { name, adapter, run: (done) => until(() => done() && idle(), `the ${name} loop`) };
}

/** The owner's fixed-step loop: advance the manual loop by a step, let Node's loop read sockets, repeat. */
function manualLoop(): Loop {
  const loop = new ManualLoop();
  return {
    name: 'the ManualLoop, driven in fixed steps',
    adapter: loop,
    run: async () => {
      for (let steps = 0; loop.alive; steps++) {
        if (steps * STEP_MS > 10_000) throw new Error('the manual loop is still alive after 10 s');
        loop.advance(STEP_MS);
        await sleep(STEP_MS);
      }
    },
  };
}

function loops(): Loop[] {
  const wheel = new TimerWheel(new NodeAdapter());
  return [
    nodeLoop("Node's loop (NodeAdapter)", new NodeAdapter()),
    nodeLoop('a TimerWheel over Node’s loop', wheel, () => wheel.activeTimers === 0),
    manualLoop(),
  ];
}

describe('ct_async_* parity: SET then GET through every event-loop adapter (plain cluster)', () => {
  const contexts: RedisClusterAsyncContext[] = [];

  afterEach(() => {
    for (const acc of contexts.splice(0)) redisClusterAsyncFree(acc);
  });

  for (const loop of loops()) {
    describe(loop.name, () => {
      it('ct_async_libuv.c: blocking Connect2, SET, GET, disconnect from the GET callback, the loop drains', async () => {
        const key = `issue6:ct_async:${loop.name}`;
        const log: string[] = [];
        const acc = redisClusterAsyncContextInit();
        contexts.push(acc);
        const link = (what: string) => (ac: RedisAsyncLinkContext, status: number) => {
          log.push(`${what} ${ac.c.tcp.host}:${ac.c.tcp.port} ${status === REDIS_OK ? 'OK' : ac.errstr}`);
        };
        expect(redisClusterAsyncSetConnectCallback(acc, link('Connected to'))).to.equal(REDIS_OK);
        expect(redisClusterAsyncSetDisconnectCallback(acc, link('Disconnected from'))).to.equal(REDIS_OK);
        expect(redisClusterSetOptionAddNodes(acc.cc, PLAIN[0]!)).to.equal(REDIS_OK);
        expect(redisClusterSetOptionConnectTimeout(acc.cc, { tv_sec: 1, tv_usec: 500_000 })).to.equal(
          REDIS_OK,
        );
        expect(redisClusterSetOptionRouteUseSlots(acc.cc)).to.equal(REDIS_OK);
        // hircluster starts a context on the loop it has when connecting: attach first.
        expect(redisClusterAttachAdapter(acc, loop.adapter)).to.equal(REDIS_OK);
        expect(redisClusterConnect2(acc.cc)).to.equal(REDIS_OK);
        const reply = (r: unknown) => (r === null ? `null (${acc.errstr})` : (r as redisReply).str);
        const onSet = (_a: RedisClusterAsyncContext, r: unknown, privdata: string) => {
          log.push(`privdata: ${privdata} reply: ${reply(r)}`);
        };
        const onGet = (a: RedisClusterAsyncContext, r: unknown, privdata: string) => {
          log.push(`privdata: ${privdata} reply: ${reply(r)}`);
          redisClusterAsyncDisconnect(a); // after the first reply to GET
        };
        expect(redisClusterAsyncCommand(acc, onSet, 'ID', 'SET %s value', key)).to.equal(REDIS_OK);
        expect(redisClusterAsyncCommand(acc, onGet, 'ID', 'GET %s', key)).to.equal(REDIS_OK);
        await loop.run(() => log.length === 4);
        const node = redisClusterGetNodeByKey(acc.cc, key)!.addr;
        expect(log).to.deep.equal([
          `Connected to ${node} OK`,
          'privdata: ID reply: OK',
          'privdata: ID reply: value',
          `Disconnected from ${node} OK`,
        ]);
      });

      it('ct_async.c: non-blocking Connect2, commands sent from the READY event', async () => {
        const key = `issue6:ct_async_ready:${loop.name}`;
        const log: string[] = [];
        let links = 0;
        const acc = redisClusterAsyncContextInit();
        contexts.push(acc);
        redisClusterAsyncSetConnectCallback(acc, () => links++);
        redisClusterAsyncSetDisconnectCallback(acc, () => links--);
        redisClusterSetOptionAddNodes(acc.cc, PLAIN[0]!);
        redisClusterSetOptionRouteUseSlots(acc.cc);
        const onReply = (a: RedisClusterAsyncContext, r: unknown, privdata: string) => {
          log.push(`${privdata} ${r === null ? `null ${a.errstr}` : (r as redisReply).str}`);
          if (privdata === 'GET') redisClusterAsyncDisconnect(a);
        };
        const onEvent = (_cc: RedisClusterContext, event: number) => {
          if (event !== HIRCLUSTER_EVENT_READY) return;
          redisClusterAsyncCommand(acc, onReply, 'SET', 'SET %s ready-value', key);
          redisClusterAsyncCommand(acc, onReply, 'GET', 'GET %s', key);
        };
        expect(redisClusterSetEventCallback(acc.cc, onEvent)).to.equal(REDIS_OK);
        expect(redisClusterAttachAdapter(acc, loop.adapter)).to.equal(REDIS_OK);
        expect(redisClusterAsyncConnect2(acc)).to.equal(REDIS_OK);
        await loop.run(() => log.length === 2 && links === 0);
        expect(log).to.deep.equal(['SET OK', 'GET ready-value']);
      });
    });
  }

  it('the ManualLoop runs nothing on its own: no callback until the owner drives it', async () => {
    const loop = new ManualLoop();
    const acc = redisClusterAsyncContextInit();
    contexts.push(acc);
    const seen: string[] = [];
    redisClusterSetOptionAddNodes(acc.cc, PLAIN[0]!);
    redisClusterSetEventCallback(acc.cc, (_cc, event) => seen.push(`event ${event}`));
    redisClusterAttachAdapter(acc, loop);
    expect(redisClusterAsyncConnect2(acc)).to.equal(REDIS_OK);
    await until(() => loop.queued > 0, 'the connect to be queued');
    await sleep(50);
    expect(seen).to.deep.equal([]);
    for (let steps = 0; !seen.includes(`event ${HIRCLUSTER_EVENT_READY}`) && steps < 2000; steps++) {
      loop.advance(STEP_MS);
      await sleep(STEP_MS);
    }
    expect(seen).to.deep.equal([
      `event ${HIRCLUSTER_EVENT_SLOTMAP_UPDATED}`,
      `event ${HIRCLUSTER_EVENT_READY}`,
    ]);
  });
});
