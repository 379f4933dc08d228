/**
 * The topology forms a Redis 7-9 cluster really sends, against scripted nodes, on both faces (issue 16,
 * section 2): a MOVED / ASK without a host (':port', '?:port'), CLUSTER SLOTS endpoints that are NIL,
 * '', '?' or host names with the Redis 7 metadata and later fields, CLUSTER SHARDS as the slot-map
 * source, and error replies cut short ('-MO', '-ASK', '-MOVED').
 *
 * The nodes answering for "the host of the node that answered" listen on 127.0.0.2 while the seed is on
 * 127.0.0.1 (or the reverse), so a client that took the seed's host, or the `ip` of the metadata
 * (127.0.0.9, where nothing listens), would connect to the wrong place and fail the script. The async
 * context runs here; the blocking one in a child process (spec/support/blocking-scripts/run-commands.ts),
 * because its calls block the thread the scripted nodes answer on.
 */
import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import type { BlockingOptions } from '../../lib/blocking/blocking-context.js';
import { type ClusterError, REDIS_ERR_OTHER, ReplyError } from '../../lib/errors.js';
import type { Outcomes } from '../support/async-helpers.js';
import { blockingChild } from '../support/blocking-child.js';
import { keyIn, scriptedAsync } from '../support/scripted-async.js';
import {
  type Conversation,
  error,
  inAnyOrder,
  type RespValue,
  type ScriptedNode,
  type Step,
  status,
} from '../support/scripted-node.js';

const SLOTS = ['CLUSTER', 'SLOTS'];
const SHARDS = ['CLUSTER', 'SHARDS'];
const FOO = 12182; // keySlot('foo')
/** Where nothing listens: a client that dials the metadata's ip instead of the endpoint fails. */
const NOWHERE = '127.0.0.9';
const HELLO3 = '%1\r\n+proto\r\n:3\r\n';

/** RESP3 bytes of plain values: Map -> `%`, null -> `_`, as a RESP3 server sends them. */
function resp3(value: unknown): string {
  if (value === null) return '_\r\n';
  if (typeof value === 'number') return `:${value}\r\n`;
  if (typeof value === 'string') return `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
  if (value instanceof Map) {
    return `%${value.size}\r\n${[...value].map(([k, v]) => resp3(k) + resp3(v)).join('')}`;
  }
  const items = value as unknown[];
  return `*${items.length}\r\n${items.map(resp3).join('')}`;
}

/** A CLUSTER SHARDS node, as a flat RESP2 key/value list (`fields` may override any field). */
function shardNode(node: ScriptedNode, role: 'master' | 'replica', endpoint: string, fields: unknown[] = []) {
  return [
    'id',
    `id-${node.name}`,
    'port',
    node.port,
    'ip',
    NOWHERE,
    'endpoint',
    endpoint,
    'role',
    role,
    'replication-offset',
    10,
    'health',
    'online',
    ...fields,
  ];
}

/** A flat RESP2 key/value list -> RESP3 maps, nested (the shard and node records of CLUSTER SHARDS). */
function asMaps(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  if (value[0] !== 'slots' && value[0] !== 'id') return value.map(asMaps);
  const map = new Map<string, unknown>();
  for (let i = 0; i < value.length; i += 2) map.set(value[i] as string, asMaps(value[i + 1]));
  return map;
}

/** The blocking face's outcomes, one per line: connect's first, then one per command. */
function blockingRun(options: BlockingOptions, commands: string[][]): Promise<unknown[]> {
  return blockingChild('run-commands', options, commands);
}

describe('engine: the endpoint forms of Redis 7-9 clusters, on both faces (scripted nodes)', () => {
  const harness = scriptedAsync({ timeoutMs: 10_000 });
  const { client, connected, throttleOpens } = harness;
  let conv: Conversation;
  let outcomes: Outcomes;

  beforeEach(() => {
    ({ conv, outcomes } = harness);
  });

  /** Outcomes as [privdata, reply, err, errstr]; an error reply as 'ReplyError: <text>'. */
  function results() {
    return outcomes.list.map((o) => [
      o.privdata,
      o.reply instanceof ReplyError ? `ReplyError: ${o.reply.message}` : o.reply,
      o.err,
      o.errstr,
    ]);
  }

  /** Runs the blocking face while the conversation goes on; both must finish, a mismatch fails at once. */
  async function blocking(options: BlockingOptions, commands: string[][]): Promise<unknown[]> {
    const run = blockingRun(options, commands);
    run.catch(() => {}); // awaited below, unless the script fails first
    const first = await Promise.race([conv.done().then(() => 'script'), run.then(() => 'child')]);
    // Once the child is gone nothing more comes: the script is complete or it never will be.
    if (first === 'child') await conv.done({ timeoutMs: 1000 });
    return run;
  }

  /** The blocking face's initial update: a temporary link to `seed`, asked `command`. */
  function temporaryUpdate(seed: ScriptedNode, reply: RespValue, command = SLOTS): Step[] {
    return [seed.expectConnect(), seed.expectCommand(command), seed.send(reply), seed.expectClose()];
  }

  describe("MOVED / ASK without a host: ':port' and '?:port' go to the host of the node that answered", () => {
    /** Seed a (127.0.0.1) hands every slot to b; b and c listen on 127.0.0.2. */
    async function nodes() {
      const a = await conv.node({ name: 'A' });
      const b = await conv.node({ name: 'B', host: '127.0.0.2' });
      const c = await conv.node({ name: 'C', host: '127.0.0.2' });
      return {
        a,
        b,
        c,
        first: [
          [0, 99, [a.host, a.port, 'a']],
          [100, 16383, [b.host, b.port, 'b']],
        ],
      };
    }

    /** After b's MOVED, the update on b's link: b's slots go to c, given as NIL (b's host). */
    function afterMoved(a: ScriptedNode, b: ScriptedNode, c: ScriptedNode): Step[] {
      const map = [
        [0, 99, [a.host, a.port, 'a']],
        [100, 16383, [null, c.port, 'c']],
      ];
      return [b.expectCommand(SLOTS), b.send(map), b.expectClose()]; // b left the map
    }

    it(`async: '-MOVED ${FOO} :port' is followed to the redirecting node's host`, async () => {
      const { a, b, c, first } = await nodes();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, first);
      conv.script(
        b.expectConnect(),
        b.expectCommand(['GET', 'foo']),
        throttleOpens(),
        b.send(error(`MOVED ${FOO} :${c.port}`)),
        inAnyOrder(afterMoved(a, b, c), [c.expectConnect(), c.expectCommand(['GET', 'foo']), c.send('bar')]),
      );
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([[1, 'bar', 0, '']]);
      expect(acc.nodeForKey('foo')!.addr).to.equal(`127.0.0.2:${c.port}`);
    });

    it(`blocking: '-MOVED ${FOO} :port' is followed to the redirecting node's host`, async () => {
      const { a, b, c, first } = await nodes();
      conv.script(
        ...temporaryUpdate(a, first),
        b.expectConnect(),
        b.expectCommand(['GET', 'foo']),
        b.send(error(`MOVED ${FOO} :${c.port}`)),
        inAnyOrder(afterMoved(a, b, c), [c.expectConnect(), c.expectCommand(['GET', 'foo']), c.send('bar')]),
        c.expectClose(),
      );
      expect(await blocking({ nodes: a.addr }, [['GET', 'foo']])).to.deep.equal([
        { reply: 'connected' },
        { reply: 'bar' },
      ]);
    });

    /** b answers ASK with '?:port' (host name preferred, none announced); c takes ASKING + the command. */
    function asked(b: ScriptedNode, c: ScriptedNode): Step[] {
      return [
        b.expectConnect(),
        b.expectCommand(['GET', 'foo']),
        b.send(error(`ASK ${FOO} ?:${c.port}`)),
        c.expectConnect(),
        c.expectCommand(['ASKING']),
        c.send(status('OK')),
        c.expectCommand(['GET', 'foo']),
        c.send('bar'),
      ];
    }

    it("async: '-ASK <slot> ?:port' is followed to the redirecting node's host; the map stays", async () => {
      const { a, b, c, first } = await nodes();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, first);
      conv.script(...asked(b, c));
      acc.command(outcomes.callback, 1, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([[1, 'bar', 0, '']]);
      expect(acc.nodeForKey('foo')!.addr).to.equal(b.addr);
    });

    it("blocking: '-ASK <slot> ?:port' is followed to the redirecting node's host; the map stays", async () => {
      const { a, b, c, first } = await nodes();
      conv.script(
        ...temporaryUpdate(a, first),
        ...asked(b, c),
        b.expectCommand(['GET', 'foo']), // still b's slot
        b.send('bar2'),
        inAnyOrder(b.expectClose(), c.expectClose()),
      );
      expect(
        await blocking({ nodes: a.addr }, [
          ['GET', 'foo'],
          ['GET', 'foo'],
        ]),
      ).to.deep.equal([{ reply: 'connected' }, { reply: 'bar' }, { reply: 'bar2' }]);
    });
  });

  describe("CLUSTER SLOTS endpoints: NIL, '' and '?' are the answering node's host; host names as they are", () => {
    /**
     * Seed a and nodes b, c on 127.0.0.2, d on 127.0.0.1 named 'localhost'. Four ranges, one per form,
     * each with metadata whose ip leads nowhere, and later fields the parser must skip.
     */
    async function nodes(metadata: unknown, later: unknown) {
      const a = await conv.node({ name: 'A', host: '127.0.0.2' });
      const b = await conv.node({ name: 'B', host: '127.0.0.2' });
      const c = await conv.node({ name: 'C', host: '127.0.0.2' });
      const d = await conv.node({ name: 'D' });
      const map = [
        [0, 3999, [null, a.port, 'a', metadata]],
        [4000, 7999, ['', b.port, 'b', metadata, 'a later field', [1, 2]]],
        [8000, 11999, ['?', c.port, 'c', metadata]],
        [12000, 16383, ['localhost', d.port, 'd', metadata, later]],
      ];
      const keys = [keyIn(0, 3999), keyIn(4000, 7999), keyIn(8000, 11999), 'foo'];
      return { a, b, c, d, map, keys };
    }

    it('async (RESP3: NIL as _, the metadata a map with an availability zone)', async () => {
      const meta = new Map([
        ['ip', NOWHERE],
        ['hostname', 'localhost'],
        ['availability-zone', 'zone-1'],
      ]);
      const { a, b, c, d, map, keys } = await nodes(meta, new Map([['zone', new Map([['id', 1]])]]));
      const acc = client({ nodes: a.addr, resp: 3 });
      conv.script(
        a.expectConnect(),
        a.expectCommand(['HELLO', '3']),
        a.sendRaw(HELLO3),
        a.expectCommand(SLOTS),
        a.sendRaw(resp3(map)),
      );
      await acc.connect();
      await conv.done();
      const nodeSteps = (n: ScriptedNode, key: string, value: string) => [
        n.expectConnect(),
        n.expectCommand(['HELLO', '3']),
        n.expectCommand(['GET', key]),
        n.sendRaw(HELLO3),
        n.send(value),
      ];
      conv.script(
        inAnyOrder(
          [a.expectCommand(['GET', keys[0]!]), a.send('va')],
          nodeSteps(b, keys[1]!, 'vb'),
          nodeSteps(c, keys[2]!, 'vc'),
          nodeSteps(d, keys[3]!, 'vd'),
        ),
      );
      keys.forEach((key, i) => {
        acc.command(outcomes.callback, i, 'GET %s', key);
      });
      await conv.done();
      await outcomes.wait(4);
      expect(results()).to.deep.equal([
        [0, 'va', 0, ''],
        [1, 'vb', 0, ''],
        [2, 'vc', 0, ''],
        [3, 'vd', 0, ''],
      ]);
      expect(keys.map((key) => acc.nodeForKey(key)!.addr)).to.deep.equal([
        `127.0.0.2:${a.port}`,
        `127.0.0.2:${b.port}`,
        `127.0.0.2:${c.port}`,
        `localhost:${d.port}`,
      ]);
    });

    it('blocking (RESP2: the metadata a flat list with an availability zone)', async () => {
      const meta = ['ip', NOWHERE, 'hostname', 'localhost', 'availability-zone', 'zone-1'];
      const { a, b, c, d, map, keys } = await nodes(meta, ['zone', ['id', 1]]);
      const steps = (n: ScriptedNode, key: string, value: string) => [
        n.expectConnect(),
        n.expectCommand(['GET', key]),
        n.send(value),
      ];
      conv.script(
        ...temporaryUpdate(a, map as RespValue),
        ...steps(a, keys[0]!, 'va'),
        ...steps(b, keys[1]!, 'vb'),
        ...steps(c, keys[2]!, 'vc'),
        ...steps(d, keys[3]!, 'vd'),
        inAnyOrder(a.expectClose(), b.expectClose(), c.expectClose(), d.expectClose()),
      );
      const lines = await blocking(
        { nodes: a.addr },
        keys.map((key) => ['GET', key]),
      );
      expect(lines).to.deep.equal([
        { reply: 'connected' },
        { reply: 'va' },
        { reply: 'vb' },
        { reply: 'vc' },
        { reply: 'vd' },
      ]);
    });
  });

  describe('CLUSTER SHARDS as the slot-map source (useClusterShards)', () => {
    /**
     * Seed a on 127.0.0.2 with endpoint '' and a replica r ('?'); d named 'localhost' with fields a later
     * server adds. Every ip leads nowhere: only the endpoints may be used.
     */
    async function nodes() {
      const a = await conv.node({ name: 'A', host: '127.0.0.2' });
      const r = await conv.node({ name: 'R', host: '127.0.0.2' });
      const d = await conv.node({ name: 'D' });
      const zone = ['availability-zone', 'zone-1'];
      const first = [
        ['slots', [0, 8191], 'nodes', [shardNode(a, 'master', '', zone), shardNode(r, 'replica', '?')]],
        [
          'slots',
          [8192, 16383],
          'nodes',
          [shardNode(d, 'master', 'localhost', ['hostname', 'localhost', ...zone])],
        ],
      ];
      // After d's MOVED: every slot is a's, named by its address this time.
      const second = [['slots', [0, 16383], 'nodes', [shardNode(a, 'master', a.host)]]];
      return { a, r, d, first, second, key: keyIn(0, 8191) };
    }

    it('async (RESP3 maps): routes by the endpoints; updates ask CLUSTER SHARDS too', async () => {
      const { a, r, d, first, second, key } = await nodes();
      const acc = client({ nodes: a.addr, resp: 3, useClusterShards: true, parseReplicas: true });
      conv.script(
        a.expectConnect(),
        a.expectCommand(['HELLO', '3']),
        a.sendRaw(HELLO3),
        a.expectCommand(SHARDS),
        a.sendRaw(resp3(asMaps(first))),
      );
      await acc.connect();
      await conv.done();
      expect([...acc.nodes()].map((n) => [n.addr, n.replicas.map((r) => r.addr)])).to.deep.equal([
        [`127.0.0.2:${a.port}`, [`127.0.0.2:${r.port}`]],
        [`localhost:${d.port}`, []],
      ]);
      conv.script(
        a.expectCommand(['GET', key]),
        a.send('va'),
        d.expectConnect(),
        d.expectCommand(['HELLO', '3']),
        d.expectCommand(['GET', 'foo']),
        d.sendRaw(HELLO3),
        throttleOpens(),
        d.send(error(`MOVED ${FOO} ${a.addr}`)),
        inAnyOrder(
          [d.expectCommand(SHARDS), d.sendRaw(resp3(asMaps(second))), d.expectClose()],
          [a.expectCommand(['GET', 'foo']), a.send('vfoo')],
        ),
      );
      acc.command(outcomes.callback, 1, 'GET %s', key);
      acc.command(outcomes.callback, 2, 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([
        [1, 'va', 0, ''],
        [2, 'vfoo', 0, ''],
      ]);
      expect(acc.version).to.equal(2);
    });

    it('blocking (RESP2 flat lists): routes by the endpoints; the update after MOVED asks CLUSTER SHARDS', async () => {
      const { a, d, first, second, key } = await nodes();
      conv.script(
        ...temporaryUpdate(a, first as RespValue, SHARDS),
        a.expectConnect(),
        a.expectCommand(['GET', key]),
        a.send('va'),
        d.expectConnect(),
        d.expectCommand(['GET', 'foo']),
        d.send(error(`MOVED ${FOO} ${a.addr}`)),
        inAnyOrder(
          [d.expectCommand(SHARDS), d.send(second as RespValue), d.expectClose()],
          [a.expectCommand(['GET', 'foo']), a.send('vfoo')],
        ),
        a.expectClose(),
      );
      const lines = await blocking({ nodes: a.addr, useClusterShards: true }, [
        ['GET', key],
        ['GET', 'foo'],
      ]);
      expect(lines).to.deep.equal([{ reply: 'connected' }, { reply: 'va' }, { reply: 'vfoo' }]);
    });

    /** Replies to CLUSTER SHARDS that give no slot map, and the error each face reports. */
    const refusals: [what: string, reply: (a: ScriptedNode) => RespValue, message: string][] = [
      [
        'a node with neither endpoint nor ip',
        (a) => [['slots', [0, 16383], 'nodes', [['id', 'x', 'port', a.port, 'role', 'master']]]],
        'Command(cluster shards) reply error: node x has no endpoint.',
      ],
      [
        'a Redis 6 server, which has no CLUSTER SHARDS',
        () => error("ERR Unknown subcommand or wrong number of arguments for 'SHARDS'. Try CLUSTER HELP."),
        "ERR Unknown subcommand or wrong number of arguments for 'SHARDS'. Try CLUSTER HELP.",
      ],
    ];
    for (const [what, reply, message] of refusals) {
      it(`${what}: connect fails with '${message}' on both faces`, async () => {
        const a = await conv.node();
        conv.script(...temporaryUpdate(a, reply(a), SHARDS));
        const acc = client({ nodes: a.addr, useClusterShards: true });
        const err = await acc.connect({ temporaryLink: true }).then(
          () => null,
          (e: ClusterError) => e,
        );
        expect([err?.code, err?.message]).to.deep.equal([REDIS_ERR_OTHER, message]);
        conv.script(...temporaryUpdate(a, reply(a), SHARDS));
        expect(await blocking({ nodes: a.addr, useClusterShards: true }, [])).to.deep.equal([
          { failed: [REDIS_ERR_OTHER, message] },
        ]);
      });
    }
  });

  describe("error replies cut short ('-MO', '-ASK', '-MOVED'): the caller gets the error reply", () => {
    /** Raw replies to GET k0..k5 and what the caller gets; then the same link serves GET foo. */
    const cut: [raw: string, text: string][] = [
      ['-MO\r\n', 'MO'],
      ['-ASK\r\n', 'ASK'],
      ['-MOVED\r\n', 'MOVED'],
      ['!5\r\nMOVED\r\n', 'MOVED'],
      ['!3\r\nASK\r\n', 'ASK'],
      ['-\r\n', ''],
    ];

    function answers(a: ScriptedNode): Step[] {
      return [
        ...cut.flatMap(([raw], i) => [a.expectCommand(['GET', `k${i}`]), a.sendRaw(raw)]),
        a.expectCommand(['GET', 'foo']),
        a.send('bar'),
      ];
    }

    it('async: each command gets its error reply once; no redirect, no update; the link goes on', async () => {
      const a = await conv.node();
      const acc = client({ nodes: a.addr });
      await connected(acc, a, [[0, 16383, [a.host, a.port, 'a']]]);
      conv.script(throttleOpens(), ...answers(a));
      cut.forEach((_, i) => {
        acc.command(outcomes.callback, i, 'GET k%d', i);
      });
      acc.command(outcomes.callback, 'foo', 'GET foo');
      await conv.done();
      expect(results()).to.deep.equal([
        ...cut.map(([, text], i) => [i, `ReplyError: ${text}`, 0, '']),
        ['foo', 'bar', 0, ''],
      ]);
      expect(acc.version).to.equal(1);
    });

    it('blocking: each command gets its error reply; no redirect, no update; the link goes on', async () => {
      const a = await conv.node();
      conv.script(
        ...temporaryUpdate(a, [[0, 16383, [a.host, a.port, 'a']]]),
        a.expectConnect(),
        ...answers(a),
        a.expectClose(),
      );
      const lines = await blocking({ nodes: a.addr }, [
        ...cut.map((_, i) => ['GET', `k${i}`]),
        ['GET', 'foo'],
      ]);
      expect(lines).to.deep.equal([
        { reply: 'connected' },
        ...cut.map(([, text]) => ({ error: text })),
        { reply: 'bar' },
      ]);
    });
  });
});
