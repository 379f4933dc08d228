/**
 * Typed command methods on the plain cluster: a sample of every command group (string, hash, list, set,
 * sorted set, stream, geo, hyperloglog, bitmap, generic, scripting) on both faces under RESP2 and RESP3.
 * Each case gives the same JavaScript value in all four runs; the binary-safe methods give Buffers.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { ClusterError, ReplyError } from '../../lib/errors.js';
import type { CommandMethods } from '../../lib/face/methods.generated.js';
import { PLAIN } from '../support/clusters.js';

type Methods = CommandMethods<'async', string>;

/** Keys of this run, in one slot (`{tag}`) so multi-key commands need no split, removed after each case. */
const TAG = `{typed:${process.pid}}`;
const k = (name: string) => `${TAG}:${name}`;

/** Each case: what it does with the methods (awaited: a blocking face's plain values await as themselves). */
const CASES: Record<string, { run: (c: Methods) => Promise<unknown>; expected: unknown }> = {
  'string: set/get/incr/incrbyfloat/mget/getex/strlen': {
    run: async (c) => [
      await c.set(k('s'), 'hello', { expiration: { ex: 100 } }),
      await c.set(k('s'), 'x', { condition: 'NX' }),
      await c.set(k('s'), 'world', { get: true }),
      await c.get(k('s')),
      await c.get(k('missing')),
      await c.incr(k('n')),
      await c.incrby(k('n'), 41),
      await c.incrbyfloat(k('f'), 1.5),
      await c.mget(k('s'), k('missing'), k('n')),
      await c.getex(k('s'), { expiration: 'PERSIST' }),
      await c.strlen(k('s')),
      await c.append(k('s'), '!'),
      await c.getrange(k('s'), 0, 2),
    ],
    expected: ['OK', null, 'hello', 'world', null, 1, 42, 1.5, ['world', null, '42'], 'world', 5, 6, 'wor'],
  },
  'hash: hset/hgetall/hget/hmget/hincrbyfloat/hrandfield': {
    run: async (c) => [
      await c.hset(k('h'), { a: '1', b: 2 }),
      await c.hset(k('h'), [['c', 'three']]),
      await c.hgetall(k('h')),
      await c.hgetall(k('missing')),
      await c.hget(k('h'), 'c'),
      await c.hmget(k('h'), 'a', 'nope'),
      await c.hincrbyfloat(k('h'), 'a', 0.5),
      (await c.hkeys(k('h'))).sort(),
      await c.hlen(k('h')),
      (await c.hrandfield(k('h'), { count: 3, withvalues: true })).sort(),
      await c.hrandfield(k('missing')),
    ],
    expected: [
      2,
      1,
      { a: '1', b: '2', c: 'three' },
      {},
      'three',
      ['1', null],
      1.5,
      ['a', 'b', 'c'],
      3,
      [
        ['a', '1.5'],
        ['b', '2'],
        ['c', 'three'],
      ],
      null,
    ],
  },
  'list: rpush/lrange/lpop/lpos/linsert/lmpop': {
    run: async (c) => [
      await c.rpush(k('l'), 'a', 'b', 'c', 'b'),
      await c.lrange(k('l'), 0, -1),
      await c.lpop(k('l')),
      await c.lpop(k('l'), 2),
      await c.lpos(k('l'), 'b'),
      await c.linsert(k('l'), 'BEFORE', 'b', 'z'),
      await c.lmpop([k('l'), k('other')], 'RIGHT', { count: 5 }),
      await c.lpop(k('l')),
    ],
    expected: [4, ['a', 'b', 'c', 'b'], 'a', ['b', 'c'], 0, 2, [k('l'), ['b', 'z']], null],
  },
  'set: sadd/smembers/sismember/sinter/spop': {
    run: async (c) => [
      await c.sadd(k('s1'), 'a', 'b', 'c'),
      await c.sadd(k('s2'), 'b', 'c', 'd'),
      (await c.smembers(k('s1'))).sort(),
      await c.sismember(k('s1'), 'a'),
      await c.smismember(k('s1'), 'a', 'z'),
      (await c.sinter(k('s1'), k('s2'))).sort(),
      await c.sintercard([k('s1'), k('s2')]),
      (await c.spop(k('s2'), 3)).sort(),
      await c.spop(k('s2')),
    ],
    expected: [3, 3, ['a', 'b', 'c'], 1, [1, 0], ['b', 'c'], 2, ['b', 'c', 'd'], null],
  },
  'sorted set: zadd/zrange withscores/zscore/zincrby/zpopmin/zmpop/zrandmember': {
    run: async (c) => [
      await c.zadd(k('z'), [
        [1, 'a'],
        [2.5, 'b'],
        ['+inf', 'c'],
      ]),
      await c.zadd(k('z'), [[3, 'a']], { incr: true, condition: 'XX' }),
      await c.zrange(k('z'), 0, -1),
      await c.zrange(k('z'), 0, -1, { withscores: true }),
      await c.zrange(k('z'), '(2', 'inf', { sortby: 'BYSCORE', limit: { offset: 0, count: 1 } }),
      await c.zscore(k('z'), 'b'),
      await c.zscore(k('z'), 'nope'),
      await c.zmscore(k('z'), 'a', 'nope'),
      await c.zincrby(k('z'), 1, 'b'),
      await c.zrangebyscore(k('z'), '-inf', 4, { withscores: true }),
      await c.zpopmin(k('z')),
      await c.zmpop([k('z')], 'MAX'),
      await c.zrandmember(k('z'), { count: 1, withscores: true }),
      await c.zcard(k('z')),
    ],
    expected: [
      3,
      4,
      ['b', 'a', 'c'],
      [
        ['b', 2.5],
        ['a', 4],
        ['c', Number.POSITIVE_INFINITY],
      ],
      ['b'],
      2.5,
      null,
      [4, null],
      3.5,
      [
        ['b', 3.5],
        ['a', 4],
      ],
      [['b', 3.5]],
      [k('z'), [['c', Number.POSITIVE_INFINITY]]],
      [['a', 4]],
      1,
    ],
  },
  'stream: xadd/xrange/xread/xgroup/xreadgroup/xack/xinfo': {
    run: async (c) => [
      await c.xadd(k('x'), '1-1', { f: 'v', g: 'w' }),
      await c.xadd(k('x'), '2-1', [['f', 'v2']], { trim: { strategy: 'MAXLEN', threshold: 10 } }),
      await c.xrange(k('x'), '-', '+'),
      await c.xread({ key: [k('x')], id: ['1-1'] }, { count: 5 }),
      await c.xread({ key: [k('empty')], id: ['0'] }),
      await c.xgroupCreate(k('x'), 'grp', '0'),
      await c.xreadgroup({ group: 'grp', consumer: 'me' }, { key: [k('x')], id: ['>'] }, { count: 1 }),
      await c.xack(k('x'), 'grp', '1-1'),
      await c.xlen(k('x')),
      (await c.xinfoStream(k('x'))).length,
      (await c.xinfoGroups(k('x'))).map((g) => [g.name, g.consumers]),
    ],
    expected: [
      '1-1',
      '2-1',
      [
        ['1-1', { f: 'v', g: 'w' }],
        ['2-1', { f: 'v2' }],
      ],
      { [k('x')]: [['2-1', { f: 'v2' }]] },
      null,
      'OK',
      { [k('x')]: [['1-1', { f: 'v', g: 'w' }]] },
      1,
      2,
      2,
      [['grp', 1]],
    ],
  },
  'geo: geoadd/geodist/geopos/geosearch': {
    run: async (c) => {
      const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);
      return [
        await c.geoadd(k('g'), [
          [13.361389, 38.115556, 'Palermo'],
          [15.087269, 37.502669, 'Catania'],
        ]),
        round(await c.geodist(k('g'), 'Palermo', 'Catania', { unit: 'KM' })),
        (await c.geopos(k('g'), 'Palermo', 'nowhere')).map((p) => (p === null ? null : p.map(Math.round))),
        await c.geosearch(
          k('g'),
          { fromlonlat: { longitude: 15, latitude: 37 } },
          { circle: { byradius: 200, unit: 'KM' } },
          { order: 'ASC' },
        ),
      ];
    },
    expected: [2, 166.27, [[13, 38], null], ['Catania', 'Palermo']],
  },
  'hyperloglog: pfadd/pfcount/pfmerge': {
    run: async (c) => [
      await c.pfadd(k('p1'), 'a', 'b', 'c'),
      await c.pfadd(k('p2'), 'c', 'd'),
      await c.pfmerge(k('p3'), k('p1'), k('p2')),
      await c.pfcount(k('p3')),
    ],
    expected: [1, 1, 'OK', 4],
  },
  'bitmap: setbit/getbit/bitcount/bitpos/bitfield': {
    run: async (c) => [
      await c.setbit(k('b'), 7, 1),
      await c.getbit(k('b'), 7),
      await c.bitcount(k('b')),
      await c.bitcount(k('b'), { start: 0, end: 7, indexUnit: 'BIT' }),
      await c.bitpos(k('b'), 1),
      await c.bitfield(k('b'), {
        operation: [
          { get: { encoding: 'u8', offset: 0 } },
          { write: { writeOperation: { incrby: { encoding: 'u8', offset: 0, increment: 1 } } } },
        ],
      }),
    ],
    expected: [0, 1, 1, 1, 7, [1, 2]],
  },
  'generic: exists/expire/ttl/type/rename/copy/del/object': {
    run: async (c) => [
      await c.set(k('g1'), 'v'),
      await c.exists(k('g1'), k('nope')),
      await c.expire(k('g1'), 100, { condition: 'NX' }),
      (await c.ttl(k('g1'))) > 90,
      await c.type(k('g1')),
      await c.objectEncoding(k('g1')),
      await c.copy(k('g1'), k('g2')),
      await c.rename(k('g2'), k('g3')),
      await c.persist(k('g3')),
      await c.del(k('g1'), k('g3'), k('nope')),
    ],
    expected: ['OK', 1, 1, true, 'string', 'embstr', 1, 'OK', 1, 2],
  },
  'scripting: eval/eval_ro with keys and args': {
    run: async (c) => [
      await c.eval("redis.call('SET', KEYS[1], ARGV[1]); return {KEYS[1], ARGV[1], 7}", [k('e')], 'v'),
      await c.evalRo("return redis.call('GET', KEYS[1])", [k('e')]),
      await c.evalRo('return #ARGV', [k('e')], 'a', 'b'),
    ],
    expected: [[k('e'), 'v', 7], 'v', 2],
  },
};

/** Every key a case may leave behind. */
const KEYS = [
  ...['s', 'n', 'f', 'h', 'l', 'other', 's1', 's2', 'z', 'x', 'empty', 'g', 'p1', 'p2', 'p3', 'b'],
  ...['g1', 'g2', 'g3', 'e'],
].map(k);

describe('integration: typed command methods (plain cluster)', function () {
  this.timeout(20_000);

  for (const resp of [2, 3] as const) {
    describe(`RESP${resp}`, () => {
      let cc: BlockingClusterContext;
      let acc: AsyncClusterContext;
      before(async () => {
        cc = new BlockingClusterContext({ nodes: PLAIN[0]!, resp });
        cc.connect();
        acc = new AsyncClusterContext({ nodes: PLAIN[0]!, resp });
        await acc.connect();
      });
      after(() => {
        cc.del(...KEYS);
        cc.close();
        acc.free();
      });
      beforeEach(() => {
        cc.del(...KEYS);
      });

      for (const [name, { run, expected }] of Object.entries(CASES)) {
        it(`${name}: the same value on both faces`, async () => {
          expect(await run(cc as unknown as Methods), 'blocking face').to.deep.equal(expected);
          cc.del(...KEYS);
          expect(await run(acc), 'async face').to.deep.equal(expected);
        });
      }

      it('binary-safe methods: Buffers in, Buffers out, on both faces', async () => {
        const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80]);
        expect(cc.buffers.set(k('s'), bytes)).to.equal('OK');
        expect(cc.buffers.get(k('s'))).to.deep.equal(bytes);
        expect(cc.get(k('s'))).to.be.a('string');
        expect(await acc.buffers.get(k('s'))).to.deep.equal(bytes);
        await acc.hset(k('h'), { f: bytes });
        expect(await acc.buffers.hgetall(k('h'))).to.deep.equal({ f: bytes });
        expect(cc.buffers.hgetall(k('h'))).to.deep.equal({ f: bytes });
        expect(cc.buffers.mget(k('s'), k('missing'))).to.deep.equal([bytes, null]);
        await acc.rpush(k('l'), bytes);
        expect(await acc.buffers.lrange(k('l'), 0, -1)).to.deep.equal([bytes]);
      });

      it('typed methods ignore the context reply builder options (returnBuffers)', async () => {
        const raw = new BlockingClusterContext({ nodes: PLAIN[0]!, resp, returnBuffers: true });
        try {
          raw.connect();
          raw.set(k('s'), 'text');
          expect(raw.get(k('s'))).to.equal('text');
          expect(raw.send('GET', k('s'))).to.deep.equal(Buffer.from('text'));
        } finally {
          raw.close();
        }
      });

      it('an error reply: thrown by the blocking face, rejected by the async face', async () => {
        cc.set(k('s'), 'text');
        expect(() => cc.hgetall(k('s'))).to.throw(ReplyError, /WRONGTYPE/);
        let rejected: unknown = null;
        await acc.lpush(k('s'), 'x').catch((err: unknown) => {
          rejected = err;
        });
        expect(rejected).to.be.instanceOf(ReplyError);
      });

      it('a bad argument from JavaScript: refused before sending, naming the method and parameter', async () => {
        const call = cc as unknown as { set: (...args: unknown[]) => unknown };
        expect(() => call.set(k('s'))).to.throw(ClusterError, /Invalid argument 'value' of set\(\)/);
        expect(() => call.set(k('s'), 'v', { condition: 'YES' })).to.throw(
          ClusterError,
          /'condition' of set\(\)/,
        );
        const asyncCall = acc as unknown as { zadd: (...args: unknown[]) => Promise<unknown> };
        let rejected: unknown = null;
        await asyncCall.zadd(k('z'), 'not-pairs').catch((err: unknown) => {
          rejected = err;
        });
        expect(String(rejected)).to.match(/Invalid argument 'scoreMember' of zadd\(\)/);
      });

      it('cross-slot multi-key methods split and merge as send does', async () => {
        const keys = ['typed:{a}', 'typed:{b}', 'typed:{c}'];
        expect(cc.mset(Object.fromEntries(keys.map((key) => [key, key])))).to.equal('OK');
        expect(await acc.mget(...keys)).to.deep.equal(keys);
        expect(cc.buffers.mget(...keys)).to.deep.equal(keys.map((key) => Buffer.from(key)));
        expect(await acc.del(...keys)).to.equal(3);
      });
    });
  }
});
