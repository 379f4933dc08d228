/**
 * The C-named compat API against the real clusters of scripts/cluster.sh, written the way C users write
 * hiredis-cluster code (its tests ct_commands.c, ct_connection.c, ct_pipeline.c, ct_specific_nodes.c,
 * ct_async.c): init, set options, connect, check err; replies checked by type and value.
 */
import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { NodeAdapter } from '../../adapters/node.js';
import {
  HIRCLUSTER_EVENT_FREE_CONTEXT,
  HIRCLUSTER_EVENT_READY,
  HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
  HIRCLUSTER_FLAG_NULL,
  HIRCLUSTER_FLAG_RETURN_BUFFERS,
  HIRCLUSTER_FLAG_ROUTE_USE_SLOTS,
  HIRCLUSTER_FLAG_SHUTDOWN,
  REDIS_ERR,
  REDIS_ERR_IO,
  REDIS_ERR_OTHER,
  REDIS_ERR_PROTOCOL,
  REDIS_ERR_TIMEOUT,
  REDIS_OK,
  REDIS_REPLY_ARRAY,
  REDIS_REPLY_ERROR,
  REDIS_REPLY_INTEGER,
  REDIS_REPLY_NIL,
  REDIS_REPLY_STATUS,
  REDIS_REPLY_STRING,
  REDIS_ROLE_MASTER,
  REDIS_ROLE_NULL,
  type RedisAsyncLinkContext,
  type RedisClusterAsyncContext,
  type RedisClusterCallbackFn,
  type RedisClusterContext,
  type RedisLinkContext,
  redisClusterAppendCommand,
  redisClusterAppendCommandArgv,
  redisClusterAppendCommandToNode,
  redisClusterAppendFormattedCommand,
  redisClusterAsyncCommand,
  redisClusterAsyncCommandArgv,
  redisClusterAsyncCommandArgvToNode,
  redisClusterAsyncCommandToNode,
  redisClusterAsyncConnect,
  redisClusterAsyncConnect2,
  type redisClusterAsyncContext,
  redisClusterAsyncContextInit,
  redisClusterAsyncDisconnect,
  redisClusterAsyncFormattedCommand,
  redisClusterAsyncFormattedCommandToNode,
  redisClusterAsyncFree,
  redisClusterAsyncSetConnectCallback,
  redisClusterAsyncSetConnectCallbackNC,
  redisClusterAsyncSetDisconnectCallback,
  redisClusterAttachAdapter,
  redisClusterCommand,
  redisClusterCommandArgv,
  redisClusterCommandToNode,
  redisClusterConnect,
  redisClusterConnect2,
  redisClusterConnectWithTimeout,
  redisClusterContextInit,
  redisClusterFormattedCommand,
  redisClusterFree,
  redisClusterGetNodeByKey,
  redisClusterGetReply,
  redisClusterGetSlotByKey,
  redisClusterInitNodeIterator,
  type redisClusterNode,
  redisClusterNodeAttach,
  type redisClusterNodeIterator,
  redisClusterNodeNext,
  redisClusterReset,
  redisClusterSetConnectCallback,
  redisClusterSetEventCallback,
  redisClusterSetMaxRedirect,
  redisClusterSetOptionAddNode,
  redisClusterSetOptionAddNodes,
  redisClusterSetOptionConnectBlock,
  redisClusterSetOptionConnectNonBlock,
  redisClusterSetOptionConnectTimeout,
  redisClusterSetOptionMaxRetry,
  redisClusterSetOptionParseSlaves,
  redisClusterSetOptionPassword,
  redisClusterSetOptionReturnBuffers,
  redisClusterSetOptionRouteUseSlots,
  redisClusterSetOptionTimeout,
  redisClusterSetOptionUsername,
  redisClusterUpdateSlotmap,
  type redisReply,
} from '../../lib/compat.js';
import { refusedPort } from '../support/cli-topology.js';
import { PASSWORD } from '../support/clusters.js';

const CLUSTER_NODE = '127.0.0.1:7000';
const CLUSTER_NODE_WITH_PASSWORD = '127.0.0.1:7100';
const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const NOAUTH = 'NOAUTH Authentication required.';
const NO_KEYS = 'No keys in command(must have keys for redis cluster mode)';
const MULTI_REFUSED =
  'MULTI is not allowed on a shared cluster link: use multi() ... exec() (a transaction gets a link of its own)';
const EXEC_REFUSED =
  'EXEC is not allowed on a shared cluster link: use multi() ... exec() (a transaction gets a link of its own)';
/** The refusal of a format given the wrong number of values. */
function wrongCount(expected: number, got: number): string {
  return `Invalid format string: wrong number of arguments, expected ${expected} (one per conversion), got ${got}`;
}

const syncContexts: RedisClusterContext[] = [];
const asyncContexts: RedisClusterAsyncContext[] = [];

afterEach(() => {
  for (const cc of syncContexts.splice(0)) redisClusterFree(cc);
  for (const acc of asyncContexts.splice(0)) redisClusterAsyncFree(acc);
});

function contextInit(): RedisClusterContext {
  const cc = redisClusterContextInit();
  syncContexts.push(cc);
  return cc;
}

function asyncContextInit(): RedisClusterAsyncContext {
  const acc = redisClusterAsyncContextInit();
  asyncContexts.push(acc);
  return acc;
}

/** init, AddNodes, RouteUseSlots, Connect2: the opening of most of hiredis-cluster's tests. */
function connectedContext(): RedisClusterContext {
  const cc = contextInit();
  expect(redisClusterSetOptionAddNodes(cc, CLUSTER_NODE)).to.equal(REDIS_OK);
  expect(redisClusterSetOptionRouteUseSlots(cc)).to.equal(REDIS_OK);
  expect(redisClusterConnect2(cc), cc.errstr).to.equal(REDIS_OK);
  expect(cc.err).to.equal(0);
  return cc;
}

const status = (str: string): redisReply => ({ type: REDIS_REPLY_STATUS, str, len: str.length });
const text = (str: string): redisReply => ({ type: REDIS_REPLY_STRING, str, len: Buffer.byteLength(str) });
const integer = (value: number): redisReply => ({ type: REDIS_REPLY_INTEGER, integer: value });
const errorReply = (str: string): redisReply => ({ type: REDIS_REPLY_ERROR, str, len: str.length });
const array = (...element: redisReply[]): redisReply => ({
  type: REDIS_REPLY_ARRAY,
  elements: element.length,
  element,
});
const NIL: redisReply = { type: REDIS_REPLY_NIL };
const OK = status('OK');

/** Every node of the iterator, as C walks it with `while ((node = redisClusterNodeNext(&ni)) != NULL)`. */
function allNodes(cc: RedisClusterContext): redisClusterNode[] {
  const ni: redisClusterNodeIterator = {};
  redisClusterInitNodeIterator(ni, cc);
  const nodes: redisClusterNode[] = [];
  for (let node = redisClusterNodeNext(ni); node !== null; node = redisClusterNodeNext(ni)) nodes.push(node);
  return nodes;
}

/** Waits until `done()` holds, polling; fails after `ms` (the C tests run the event loop until it empties). */
async function until(done: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Logged {
  privdata: string;
  reply: redisReply | null;
  err: number;
  errstr: string;
}

/** The callback of every async command here: records what it saw, as the C tests assert it. */
function recorder(log: Logged[], disconnectOn?: (privdata: string) => boolean) {
  return (acc: redisClusterAsyncContext, reply: redisReply | null, privdata: string): void => {
    log.push({ privdata, reply, err: acc.err, errstr: acc.errstr });
    if (disconnectOn?.(privdata)) redisClusterAsyncDisconnect(acc);
  };
}

describe('integration: compat API', () => {
  describe('sync commands (ct_commands.c)', () => {
    it('connects with init, AddNodes, RouteUseSlots and Connect2, then checks replies by type', () => {
      const cc = connectedContext();
      expect(redisClusterCommand(cc, 'SET compat:key Hello')).to.deep.equal(OK);
      expect(redisClusterCommand(cc, 'GET compat:key')).to.deep.equal(text('Hello'));
      expect(redisClusterCommand(cc, 'DEL compat:counter')).to.have.property('type', REDIS_REPLY_INTEGER);
      expect(redisClusterCommand(cc, 'INCRBY compat:counter %d', 41)).to.deep.equal(integer(41));
      expect(redisClusterCommand(cc, 'INCR %s', 'compat:counter')).to.deep.equal(integer(42));
      expect(redisClusterCommand(cc, 'GET compat:missing')).to.deep.equal(NIL);
      expect(redisClusterCommand(cc, 'DEL compat:hash')).to.have.property('type', REDIS_REPLY_INTEGER);
      expect(redisClusterCommand(cc, 'HSET compat:hash a 1 b 2')).to.deep.equal(integer(2));
      expect(redisClusterCommand(cc, 'HGETALL compat:hash')).to.deep.equal(
        array(text('a'), text('1'), text('b'), text('2')),
      );
      // An error reply is a reply (REDIS_REPLY_ERROR), not a failure: cc.err stays 0.
      expect(redisClusterCommand(cc, 'LPUSH compat:key x')).to.deep.equal(
        errorReply('WRONGTYPE Operation against a key holding the wrong kind of value'),
      );
      expect(cc.err).to.equal(0);
      expect(cc.errstr).to.equal('');
    });

    it('splits a cross-slot MSET / MGET / DEL and merges the replies in key order', () => {
      const cc = connectedContext();
      expect(redisClusterCommand(cc, 'MSET compat:{a}1 x compat:{b}1 y')).to.deep.equal(OK);
      expect(redisClusterCommand(cc, 'MGET compat:{a}1 compat:{b}1 compat:{c}none')).to.deep.equal(
        array(text('x'), text('y'), NIL),
      );
      expect(redisClusterCommand(cc, 'DEL compat:{a}1 compat:{b}1 compat:{c}none')).to.deep.equal(integer(2));
    });

    it('fails with null and cc.err / cc.errstr set, and clears them on the next call', () => {
      const cc = connectedContext();
      expect(redisClusterCommand(cc, 'PING')).to.equal(null);
      expect(cc.err).to.equal(REDIS_ERR_OTHER);
      expect(cc.errstr).to.equal(NO_KEYS);
      expect(redisClusterCommand(cc, 'SET %s')).to.equal(null);
      expect(cc.err).to.equal(REDIS_ERR_OTHER);
      expect(cc.errstr).to.equal(wrongCount(1, 0));
      expect(redisClusterCommand(cc, 'GET %s', 'compat:missing', 'extra')).to.equal(null);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, wrongCount(1, 2)]);
      expect(redisClusterCommand(cc, 'MGET')).to.equal(null);
      expect(cc.err).to.equal(REDIS_ERR_PROTOCOL);
      expect(cc.errstr).to.equal('Failed to find keys of command MGET');
      expect(redisClusterCommand(cc, 'GET compat:missing')).to.deep.equal(NIL);
      expect([cc.err, cc.errstr]).to.deep.equal([0, '']);
    });

    it("%b takes C's (buffer, length) pair, or a whole Uint8Array", () => {
      const cc = connectedContext();
      const key = Buffer.from('compat:bin-key+garbage');
      const value = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x41, 0x42, 0x43]);
      expect(redisClusterCommand(cc, 'DEL compat:bin-key compat:bin-key+garbage')).to.have.property(
        'type',
        REDIS_REPLY_INTEGER,
      );
      // C: redisClusterCommand(cc, "SET %b %b", key, 14, value, 5)
      expect(redisClusterCommand(cc, 'SET %b %b', key, 14, value, 5)).to.deep.equal(OK);
      expect(redisClusterCommand(cc, 'STRLEN compat:bin-key')).to.deep.equal(integer(5));
      expect(redisClusterCommand(cc, 'GETRANGE compat:bin-key 4 4')).to.deep.equal(text('A'));
      expect(redisClusterCommand(cc, 'EXISTS %b', key)).to.deep.equal(integer(0));
      expect(redisClusterCommand(cc, 'EXISTS %b', key.subarray(0, 14))).to.deep.equal(integer(1));
      // A number the later conversions need is theirs, not a length: here it is the %d.
      expect(redisClusterCommand(cc, 'SET %b %d', key, 7)).to.deep.equal(OK);
      expect(redisClusterCommand(cc, 'GET compat:bin-key+garbage')).to.deep.equal(text('7'));
      expect(redisClusterCommand(cc, 'GET %b', key, 99)).to.equal(null);
      expect(cc.err).to.equal(REDIS_ERR_OTHER);
      expect(cc.errstr).to.equal(
        "Invalid format string: '%b' length 99 (argument 2) is not within 0..22, the size of its buffer",
      );
    });

    it('CommandArgv with and without argvlen, FormattedCommand with len', () => {
      const cc = connectedContext();
      const argv = ['SET', 'compat:argv', 'value-and-more'];
      expect(redisClusterCommandArgv(cc, 3, argv, [3, 11, 5])).to.deep.equal(OK);
      expect(redisClusterCommandArgv(cc, 2, ['GET', 'compat:argv', 'ignored'], null)).to.deep.equal(
        text('value'),
      );
      const cmd = '*2\r\n$3\r\nGET\r\n$11\r\ncompat:argv\r\n';
      expect(redisClusterFormattedCommand(cc, `${cmd}trailing`, cmd.length)).to.deep.equal(text('value'));
      expect(redisClusterFormattedCommand(cc, Buffer.from(cmd))).to.deep.equal(text('value'));
      expect(redisClusterCommandArgv(cc, 0, argv)).to.equal(null);
      expect(cc.errstr).to.equal('Invalid argc 0: must be 1..3, the length of argv');
      expect(redisClusterCommandArgv(cc, 3, argv, [3, 11, 20])).to.equal(null);
      expect(cc.errstr).to.equal('Invalid argvlen[2]: 20 is not within 0..14, the byte length of argv[2]');
    });

    it('redisClusterConnect and redisClusterConnectWithTimeout return the context: check cc.err', () => {
      const cc = redisClusterConnect(CLUSTER_NODE, HIRCLUSTER_FLAG_ROUTE_USE_SLOTS);
      syncContexts.push(cc);
      expect([cc.err, cc.errstr]).to.deep.equal([0, '']);
      expect(redisClusterCommand(cc, 'SET compat:connect 1')).to.deep.equal(OK);

      // Without ROUTE_USE_SLOTS hiredis-cluster asks CLUSTER NODES; the map is the same.
      const viaNodes = redisClusterConnectWithTimeout(
        CLUSTER_NODE,
        { tv_sec: 1, tv_usec: 500_000 },
        HIRCLUSTER_FLAG_NULL,
      );
      syncContexts.push(viaNodes);
      expect([viaNodes.err, viaNodes.errstr]).to.deep.equal([0, '']);
      expect(redisClusterCommand(viaNodes, 'GET compat:connect')).to.deep.equal(text('1'));
      expect(allNodes(viaNodes).map((n) => n.addr)).to.have.members(allNodes(cc).map((n) => n.addr));

      const refused = redisClusterConnectWithTimeout('127.0.0.1:7999', { tv_sec: 1, tv_usec: 0 }, 0);
      syncContexts.push(refused);
      expect([refused.err, refused.errstr]).to.deep.equal([REDIS_ERR_IO, 'Connection refused']);

      const bad = redisClusterConnect('127.0.0.1', 0);
      syncContexts.push(bad);
      expect([bad.err, bad.errstr]).to.deep.equal([
        REDIS_ERR_OTHER,
        'server address is incorrect, port separator missing.',
      ]);
    });
  });

  describe('options (ct_connection.c)', () => {
    it('AddNode checks addresses as hiredis does; errors set err/errstr and return REDIS_ERR', () => {
      const cc = contextInit();
      const cases: [string, string][] = [
        ['127.0.0.1', 'server address is incorrect, port separator missing.'],
        [':7000', 'server address is incorrect, address part missing.'],
        ['127.0.0.1:', 'server address is incorrect, port part missing.'],
        ['127.0.0.1:0', 'server port is incorrect'],
        ['127.0.0.1:-1', 'server port is incorrect'],
        ['127.0.0.1:70000', 'server port is incorrect'],
        ['127.0.0.1:7k', 'server port is incorrect'],
      ];
      for (const [addr, errstr] of cases) {
        cc.err = 0;
        expect(redisClusterSetOptionAddNode(cc, addr), addr).to.equal(REDIS_ERR);
        expect([cc.err, cc.errstr], addr).to.deep.equal([REDIS_ERR_OTHER, errstr]);
      }
      expect(redisClusterSetOptionAddNodes(cc, '')).to.equal(REDIS_ERR);
      expect(cc.errstr).to.equal('invalid server addresses (example format: 127.0.0.1:1234,127.0.0.2:5678)');
      expect(redisClusterConnect2(cc)).to.equal(REDIS_ERR);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, 'servers address does not set up']);

      // Addresses before a bad one stay added; duplicates are ignored; IPv6 splits at the last ':'.
      expect(redisClusterSetOptionAddNodes(cc, '127.0.0.1:7000,127.0.0.1:7000,,127.0.0.1:7001')).to.equal(
        REDIS_ERR,
      );
      expect(cc.errstr).to.equal('server address is incorrect, port separator missing.');
      expect(redisClusterSetOptionAddNode(cc, '::1:7200')).to.equal(REDIS_OK);
      expect(redisClusterSetOptionAddNode(cc, '[::1]:7201')).to.equal(REDIS_OK);
      expect(allNodes(cc).map((n) => [n.addr, n.host, n.port, n.role])).to.deep.equal([
        ['127.0.0.1:7000', '127.0.0.1', 7000, REDIS_ROLE_NULL],
        ['::1:7200', '::1', 7200, REDIS_ROLE_NULL],
        ['::1:7201', '::1', 7201, REDIS_ROLE_NULL],
      ]);
    });

    it('timeouts, retries, deprecated setters, and options fixed once connected', () => {
      const cc = contextInit();
      expect(redisClusterSetOptionConnectBlock(cc)).to.equal(REDIS_OK);
      expect(redisClusterSetOptionConnectNonBlock(cc)).to.equal(REDIS_OK);
      expect(redisClusterSetOptionMaxRetry(cc, 0)).to.equal(REDIS_ERR);
      expect(cc.errstr).to.equal('Invalid max retry count 0: must be an integer > 0');
      expect(redisClusterSetOptionMaxRetry(cc, 2)).to.equal(REDIS_OK);
      redisClusterSetMaxRedirect(cc, 3);
      expect(redisClusterSetOptionConnectTimeout(cc, { tv_sec: -1, tv_usec: 0 })).to.equal(REDIS_ERR);
      expect(cc.errstr).to.equal('Invalid timeout: tv_sec and tv_usec must be integers >= 0, got {-1, 0}');
      expect(redisClusterSetOptionConnectTimeout(cc, { tv_sec: 2, tv_usec: 0 })).to.equal(REDIS_OK);
      expect(redisClusterSetOptionAddNodes(cc, CLUSTER_NODE)).to.equal(REDIS_OK);
      expect(redisClusterConnect2(cc), cc.errstr).to.equal(REDIS_OK);
      expect(redisClusterSetOptionParseSlaves(cc)).to.equal(REDIS_ERR);
      expect([cc.err, cc.errstr]).to.deep.equal([
        REDIS_ERR_OTHER,
        'cannot change options once connected (only the command timeout applies live)',
      ]);
    });

    it('the command timeout applies live to connected links (test_command_timeout_set_while_connected)', () => {
      const cc = connectedContext();
      const node = redisClusterGetNodeByKey(cc, 'compat:never')!;
      expect(redisClusterCommandToNode(cc, node, 'BLPOP compat:never 0.05')).to.deep.equal(NIL);
      expect(redisClusterSetOptionTimeout(cc, { tv_sec: 0, tv_usec: 10_000 })).to.equal(REDIS_OK);
      expect(redisClusterCommandToNode(cc, node, 'BLPOP compat:never 0.3')).to.equal(null);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_TIMEOUT, 'Timeout']);
      expect(redisClusterSetOptionTimeout(cc, 0)).to.equal(REDIS_OK);
      expect(redisClusterCommandToNode(cc, node, 'PING')).to.deep.equal(status('PONG'));
      expect(redisClusterCommandToNode(cc, node, 'BLPOP compat:never 0.05')).to.deep.equal(NIL);
    });

    it('set-once connect and event callbacks; events in hiredis order', () => {
      const cc = contextInit();
      const events: [number, string, boolean][] = [];
      const links: [number, number, number, string][] = [];
      const onEvent = (c: RedisClusterContext, event: number, privdata: string) =>
        events.push([event, privdata, c === cc]);
      const onConnect = (c: RedisLinkContext, st: number) => links.push([c.tcp.port, st, c.err, c.errstr]);
      expect(redisClusterSetEventCallback(cc, onEvent, 'privdata')).to.equal(REDIS_OK);
      expect(redisClusterSetEventCallback(cc, onEvent, 'again')).to.equal(REDIS_ERR);
      expect(cc.errstr).to.equal('event callback already set');
      expect(redisClusterSetConnectCallback(cc, onConnect)).to.equal(REDIS_OK);
      expect(redisClusterSetConnectCallback(cc, onConnect)).to.equal(REDIS_ERR);
      expect(cc.errstr).to.equal('connect callback already set');
      expect(redisClusterSetOptionAddNodes(cc, CLUSTER_NODE)).to.equal(REDIS_OK);
      expect(redisClusterSetOptionRouteUseSlots(cc)).to.equal(REDIS_OK);

      expect(redisClusterConnect2(cc), cc.errstr).to.equal(REDIS_OK);
      expect(events).to.deep.equal([
        [HIRCLUSTER_EVENT_SLOTMAP_UPDATED, 'privdata', true],
        [HIRCLUSTER_EVENT_READY, 'privdata', true],
      ]);
      expect(redisClusterCommand(cc, 'SET compat:cb 1')).to.deep.equal(OK);
      const owner = redisClusterGetNodeByKey(cc, 'compat:cb')!;
      expect(links).to.deep.equal([[owner.port, REDIS_OK, 0, '']]);
      expect(redisClusterCommand(cc, 'GET compat:cb')).to.deep.equal(text('1'));
      expect(links).to.have.length(1);

      expect(redisClusterUpdateSlotmap(cc)).to.equal(REDIS_OK);
      redisClusterFree(cc);
      expect(events.map(([event]) => event)).to.deep.equal([
        HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
        HIRCLUSTER_EVENT_READY,
        HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
        HIRCLUSTER_EVENT_FREE_CONTEXT,
      ]);
      expect(redisClusterCommand(cc, 'GET compat:cb')).to.equal(null);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, 'context freed']);

      // A context freed before it connected still says FREE_CONTEXT.
      const unused = redisClusterContextInit();
      const seen: number[] = [];
      redisClusterSetEventCallback(unused, (_c, event) => seen.push(event));
      redisClusterFree(unused);
      expect(seen).to.deep.equal([HIRCLUSTER_EVENT_FREE_CONTEXT]);
    });

    it('a connect failure reaches the connect callback with REDIS_ERR', () => {
      const cc = contextInit();
      const links: [number, number, number, string][] = [];
      redisClusterSetConnectCallback(cc, (c, st) => links.push([c.tcp.port, st, c.err, c.errstr]));
      expect(redisClusterSetOptionAddNodes(cc, CLUSTER_NODE)).to.equal(REDIS_OK);
      expect(redisClusterConnect2(cc), cc.errstr).to.equal(REDIS_OK);
      expect(redisClusterCommandToNode(cc, '127.0.0.1:7999', 'PING')).to.equal(null);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_IO, 'Connection refused']);
      // The blocking context may hand this event over with the next call (reported in the compat notes).
      expect(redisClusterCommand(cc, 'GET compat:missing')).to.deep.equal(NIL);
      expect(links.filter(([port]) => port === 7999)).to.deep.equal([
        [7999, REDIS_ERR, REDIS_ERR_IO, 'Connection refused'],
      ]);
    });
  });

  describe('password (ct_connection.c, auth cluster)', () => {
    it('a correct password connects (test_password_ok), with or without a user name', () => {
      const cc = contextInit();
      redisClusterSetOptionAddNodes(cc, CLUSTER_NODE_WITH_PASSWORD);
      redisClusterSetOptionPassword(cc, PASSWORD);
      expect(redisClusterConnect2(cc), cc.errstr).to.equal(REDIS_OK);
      expect(redisClusterCommand(cc, 'SET compat:key1 Hello')).to.deep.equal(OK);

      const withUser = contextInit();
      redisClusterSetOptionAddNodes(withUser, CLUSTER_NODE_WITH_PASSWORD);
      redisClusterSetOptionUsername(withUser, 'default');
      redisClusterSetOptionPassword(withUser, PASSWORD);
      expect(redisClusterConnect2(withUser), withUser.errstr).to.equal(REDIS_OK);
      expect(redisClusterCommand(withUser, 'GET compat:key1')).to.deep.equal(text('Hello'));
    });

    it('a wrong password fails Connect2 with WRONGPASS (test_password_wrong)', () => {
      const cc = contextInit();
      redisClusterSetOptionAddNodes(cc, CLUSTER_NODE_WITH_PASSWORD);
      redisClusterSetOptionPassword(cc, 'faultypass');
      expect(redisClusterConnect2(cc)).to.equal(REDIS_ERR);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, WRONGPASS]);
      expect(redisClusterCommand(cc, 'GET compat:key1')).to.equal(null);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, 'slotmap not available']);
    });

    it('no password fails Connect2 with NOAUTH (test_password_missing)', () => {
      const cc = contextInit();
      redisClusterSetOptionAddNodes(cc, CLUSTER_NODE_WITH_PASSWORD);
      expect(redisClusterConnect2(cc)).to.equal(REDIS_ERR);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, NOAUTH]);
    });

    it('a failed Connect2 can be retried with fixed options (test_username_disabled)', () => {
      const cc = contextInit();
      redisClusterSetOptionAddNodes(cc, CLUSTER_NODE_WITH_PASSWORD);
      redisClusterSetOptionUsername(cc, 'missing-user');
      redisClusterSetOptionPassword(cc, PASSWORD);
      expect(redisClusterConnect2(cc)).to.equal(REDIS_ERR);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, WRONGPASS]);
      expect(redisClusterSetOptionUsername(cc, null)).to.equal(REDIS_OK);
      expect(redisClusterSetOptionUsername(cc, '')).to.equal(REDIS_OK);
      expect(redisClusterConnect2(cc), cc.errstr).to.equal(REDIS_OK);
      expect(redisClusterCommand(cc, 'SET compat:key1 Hello')).to.deep.equal(OK);
    });
  });

  describe('specific nodes (ct_specific_nodes.c)', () => {
    it('the iterator walks the three masters; DBSIZE to every node', () => {
      const cc = connectedContext();
      const nodes = allNodes(cc);
      expect(nodes).to.have.length(3);
      const ranges = nodes.flatMap((n) => n.slots).sort((a, b) => a.start - b.start);
      expect(ranges[0]!.start).to.equal(0);
      expect(ranges.at(-1)!.end).to.equal(16383);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.start).to.equal(ranges[i - 1]!.end + 1);
      for (const node of nodes) {
        expect(node.role).to.equal(REDIS_ROLE_MASTER);
        expect(node.name).to.match(/^[0-9a-f]{40}$/);
        const reply = redisClusterCommandToNode(cc, node, 'DBSIZE');
        expect(reply, cc.errstr).to.have.property('type', REDIS_REPLY_INTEGER);
      }
    });

    it('GetSlotByKey / GetNodeByKey, and a MOVED reply from the wrong node is handed over as it is', () => {
      const cc = connectedContext();
      expect(redisClusterGetSlotByKey('foo')).to.equal(12182);
      expect(redisClusterGetSlotByKey('{foo}bar')).to.equal(12182);
      expect(redisClusterGetSlotByKey(Buffer.from('foo'))).to.equal(12182);
      const node = redisClusterGetNodeByKey(cc, 'foo')!;
      expect(node.slots.some((r) => r.start <= 12182 && 12182 <= r.end)).to.equal(true);
      expect(redisClusterGetNodeByKey(cc, '{foo}other')).to.equal(node);
      expect(allNodes(cc)).to.include(node);
      const wrong = allNodes(cc).find((n) => n !== node)!;
      expect(redisClusterCommandToNode(cc, wrong, 'XLEN foo')).to.deep.equal(
        errorReply(`MOVED 12182 127.0.0.1:${node.port}`),
      );
      expect(redisClusterCommandToNode(cc, node.addr, 'EXISTS {foo}compat:none')).to.deep.equal(integer(0));

      const unconnected = contextInit();
      expect(redisClusterGetNodeByKey(unconnected, 'foo')).to.equal(null);
      expect([unconnected.err, unconnected.errstr]).to.deep.equal([REDIS_ERR_OTHER, 'slotmap not available']);
    });

    it("test_transaction's MULTI / EXEC through CommandToNode are refused: the node's link is shared", () => {
      const cc = connectedContext();
      const node = redisClusterGetNodeByKey(cc, 'compat:tx')!;
      expect(redisClusterCommandToNode(cc, node, 'MULTI')).to.equal(null);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, MULTI_REFUSED]);
      expect(redisClusterCommandToNode(cc, node, 'SET compat:tx 99')).to.deep.equal(OK);
      expect(redisClusterCommandToNode(cc, node, 'INCR compat:tx')).to.deep.equal(integer(100));
      expect(redisClusterCommandToNode(cc, node, 'EXEC')).to.equal(null);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, EXEC_REFUSED]);
    });
  });

  describe('pipelines (ct_pipeline.c, ct_specific_nodes.c)', () => {
    it('append, then one GetReply per command in append order (test_pipeline)', () => {
      const cc = connectedContext();
      expect(redisClusterAppendCommand(cc, 'SET compat:foo one')).to.equal(REDIS_OK);
      expect(redisClusterAppendCommand(cc, 'SET compat:bar two')).to.equal(REDIS_OK);
      expect(redisClusterAppendCommand(cc, 'GET compat:foo')).to.equal(REDIS_OK);
      expect(redisClusterAppendCommand(cc, 'GET compat:bar')).to.equal(REDIS_OK);
      const out: { reply?: redisReply | null } = {};
      const replies: (redisReply | null | undefined)[] = [];
      for (let i = 0; i < 4; i++) {
        expect(redisClusterGetReply(cc, out), cc.errstr).to.equal(REDIS_OK);
        replies.push(out.reply);
      }
      expect(replies).to.deep.equal([OK, OK, text('one'), text('two')]);
      // Every reply read: REDIS_OK with a null reply.
      expect(redisClusterGetReply(cc, out)).to.equal(REDIS_OK);
      expect(out.reply).to.equal(null);
      redisClusterReset(cc);
      expect(redisClusterGetReply(cc, out)).to.equal(REDIS_ERR);
      expect(cc.errstr).to.equal('no pipelined commands (append a command first)');
    });

    it('a CROSSSLOT SUNION and multi-slot MSET / MGET inside a pipeline', () => {
      const cc = connectedContext();
      expect(redisClusterAppendCommand(cc, 'SADD compat:{a}s m1')).to.equal(REDIS_OK);
      expect(redisClusterAppendCommand(cc, 'SUNION compat:{a}s compat:{b}s')).to.equal(REDIS_OK);
      expect(redisClusterAppendCommand(cc, 'MSET compat:{a}k 1 compat:{b}k 2 compat:{c}k 3')).to.equal(
        REDIS_OK,
      );
      expect(
        redisClusterAppendCommandArgv(cc, 4, ['MGET', 'compat:{c}k', 'compat:{a}k', 'compat:{b}k']),
      ).to.equal(REDIS_OK);
      expect(redisClusterAppendCommand(cc, 'PING')).to.equal(REDIS_ERR);
      expect(cc.errstr).to.equal(NO_KEYS);
      const get = '*2\r\n$3\r\nGET\r\n$11\r\ncompat:{b}k\r\n';
      expect(redisClusterAppendFormattedCommand(cc, get, get.length)).to.equal(REDIS_OK);
      const out: { reply?: redisReply | null } = {};
      const replies: (redisReply | null | undefined)[] = [];
      while (redisClusterGetReply(cc, out) === REDIS_OK && out.reply !== null) replies.push(out.reply);
      expect(cc.err).to.equal(0);
      expect(replies).to.have.length(5);
      expect(replies[0]!.type).to.equal(REDIS_REPLY_INTEGER);
      expect(replies.slice(1)).to.deep.equal([
        errorReply("CROSSSLOT Keys in request don't hash to the same slot"),
        OK,
        array(text('3'), text('1'), text('2')),
        text('2'),
      ]);
      redisClusterReset(cc);
    });

    it('Reset still sends what was appended and drains the replies', () => {
      const cc = connectedContext();
      expect(redisClusterCommand(cc, 'DEL compat:drained')).to.have.property('type', REDIS_REPLY_INTEGER);
      expect(redisClusterAppendCommand(cc, 'SET compat:drained %s', 'yes')).to.equal(REDIS_OK);
      redisClusterReset(cc);
      expect(redisClusterCommand(cc, 'GET compat:drained')).to.deep.equal(text('yes'));
    });

    it('AppendCommandToNode to every node, then one reply each (test_pipeline_to_all_nodes)', () => {
      const cc = connectedContext();
      const ni: redisClusterNodeIterator = {};
      redisClusterInitNodeIterator(ni, cc);
      let count = 0;
      for (let node = redisClusterNodeNext(ni); node !== null; node = redisClusterNodeNext(ni)) {
        expect(redisClusterAppendCommandToNode(cc, node, 'DBSIZE'), cc.errstr).to.equal(REDIS_OK);
        count++;
      }
      expect(count).to.equal(3);
      const out: { reply?: redisReply | null } = {};
      for (let i = 0; i < 3; i++) {
        expect(redisClusterGetReply(cc, out), cc.errstr).to.equal(REDIS_OK);
        expect(out.reply).to.have.property('type', REDIS_REPLY_INTEGER);
      }
      expect(redisClusterGetReply(cc, out)).to.equal(REDIS_OK);
      expect(out.reply).to.equal(null);
      redisClusterReset(cc);
    });

    it("test_pipeline_transaction's MULTI / EXEC through AppendCommandToNode are refused at the append", () => {
      const cc = connectedContext();
      const node = redisClusterGetNodeByKey(cc, 'compat:ptx')!;
      expect(redisClusterAppendCommandToNode(cc, node, 'MULTI')).to.equal(REDIS_ERR);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, MULTI_REFUSED]);
      expect(redisClusterAppendCommandToNode(cc, node, 'SET compat:ptx 199')).to.equal(REDIS_OK);
      expect(redisClusterAppendCommandToNode(cc, node, 'INCR compat:ptx')).to.equal(REDIS_OK);
      expect(redisClusterAppendCommandToNode(cc, node, 'EXEC')).to.equal(REDIS_ERR);
      expect([cc.err, cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, EXEC_REFUSED]);
      const out: { reply?: redisReply | null } = {};
      const replies: (redisReply | null | undefined)[] = [];
      for (let i = 0; i < 2; i++) {
        expect(redisClusterGetReply(cc, out), cc.errstr).to.equal(REDIS_OK);
        replies.push(out.reply);
      }
      expect(replies).to.deep.equal([OK, integer(200)]);
      redisClusterReset(cc);
    });

    it('a failed pipelined command: GetReply gives REDIS_ERR for it, the others still come', () => {
      const cc = connectedContext();
      expect(redisClusterAppendCommandToNode(cc, '127.0.0.1:7999', 'PING')).to.equal(REDIS_OK);
      expect(redisClusterAppendCommand(cc, 'SET compat:after-failure %b', Buffer.from('ok!'), 2)).to.equal(
        REDIS_OK,
      );
      const out: { reply?: redisReply | null } = {};
      expect(redisClusterGetReply(cc, out)).to.equal(REDIS_ERR);
      expect([cc.err, cc.errstr, out.reply]).to.deep.equal([REDIS_ERR_IO, 'Connection refused', null]);
      expect(redisClusterGetReply(cc, out)).to.equal(REDIS_OK);
      expect(out.reply).to.deep.equal(OK);
      redisClusterReset(cc);
      expect([cc.err, cc.errstr]).to.deep.equal([0, '']);
      expect(redisClusterCommand(cc, 'GET compat:after-failure')).to.deep.equal(text('ok'));
    });
  });

  describe('async API (ct_async.c)', () => {
    it('Connect2 fails without an adapter; commands from READY; disconnect from a reply callback', async () => {
      const acc = asyncContextInit();
      const log: Logged[] = [];
      const connects: [number, number][] = [];
      const disconnects: [number, number][] = [];
      const events: number[] = [];
      const callback = recorder(log, (privdata) => privdata.startsWith('GET'));
      const onConnect = (ac: RedisAsyncLinkContext, st: number) => connects.push([ac.c.tcp.port, st]);
      const onDisconnect = (ac: RedisAsyncLinkContext, st: number) => disconnects.push([ac.c.tcp.port, st]);
      const onEvent = (_cc: RedisClusterContext, event: number, a: redisClusterAsyncContext) => {
        events.push(event);
        // We send our commands when the client is ready to accept commands.
        if (event !== HIRCLUSTER_EVENT_READY) return;
        expect(redisClusterAsyncCommand(a, callback, 'SET1', 'SET compat:key12345 value')).to.equal(REDIS_OK);
        // This command will trigger a disconnect in its reply callback.
        expect(redisClusterAsyncCommand(a, callback, 'GET1', 'GET compat:key12345')).to.equal(REDIS_OK);
        expect(redisClusterAsyncCommand(a, callback, 'SET2', 'SET compat:key23456 value2')).to.equal(
          REDIS_OK,
        );
        expect(redisClusterAsyncCommand(a, callback, 'GET2', 'GET compat:key23456')).to.equal(REDIS_OK);
      };
      expect(redisClusterAsyncSetConnectCallback(acc, onConnect)).to.equal(REDIS_OK);
      expect(redisClusterAsyncSetDisconnectCallback(acc, onDisconnect)).to.equal(REDIS_OK);
      expect(redisClusterSetEventCallback(acc.cc, onEvent, acc)).to.equal(REDIS_OK);
      expect(redisClusterSetOptionAddNodes(acc.cc, CLUSTER_NODE)).to.equal(REDIS_OK);

      // Expect error when connecting without an attached event library.
      expect(redisClusterAsyncConnect2(acc)).to.equal(REDIS_ERR);
      expect([acc.err, acc.errstr]).to.deep.equal([
        REDIS_ERR_OTHER,
        'no event loop attached (call redisClusterNodeAttach or redisClusterAttachAdapter first)',
      ]);
      expect(redisClusterNodeAttach(acc)).to.equal(REDIS_OK);
      expect(redisClusterAsyncConnect2(acc)).to.equal(REDIS_OK);

      // The event loop runs until every link is closed again.
      await until(
        () => log.length === 4 && connects.length > 0 && disconnects.length === connects.length,
        'the loop',
      );
      const byPrivdata = Object.fromEntries(log.map((l) => [l.privdata, [l.reply, l.err, l.errstr]]));
      expect(byPrivdata).to.deep.equal({
        SET1: [OK, 0, ''],
        GET1: [text('value'), 0, ''],
        SET2: [OK, 0, ''],
        GET2: [text('value2'), 0, ''],
      });
      expect(connects.every(([, st]) => st === REDIS_OK)).to.equal(true);
      expect(disconnects.every(([, st]) => st === REDIS_OK)).to.equal(true);
      expect(disconnects.map(([port]) => port).sort()).to.deep.equal(connects.map(([port]) => port).sort());
      expect(events).to.deep.equal([HIRCLUSTER_EVENT_SLOTMAP_UPDATED, HIRCLUSTER_EVENT_READY]);
      redisClusterAsyncFree(acc);
      expect(events).to.deep.equal([
        HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
        HIRCLUSTER_EVENT_READY,
        HIRCLUSTER_EVENT_FREE_CONTEXT,
      ]);
      expect(log).to.have.length(4);
    });

    it('Connect2 after a disconnect opens the context again (HIRCLUSTER_FLAG_SHUTDOWN cleared)', async () => {
      const acc = asyncContextInit();
      const log: Logged[] = [];
      const events: number[] = [];
      redisClusterSetOptionAddNodes(acc.cc, CLUSTER_NODE);
      redisClusterNodeAttach(acc);
      redisClusterSetEventCallback(acc.cc, (_cc, event) => events.push(event));
      expect(redisClusterAsyncConnect2(acc)).to.equal(REDIS_OK);
      await until(() => events.includes(HIRCLUSTER_EVENT_READY), 'READY');
      expect(
        redisClusterAsyncCommand(
          acc,
          recorder(log, () => true),
          'first',
          'SET compat:again 1',
        ),
      ).to.equal(REDIS_OK);
      await until(() => log.length === 1, 'the first reply');
      expect(acc.cc.flags & HIRCLUSTER_FLAG_SHUTDOWN).to.equal(HIRCLUSTER_FLAG_SHUTDOWN);
      expect(redisClusterAsyncCommand(acc, recorder(log), 'refused', 'GET compat:again')).to.equal(REDIS_ERR);
      expect(acc.errstr).to.equal('client closing');
      expect(redisClusterAsyncConnect2(acc)).to.equal(REDIS_OK);
      expect(acc.cc.flags & HIRCLUSTER_FLAG_SHUTDOWN).to.equal(0);
      await until(() => events.length === 3, 'the second slot map');
      expect(redisClusterAsyncCommand(acc, recorder(log), 'second', 'GET compat:again')).to.equal(REDIS_OK);
      await until(() => log.length === 2, 'the second reply');
      expect(log.map((l) => [l.privdata, l.reply])).to.deep.equal([
        ['first', OK],
        ['second', text('1')],
      ]);
      expect(events).to.deep.equal([
        HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
        HIRCLUSTER_EVENT_READY,
        HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
      ]);
    });

    it('set-once connect / disconnect callbacks', () => {
      const acc = asyncContextInit();
      const noop = () => undefined;
      expect(redisClusterAsyncSetConnectCallback(acc, noop)).to.equal(REDIS_OK);
      expect(redisClusterAsyncSetConnectCallback(acc, noop)).to.equal(REDIS_ERR);
      expect([acc.err, acc.errstr]).to.deep.equal([REDIS_ERR_OTHER, 'connect callback already set']);
      expect(redisClusterAsyncSetConnectCallbackNC(acc, noop)).to.equal(REDIS_ERR);
      expect(redisClusterAsyncSetDisconnectCallback(acc, noop)).to.equal(REDIS_OK);
      expect(redisClusterAsyncSetDisconnectCallback(acc, noop)).to.equal(REDIS_ERR);
      expect(acc.errstr).to.equal('disconnect callback already set');
    });

    it('a refused command returns REDIS_ERR with acc.err set, and its callback never runs', async () => {
      const acc = asyncContextInit();
      const log: Logged[] = [];
      const callback = recorder(log);
      const refusals: [number, number, string][] = [];
      const refused = (result: number) => refusals.push([result, acc.err, acc.errstr]);

      refused(redisClusterAsyncCommand(acc, callback, 'a', 'GET compat:x'));
      refused(redisClusterAsyncCommandToNode(acc, CLUSTER_NODE, callback, 'b', 'PING'));
      redisClusterSetOptionAddNodes(acc.cc, CLUSTER_NODE);
      redisClusterNodeAttach(acc);
      let ready = false;
      redisClusterSetEventCallback(acc.cc, (_cc, event) => {
        if (event === HIRCLUSTER_EVENT_READY) ready = true;
      });
      expect(redisClusterAsyncConnect2(acc)).to.equal(REDIS_OK);
      await until(() => ready, 'READY');
      refused(redisClusterAsyncCommand(acc, callback, 'c', 'PING'));
      refused(redisClusterAsyncCommand(acc, callback, 'd', 'SET %s'));
      refused(redisClusterAsyncCommandArgv(acc, callback, 'e', 2, ['GET']));
      refused(redisClusterAsyncCommand(acc, 'callback' as unknown as typeof callback, 'i', 'GET compat:x'));
      refused(redisClusterAsyncCommandToNode(acc, CLUSTER_NODE, callback, 'j', 'SUBSCRIBE compat:ch'));
      redisClusterAsyncDisconnect(acc);
      refused(redisClusterAsyncCommand(acc, callback, 'f', 'GET compat:x'));
      refused(redisClusterAsyncCommandToNode(acc, CLUSTER_NODE, callback, 'g', 'PING'));
      redisClusterAsyncFree(acc);
      refused(redisClusterAsyncCommand(acc, callback, 'h', 'GET compat:x'));
      expect(refusals).to.deep.equal([
        [REDIS_ERR, REDIS_ERR_OTHER, 'slotmap not available'],
        [REDIS_ERR, REDIS_ERR_OTHER, 'not connected (call redisClusterAsyncConnect2 first)'],
        [REDIS_ERR, REDIS_ERR_OTHER, NO_KEYS],
        [REDIS_ERR, REDIS_ERR_OTHER, wrongCount(1, 0)],
        [REDIS_ERR, REDIS_ERR_OTHER, 'Invalid argc 2: must be 1..1, the length of argv'],
        [REDIS_ERR, REDIS_ERR_OTHER, 'Invalid callback: expected a function or null, got string'],
        [
          REDIS_ERR,
          REDIS_ERR_OTHER,
          'SUBSCRIBE is not allowed on a shared cluster link: use subscribe(), psubscribe() or ssubscribe() and their un... forms (subscriptions get links of their own)',
        ],
        [REDIS_ERR, REDIS_ERR_OTHER, 'client closing'],
        [REDIS_ERR, REDIS_ERR_OTHER, 'disconnecting'],
        [REDIS_ERR, REDIS_ERR_OTHER, 'context freed'],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(log).to.deep.equal([]);
    });

    it('ToNode to every node from READY: format, argv and formatted; MULTI/EXEC refused (ct_specific_nodes.c)', async () => {
      const acc = asyncContextInit();
      const log: Logged[] = [];
      const refusals: [number, number, string][] = [];
      const callback = recorder(log);
      redisClusterSetOptionAddNodes(acc.cc, CLUSTER_NODE);
      redisClusterSetOptionRouteUseSlots(acc.cc);
      redisClusterSetOptionMaxRetry(acc.cc, 1);
      redisClusterNodeAttach(acc);
      let nodes: redisClusterNode[] = [];
      redisClusterSetEventCallback(
        acc.cc,
        (cc, event, a: redisClusterAsyncContext) => {
          if (event !== HIRCLUSTER_EVENT_READY) return;
          nodes = allNodes(cc);
          for (const node of nodes) {
            expect(redisClusterAsyncCommandToNode(a, node, callback, 'dbsize', 'DBSIZE')).to.equal(REDIS_OK);
            expect(
              redisClusterAsyncCommandArgvToNode(a, node, callback, 'argv', 1, ['DBSIZE'], [6]),
            ).to.equal(REDIS_OK);
            const command = '*1\r\n$6\r\nDBSIZE\r\n';
            expect(
              redisClusterAsyncFormattedCommandToNode(
                a,
                node,
                callback,
                'formatted',
                command,
                command.length,
              ),
            ).to.equal(REDIS_OK);
          }
          const node = redisClusterGetNodeByKey(cc, 'compat:atx')!;
          // ct_specific_nodes.c sends a transaction this way; on a shared link it is refused.
          const multi = redisClusterAsyncCommandToNode(a, node, callback, 'multi', 'MULTI');
          refusals.push([multi, a.err, a.errstr]);
          const exec = redisClusterAsyncCommandToNode(a, node, callback, 'exec', 'EXEC ');
          refusals.push([exec, a.err, a.errstr]);
          // The next call clears the refusal's err; the commands run on their own.
          expect(redisClusterAsyncCommandToNode(a, node, callback, 'set', 'SET compat:atx 99')).to.equal(
            REDIS_OK,
          );
          expect(redisClusterAsyncCommandToNode(a, node, callback, 'incr', 'INCR compat:atx')).to.equal(
            REDIS_OK,
          );
        },
        acc,
      );
      expect(redisClusterAsyncConnect2(acc)).to.equal(REDIS_OK);
      await until(() => log.length === 11, '11 replies');
      expect(nodes.map((n) => n.role)).to.deep.equal([
        REDIS_ROLE_MASTER,
        REDIS_ROLE_MASTER,
        REDIS_ROLE_MASTER,
      ]);
      const counts = log.filter((l) => ['dbsize', 'argv', 'formatted'].includes(l.privdata));
      expect(counts).to.have.length(9);
      for (const l of counts)
        expect([l.reply?.type, l.err, l.errstr]).to.deep.equal([REDIS_REPLY_INTEGER, 0, '']);
      expect(log.filter((l) => !counts.includes(l)).map((l) => [l.privdata, l.reply])).to.deep.equal([
        ['set', OK],
        ['incr', integer(100)],
      ]);
      expect(refusals).to.deep.equal([
        [REDIS_ERR, REDIS_ERR_OTHER, MULTI_REFUSED],
        [REDIS_ERR, REDIS_ERR_OTHER, EXEC_REFUSED],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(log).to.have.length(11);
    });

    it('%b pairs, argv with argvlen and formatted commands with len', async () => {
      const acc = asyncContextInit();
      const log: Logged[] = [];
      const callback = recorder(log);
      redisClusterSetOptionAddNodes(acc.cc, CLUSTER_NODE);
      redisClusterNodeAttach(acc);
      let ready = false;
      redisClusterSetEventCallback(acc.cc, (_cc, event) => {
        ready ||= event === HIRCLUSTER_EVENT_READY;
      });
      expect(redisClusterAsyncConnect2(acc)).to.equal(REDIS_OK);
      await until(() => ready, 'READY');
      const key = Buffer.from('compat:async-bin-and-more');
      expect(
        redisClusterAsyncCommand(acc, callback, 'set', 'SET %b %b', key, 16, Buffer.from('v1-xyz'), 2),
      ).to.equal(REDIS_OK);
      expect(
        redisClusterAsyncCommandArgv(acc, callback, 'get', 2, ['GET', 'compat:async-binary'], [3, 16]),
      ).to.equal(REDIS_OK);
      const get = '*2\r\n$3\r\nGET\r\n$16\r\ncompat:async-bin\r\n';
      expect(
        redisClusterAsyncFormattedCommand(acc, callback, 'formatted', `${get}junk`, get.length),
      ).to.equal(REDIS_OK);
      expect(redisClusterAsyncCommand(acc, null, null, 'DEL compat:async-bin')).to.equal(REDIS_OK);
      await until(() => log.length === 3, '3 replies');
      expect(log.map((l) => [l.privdata, l.reply])).to.deep.equal([
        ['set', OK],
        ['get', text('v1')],
        ['formatted', text('v1')],
      ]);
    });

    it('free with commands in flight: each callback gets a null reply once, with acc.errstr set', async () => {
      const acc = asyncContextInit();
      const log: Logged[] = [];
      const callback = recorder(log);
      redisClusterSetOptionAddNodes(acc.cc, CLUSTER_NODE);
      redisClusterNodeAttach(acc);
      const events: number[] = [];
      redisClusterSetEventCallback(acc.cc, (_cc, event) => events.push(event));
      expect(redisClusterAsyncConnect2(acc)).to.equal(REDIS_OK);
      await until(() => events.includes(HIRCLUSTER_EVENT_READY), 'READY');
      for (const privdata of ['one', 'two', 'three']) {
        expect(
          redisClusterAsyncCommand(acc, callback, privdata, 'BLPOP compat:never-%s 1', privdata),
        ).to.equal(REDIS_OK);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      redisClusterAsyncFree(acc);
      expect(log).to.have.deep.members(
        ['one', 'two', 'three'].map((privdata) => ({
          privdata,
          reply: null,
          err: REDIS_ERR_OTHER,
          errstr: 'context freed',
        })),
      );
      expect([acc.err, acc.errstr]).to.deep.equal([0, '']);
      expect(events.at(-1)).to.equal(HIRCLUSTER_EVENT_FREE_CONTEXT);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(log).to.have.length(3);
    });

    it('an attached adapter carries every link; a started context keeps its loop', async () => {
      class CountingAdapter extends NodeAdapter {
        connects = 0;
        override connect(...args: Parameters<NodeAdapter['connect']>) {
          this.connects++;
          return super.connect(...args);
        }
      }
      const adapter = new CountingAdapter();
      const acc = asyncContextInit();
      const log: Logged[] = [];
      redisClusterSetOptionAddNodes(acc.cc, CLUSTER_NODE);
      expect(redisClusterAttachAdapter(acc, adapter)).to.equal(REDIS_OK);
      let ready = false;
      redisClusterSetEventCallback(acc.cc, (_cc, event) => {
        ready ||= event === HIRCLUSTER_EVENT_READY;
      });
      expect(redisClusterAsyncConnect2(acc)).to.equal(REDIS_OK);
      await until(() => ready, 'READY');
      expect(redisClusterAsyncCommand(acc, recorder(log), 'get', 'GET compat:missing')).to.equal(REDIS_OK);
      await until(() => log.length === 1, 'the reply');
      expect(log[0]!.reply).to.deep.equal(NIL);
      expect(adapter.connects).to.be.within(1, 2);
      expect(redisClusterAttachAdapter(acc, new NodeAdapter())).to.equal(REDIS_ERR);
      expect(acc.errstr).to.equal(
        'the context already runs on another event loop (attach before connecting)',
      );
      expect(redisClusterAttachAdapter(acc, adapter)).to.equal(REDIS_OK);
    });
  });

  describe('traps for code ported from C', () => {
    it('redisClusterAsyncConnect returns with the slot map installed: commands follow at once', async () => {
      // C: acc = redisClusterAsyncConnect("127.0.0.1:7000", HIRCLUSTER_FLAG_ROUTE_USE_SLOTS);
      //    assert(acc->err == 0); redisClusterLibuvAttach(acc, loop);
      //    redisClusterAsyncCommand(acc, setCallback, "set", "SET compat:legacy %d", 7); ...
      const acc = redisClusterAsyncConnect(CLUSTER_NODE, HIRCLUSTER_FLAG_ROUTE_USE_SLOTS);
      asyncContexts.push(acc);
      expect([acc.err, acc.errstr]).to.deep.equal([0, '']);
      expect(redisClusterNodeAttach(acc)).to.equal(REDIS_OK);
      expect(allNodes(acc.cc)).to.have.length(3);
      const log: Logged[] = [];
      expect(redisClusterAsyncCommand(acc, recorder(log), 'set', 'SET compat:legacy %d', 7)).to.equal(
        REDIS_OK,
      );
      const get = recorder(log, () => true);
      expect(redisClusterAsyncCommand(acc, get, 'get', 'GET compat:legacy')).to.equal(REDIS_OK);
      await until(() => log.length === 2, 'the replies');
      expect(log).to.deep.equal([
        { privdata: 'set', reply: OK, err: 0, errstr: '' },
        { privdata: 'get', reply: text('7'), err: 0, errstr: '' },
      ]);

      const bad = redisClusterAsyncConnect('127.0.0.1', 0);
      asyncContexts.push(bad);
      expect([bad.err, bad.errstr]).to.deep.equal([
        REDIS_ERR_OTHER,
        'server address is incorrect, port separator missing.',
      ]);
      // The blocking fetch fails here, as in C: acc->err says why, and no slot map means no commands.
      const refused = redisClusterAsyncConnect(`127.0.0.1:${await refusedPort()}`, 0);
      asyncContexts.push(refused);
      expect([refused.err, refused.errstr]).to.deep.equal([REDIS_ERR_IO, 'Connection refused']);
      expect(redisClusterAsyncCommand(refused, null, null, 'GET compat:legacy')).to.equal(REDIS_ERR);
      expect([refused.err, refused.errstr]).to.deep.equal([REDIS_ERR_OTHER, 'slotmap not available']);
    });

    it("aggregates have C's count in elements and the children in element (sync)", () => {
      const cc = connectedContext();
      expect(redisClusterCommand(cc, 'MSET compat:{a}e1 x compat:{b}e2 y')).to.deep.equal(OK);
      // C: for (i = 0; i < r->elements; i++) use(r->element[i]->str);  (split over slots and merged)
      const r = redisClusterCommand(cc, 'MGET compat:{a}e1 compat:{b}e2 compat:{c}none')!;
      expect([r.type, r.elements]).to.deep.equal([REDIS_REPLY_ARRAY, 3]);
      const values: (string | null)[] = [];
      for (let i = 0; i < r.elements!; i++) {
        const e = r.element![i]!;
        values.push(e.type === REDIS_REPLY_NIL ? null : (e.str as string));
      }
      expect(values).to.deep.equal(['x', 'y', null]);

      // C: CLUSTER SLOTS walked as nested arrays: r->element[i]->element[2]->element[1]->integer.
      const slots = redisClusterCommandToNode(cc, allNodes(cc)[0]!, 'CLUSTER SLOTS')!;
      expect(slots.type).to.equal(REDIS_REPLY_ARRAY);
      let covered = 0;
      const ports = new Set<number | bigint>();
      for (let i = 0; i < slots.elements!; i++) {
        const range = slots.element![i]!;
        covered += Number(range.element![1]!.integer) - Number(range.element![0]!.integer) + 1;
        ports.add(range.element![2]!.element![1]!.integer!);
      }
      expect(covered).to.equal(16384);
      expect([...ports].sort()).to.deep.equal(
        allNodes(cc)
          .map((n) => n.port)
          .sort(),
      );
      // An empty array: elements 0, and the loop runs zero times.
      expect(redisClusterCommand(cc, 'LRANGE compat:{c}none 0 -1')).to.deep.equal(array());
    });

    it("aggregates have C's count in elements and the children in element (async)", async () => {
      const acc = redisClusterAsyncConnect(CLUSTER_NODE, HIRCLUSTER_FLAG_ROUTE_USE_SLOTS);
      asyncContexts.push(acc);
      const values: string[] = [];
      let done = false;
      const walk: RedisClusterCallbackFn<null> = (a, r) => {
        // C: for (i = 0; i < r->elements; i++) printf("%s\n", r->element[i]->str);
        for (let i = 0; i < r!.elements!; i++) values.push(r!.element![i]!.str as string);
        done = true;
        redisClusterAsyncDisconnect(a);
      };
      expect(redisClusterAsyncCommand(acc, null, null, 'DEL compat:{l}list')).to.equal(REDIS_OK);
      expect(redisClusterAsyncCommand(acc, null, null, 'RPUSH compat:{l}list a b c')).to.equal(REDIS_OK);
      expect(redisClusterAsyncCommand(acc, walk, null, 'LRANGE compat:{l}list 0 -1')).to.equal(REDIS_OK);
      await until(() => done, 'the reply');
      expect(values).to.deep.equal(['a', 'b', 'c']);
    });

    it('binary values round-trip with %b and HIRCLUSTER_FLAG_RETURN_BUFFERS: str is a Buffer of len bytes', async () => {
      const value = Buffer.from([0x00, 0x01, 0xff]);
      const cc = contextInit();
      redisClusterSetOptionAddNodes(cc, CLUSTER_NODE);
      redisClusterSetOptionRouteUseSlots(cc);
      expect(redisClusterSetOptionReturnBuffers(cc)).to.equal(REDIS_OK);
      expect(redisClusterConnect2(cc), cc.errstr).to.equal(REDIS_OK);
      // C: redisClusterCommand(cc, "SET %s %b", "compat:{a}bin", value, (size_t)3);
      expect(redisClusterCommand(cc, 'SET %s %b', 'compat:{a}bin', value, 3)).to.deep.equal(OK);
      expect(redisClusterCommand(cc, 'SET %s %b', 'compat:{b}bin', value, 2)).to.deep.equal(OK);
      // C: r = redisClusterCommand(cc, "GET %s", "compat:{a}bin"); memcmp(r->str, value, r->len) == 0
      const r = redisClusterCommand(cc, 'GET %s', 'compat:{a}bin')!;
      expect([r.type, r.len]).to.deep.equal([REDIS_REPLY_STRING, 3]);
      expect(Buffer.compare(r.str as Buffer, value)).to.equal(0);
      // Statuses stay text; a split MGET keeps the bytes of every part.
      expect(redisClusterCommand(cc, 'SET compat:{a}bin2 x')).to.deep.equal(OK);
      expect(redisClusterCommand(cc, 'MGET compat:{a}bin compat:{b}bin')).to.deep.equal(
        array(
          { type: REDIS_REPLY_STRING, str: value, len: 3 },
          { type: REDIS_REPLY_STRING, str: value.subarray(0, 2), len: 2 },
        ),
      );

      // Without the flag str is UTF-8 text: 00 01 ff reads back as 00 01 ef bf bd.
      const lossy = redisClusterCommand(connectedContext(), 'GET %s', 'compat:{a}bin')!;
      expect(Buffer.from(lossy.str as string)).to.deep.equal(Buffer.from([0x00, 0x01, 0xef, 0xbf, 0xbd]));

      // The async API, with the flag passed to redisClusterAsyncConnect.
      const acc = redisClusterAsyncConnect(
        CLUSTER_NODE,
        HIRCLUSTER_FLAG_ROUTE_USE_SLOTS | HIRCLUSTER_FLAG_RETURN_BUFFERS,
      );
      asyncContexts.push(acc);
      const log: Logged[] = [];
      expect(redisClusterAsyncCommand(acc, null, null, 'SET %s %b', 'compat:{c}bin', value, 3)).to.equal(
        REDIS_OK,
      );
      const get = recorder(log, () => true);
      expect(redisClusterAsyncCommand(acc, get, 'get', 'GET %s', 'compat:{c}bin')).to.equal(REDIS_OK);
      await until(() => log.length === 1, 'the reply');
      expect(log[0]!.reply).to.deep.equal({ type: REDIS_REPLY_STRING, str: value, len: 3 });
    });
  });

  describe('redisClusterConnect2(acc.cc): the blocking first fetch of an async context (ct_connection.c)', () => {
    it('a wrong password fails at once with WRONGPASS on acc.cc; acc.err stays 0', () => {
      const acc = asyncContextInit();
      redisClusterSetOptionAddNodes(acc.cc, CLUSTER_NODE_WITH_PASSWORD);
      redisClusterSetOptionPassword(acc.cc, 'faultypass');
      expect(redisClusterConnect2(acc.cc)).to.equal(REDIS_ERR);
      expect(acc.err).to.equal(REDIS_OK);
      expect([acc.cc.err, acc.cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, WRONGPASS]);
      expect(redisClusterAsyncCommand(acc, null, null, 'SET compat:key1 Hello')).to.equal(REDIS_ERR);
      expect([acc.err, acc.errstr]).to.deep.equal([REDIS_ERR_OTHER, 'slotmap not available']);
    });

    it('no password fails at once with NOAUTH', () => {
      const acc = asyncContextInit();
      redisClusterSetOptionAddNodes(acc.cc, CLUSTER_NODE_WITH_PASSWORD);
      expect(redisClusterConnect2(acc.cc)).to.equal(REDIS_ERR);
      expect([acc.cc.err, acc.cc.errstr]).to.deep.equal([REDIS_ERR_OTHER, NOAUTH]);
    });

    it('the right password connects; the async context is ready after its own fetch', async () => {
      const acc = asyncContextInit();
      const connects: number[] = [];
      const disconnects: number[] = [];
      redisClusterAsyncSetConnectCallback(acc, (_ac, st) => connects.push(st));
      redisClusterAsyncSetDisconnectCallback(acc, (_ac, st) => disconnects.push(st));
      redisClusterSetOptionAddNodes(acc.cc, CLUSTER_NODE_WITH_PASSWORD);
      redisClusterSetOptionPassword(acc.cc, PASSWORD);
      const log: Logged[] = [];
      redisClusterSetEventCallback(acc.cc, (_cc, event) => {
        if (event === HIRCLUSTER_EVENT_READY) {
          redisClusterAsyncCommand(
            acc,
            recorder(log, () => true),
            'set',
            'SET compat:key1 Hello',
          );
        }
      });
      expect(redisClusterConnect2(acc.cc)).to.equal(REDIS_OK);
      expect([acc.err, acc.cc.err]).to.deep.equal([0, 0]);
      await until(() => log.length === 1 && disconnects.length === connects.length, 'the loop');
      expect(log).to.deep.equal([{ privdata: 'set', reply: OK, err: 0, errstr: '' }]);
      expect([...connects, ...disconnects].every((st) => st === REDIS_OK)).to.equal(true);
    });
  });
});
