import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { ClusterError, REDIS_ERR_OTHER, REDIS_ERR_PROTOCOL, ReplyError } from '../../../lib/errors.js';
import {
  buildReply,
  PushReply,
  plainReplies,
  plainRepliesWith,
  REDIS_REPLY_ARRAY,
  REDIS_REPLY_ATTR,
  REDIS_REPLY_BIGNUM,
  REDIS_REPLY_BOOL,
  REDIS_REPLY_DOUBLE,
  REDIS_REPLY_ERROR,
  REDIS_REPLY_INTEGER,
  REDIS_REPLY_MAP,
  REDIS_REPLY_NIL,
  REDIS_REPLY_PUSH,
  REDIS_REPLY_SET,
  REDIS_REPLY_STATUS,
  REDIS_REPLY_STRING,
  REDIS_REPLY_VERB,
  type ReplyBuilder,
  typedReplies,
  typedRepliesWith,
} from '../../../lib/resp/build.js';
import { FRAMES, MALFORMED, view } from './frames.js';

function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

function build(text: string, builder?: ReplyBuilder): unknown {
  const buf = bytes(text);
  return buildReply(buf, 0, buf.length, builder);
}

function buildError(text: string): ClusterError {
  try {
    build(text);
  } catch (error) {
    expect(error).to.be.instanceOf(ClusterError);
    return error as ClusterError;
  }
  expect.fail(`no error for ${JSON.stringify(text)}`);
}

describe('resp/build', () => {
  it('exports the hiredis reply type numbers', () => {
    expect([
      REDIS_REPLY_STRING,
      REDIS_REPLY_ARRAY,
      REDIS_REPLY_INTEGER,
      REDIS_REPLY_NIL,
      REDIS_REPLY_STATUS,
      REDIS_REPLY_ERROR,
      REDIS_REPLY_DOUBLE,
      REDIS_REPLY_BOOL,
      REDIS_REPLY_MAP,
      REDIS_REPLY_SET,
      REDIS_REPLY_ATTR,
      REDIS_REPLY_PUSH,
      REDIS_REPLY_BIGNUM,
      REDIS_REPLY_VERB,
    ]).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  describe('plainReplies (the default)', () => {
    for (const { name, wire, plain } of FRAMES) {
      it(`${name}: ${JSON.stringify(wire.toString('utf8')).slice(0, 60)}`, () => {
        expect(view(buildReply(wire, 0, wire.length))).to.deep.equal(plain);
        expect(view(buildReply(wire, 0, wire.length, plainReplies))).to.deep.equal(plain);
      });
    }

    it('returns error replies as ReplyError values, never throws them', () => {
      const value = build('-WRONGTYPE Operation against a key\r\n');
      expect(value).to.be.instanceOf(ReplyError);
      expect((value as ReplyError).message).to.equal('WRONGTYPE Operation against a key');
      expect((value as ReplyError).prefix).to.equal('WRONGTYPE');
      const blob = build('!8\r\nERR a\r\nb\r\n');
      expect(blob).to.be.instanceOf(ReplyError);
      expect((blob as ReplyError).message).to.equal('ERR a\r\nb');
    });

    it('marks push frames with PushReply, an Array subclass', () => {
      const value = build('>2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nfoo\r\n');
      expect(value).to.be.instanceOf(PushReply);
      expect(value).to.be.instanceOf(Array);
      expect([...(value as PushReply)]).to.deep.equal(['invalidate', ['foo']]);
      expect(build('*1\r\n:1\r\n')).to.not.be.instanceOf(PushReply);
    });

    it('gives integers as numbers within ±(2^53 - 1), bigints beyond', () => {
      expect(build(':9007199254740991\r\n')).to.equal(9007199254740991);
      expect(build(':-9007199254740992\r\n')).to.equal(-9007199254740992n);
      expect(build(':123456789012345678901234567890\r\n')).to.equal(123456789012345678901234567890n);
      expect(Object.is(build(':-0\r\n'), 0)).to.equal(true);
    });

    it('decodes bulk strings as UTF-8 (invalid bytes become U+FFFD)', () => {
      const buf = Buffer.from([0x24, 0x32, 0x0d, 0x0a, 0xc3, 0x28, 0x0d, 0x0a]);
      expect(buildReply(buf, 0, buf.length)).to.equal('\ufffd(');
    });

    it('accepts a plain Uint8Array and a SharedArrayBuffer view', () => {
      const text = '*2\r\n$3\r\nabc\r\n+OK\r\n';
      const plain = new Uint8Array(bytes(text));
      expect(buildReply(plain, 0, plain.length)).to.deep.equal(['abc', 'OK']);
      const shared = new Uint8Array(new SharedArrayBuffer(64), 8, 40);
      shared.set(bytes(text), 5);
      expect(buildReply(shared, 5, 5 + text.length)).to.deep.equal(['abc', 'OK']);
    });

    it('builds a frame that starts inside a larger buffer', () => {
      const buf = bytes('junk:5\r\nmore');
      expect(buildReply(buf, 4, 8)).to.equal(5);
    });

    it('builds 100000 nested arrays without exhausting the JS stack', () => {
      let value = build(`${'*1\r\n'.repeat(100000)}:7\r\n`);
      let depth = 0;
      while (Array.isArray(value)) {
        value = value[0];
        depth++;
      }
      expect(depth).to.equal(100000);
      expect(value).to.equal(7);
    });
  });

  describe('plainRepliesWith({ returnBuffers: true })', () => {
    const builder = plainRepliesWith({ returnBuffers: true });

    it('gives bulk and verbatim strings as Buffers, other text as strings', () => {
      const value = build(
        '*5\r\n$3\r\nabc\r\n=8\r\ntxt:hey!\r\n+OK\r\n-ERR x\r\n$-1\r\n',
        builder,
      ) as unknown[];
      expect(view(value)).to.deep.equal([
        { buffer: '616263' },
        { buffer: '68657921' },
        'OK',
        { error: 'ERR x' },
        null,
      ]);
    });

    it('copies: the value survives the input being overwritten (e.g. a reused SharedArrayBuffer area)', () => {
      const area = new Uint8Array(new SharedArrayBuffer(32));
      const wire = bytes('$5\r\nhello\r\n');
      area.set(wire);
      const value = buildReply(area, 0, wire.length, builder) as Buffer;
      area.fill(0x41);
      expect(value.toString()).to.equal('hello');
      expect(value.buffer).to.not.equal(area.buffer);
    });

    it('gives binary bytes unchanged', () => {
      const buf = Buffer.from([0x24, 0x33, 0x0d, 0x0a, 0x00, 0xff, 0x80, 0x0d, 0x0a]);
      expect(view(buildReply(buf, 0, buf.length, builder))).to.deep.equal({ buffer: '00ff80' });
    });

    it('without returnBuffers is the default builder', () => {
      expect(plainRepliesWith({})).to.equal(plainReplies);
    });
  });

  describe('typedReplies (hiredis-style)', () => {
    for (const { name, wire, typed } of FRAMES) {
      if (typed === undefined) continue;
      it(`${name}`, () => {
        expect(buildReply(wire, 0, wire.length, typedReplies)).to.deep.equal(typed);
      });
    }

    it('len is the byte length, str the decoded text', () => {
      expect(build('$6\r\nhéllo\r\n', typedReplies)).to.deep.equal({ type: 1, str: 'héllo', len: 6 });
    });

    it('nil array and nil bulk are REDIS_REPLY_NIL', () => {
      expect(build('*-1\r\n', typedReplies)).to.deep.equal({ type: REDIS_REPLY_NIL });
      expect(build('$-1\r\n', typedReplies)).to.deep.equal({ type: REDIS_REPLY_NIL });
    });

    it('with returnBuffers gives STRING and VERB str as Buffer copies', () => {
      const builder = typedRepliesWith({ returnBuffers: true });
      const value = build('*2\r\n$2\r\nab\r\n=6\r\ntxt:cd\r\n', builder);
      expect(value).to.deep.equal({
        type: 2,
        elements: 2,
        element: [
          { type: 1, str: Buffer.from('ab'), len: 2 },
          { type: 14, str: Buffer.from('cd'), len: 2, vtype: 'txt' },
        ],
      });
      expect(typedRepliesWith({})).to.equal(typedReplies);
    });
  });

  describe('custom builders', () => {
    it('exposes attributes through builder.attribute', () => {
      const builder: ReplyBuilder = {
        ...plainReplies,
        attribute: (attribute, value) => ({ attribute, value }),
      };
      const value = build(
        '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n',
        builder,
      ) as { attribute: unknown; value: unknown };
      expect(view(value.attribute)).to.deep.equal({
        map: [
          [
            'key-popularity',
            {
              map: [
                ['a', 0.1923],
                ['b', 0.0012],
              ],
            },
          ],
        ],
      });
      expect(value.value).to.deep.equal([2039123, 9543892]);
      const nested = build('*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nx\r\n', builder) as unknown[];
      expect(nested[0]).to.equal(1);
      expect(view((nested[1] as { attribute: unknown }).attribute)).to.deep.equal({ map: [['ttl', 3600]] });
      expect((nested[1] as { value: unknown }).value).to.equal('x');
    });

    it('receives aggregate(type, length) with 2 × pairs for maps and -1 when streamed', () => {
      const calls: string[] = [];
      const builder: ReplyBuilder<unknown, unknown[]> = {
        ...(plainReplies as ReplyBuilder<unknown, unknown[]>),
        aggregate(type, length) {
          calls.push(`aggregate ${type} ${length}`);
          return [];
        },
        element(container, index, value) {
          calls.push(`element ${index} ${String(value)}`);
          container.push(value);
        },
        entry(container, key, value) {
          calls.push(`entry ${String(key)} ${String(value)}`);
          container.push([key, value]);
        },
        end(container, type) {
          calls.push(`end ${type}`);
          return container;
        },
      };
      const value = build('*2\r\n%1\r\n+k\r\n:1\r\n~?\r\n#t\r\n.\r\n', builder);
      expect(value).to.deep.equal([[['k', 1]], [true]]);
      expect(calls).to.deep.equal([
        'aggregate 2 2',
        'aggregate 9 2',
        'entry k 1',
        'end 9',
        'element 0 k,1',
        'aggregate 10 -1',
        'element 0 true',
        'end 10',
        'element 1 true',
        'end 2',
      ]);
    });

    it('never builds skipped attributes', () => {
      const seen: string[] = [];
      const builder: ReplyBuilder = {
        ...plainReplies,
        status(buf, start, end) {
          const text = buf.toString('latin1', start, end);
          seen.push(text);
          return text;
        },
      };
      expect(build('|1\r\n+a\r\n*1\r\n+b\r\n+c\r\n', builder)).to.equal('c');
      expect(seen).to.deep.equal(['c']);
    });

    it('a builder may itself call buildReply', () => {
      const inner = bytes(':42\r\n');
      const builder: ReplyBuilder = {
        ...plainReplies,
        string: (buf, start, end) => [buf.toString('utf8', start, end), buildReply(inner, 0, inner.length)],
      };
      expect(build('*2\r\n$1\r\na\r\n$1\r\nb\r\n', builder)).to.deep.equal([
        ['a', 42],
        ['b', 42],
      ]);
    });

    it('an exception from a builder leaves the next build intact', () => {
      const builder: ReplyBuilder = {
        ...plainReplies,
        integer() {
          throw new Error('boom');
        },
      };
      expect(() => build('*2\r\n|1\r\n+a\r\n+b\r\n*1\r\n:1\r\n', builder)).to.throw('boom');
      expect(build('*1\r\n+OK\r\n')).to.deep.equal(['OK']);
    });
  });

  describe('malformed frames', () => {
    for (const [wire, message] of MALFORMED) {
      it(`${JSON.stringify(wire)} -> ${message}`, () => {
        const error = buildError(wire);
        expect(error.code).to.equal(REDIS_ERR_PROTOCOL);
        expect(error.message).to.equal(message);
      });
    }

    const builderOnly: [string, string][] = [
      ['*2\r\n:1\r\n:2', 'Protocol error: incomplete frame at offset 10'],
      ['$5\r\nhel', 'Protocol error: incomplete frame at offset 7'],
      ['+OK', 'Protocol error: incomplete frame at offset 3'],
      ['+OK\r', 'Protocol error: incomplete frame at offset 4'],
      ['|1\r\n+a\r\n+b\r\n', 'Protocol error: incomplete frame at offset 12'],
      ['$?\r\n;2\r\nab\r\n', 'Protocol error: incomplete frame at offset 12'],
      ['*?\r\n:1\r\n.', 'Protocol error: incomplete frame at offset 9'],
      ['+OK\r\n+OK\r\n', 'Protocol error: unexpected bytes after the reply at offset 5'],
      ['*1\r\n:1\r\n:2\r\n', 'Protocol error: unexpected bytes after the reply at offset 8'],
      ['*1000\r\n:1\r\n', 'Protocol error: aggregate of 1000 elements at offset 0 does not fit in the frame'],
      ['%2\r\n:1\r\n:2\r\n', 'Protocol error: aggregate of 4 elements at offset 0 does not fit in the frame'],
      // The scanner's bound too (MAX_LENGTH_DIGITS): what one passes, the other builds.
      [`$${'1'.repeat(21)}\r\n`, 'Protocol error: invalid length at offset 1'],
      [`$${'1'.repeat(20)}\r\n`, 'Protocol error: incomplete frame at offset 23'],
    ];
    for (const [wire, message] of builderOnly) {
      it(`${JSON.stringify(wire)} -> ${message}`, () => {
        const error = buildError(wire);
        expect(error.code).to.equal(REDIS_ERR_PROTOCOL);
        expect(error.message).to.equal(message);
      });
    }

    it('rejects an empty or out-of-bounds range with a clear error', () => {
      const buf = bytes('+OK\r\n');
      for (const [start, end] of [
        [0, 0],
        [0, 6],
        [-1, 5],
      ] as const) {
        try {
          buildReply(buf, start, end);
          expect.fail('no error');
        } catch (error) {
          expect((error as ClusterError).code).to.equal(REDIS_ERR_OTHER);
          expect((error as Error).message).to.equal(`Invalid reply range ${start}..${end} of 5 bytes`);
        }
      }
    });
  });
});
