import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { ClusterError, REDIS_ERR_OTHER } from '../../../lib/errors.js';
import { formatArgv } from '../../../lib/resp/encode.js';

function texts(argv: (string | Uint8Array)[]): unknown[] {
  return argv.map((a) => (typeof a === 'string' ? a : { bytes: Buffer.from(a).toString('hex') }));
}

describe('resp/format-command formatArgv (hiredis redisFormatCommand)', () => {
  const binary = Buffer.from([0x00, 0xff, 0x20, 0x0d]);
  const table: [string, unknown[], unknown[]][] = [
    ['SET key value', [], ['SET', 'key', 'value']],
    ['  SET   key  value  ', [], ['SET', 'key', 'value']],
    ['', [], []],
    ['    ', [], []],
    ['PING', [], ['PING']],
    ['SET key:%s %s', ['a b', 'c d'], ['SET', 'key:a b', 'c d']],
    ['SET %s %s', ['k', ''], ['SET', 'k', '']],
    ['%s', [''], ['']],
    ['  %s  ', [''], ['']],
    ['SET %s%s %s', ['', '', 'v'], ['SET', '', 'v']],
    ['SET %s %s', ['k', 'line\r\nbreak'], ['SET', 'k', 'line\r\nbreak']],
    ['SET %s v', [' spaced '], ['SET', ' spaced ', 'v']],
    ['100%% sure', [], ['100%', 'sure']],
    ['%%', [], ['%']],
    ['a%%b%%', [], ['a%b%']],
    ['GET a%', [], ['GET', 'a%']],
    ['%', [], ['%']],
    ['INCRBY counter %d', [5], ['INCRBY', 'counter', '5']],
    ['SET k %d%s', [1, 'x'], ['SET', 'k', '1x']],
    ['SET k%d:%d v', [1, 2], ['SET', 'k1:2', 'v']],
    ['ZADD z %f %s', [1.5, 'm'], ['ZADD', 'z', '1.500000', 'm']],
    ['SET v %5d', [42], ['SET', 'v', '   42']],
    ['SET clé %s', ['héllo 😀'], ['SET', 'clé', 'héllo 😀']],
    ['SET %s %b', ['k', binary], ['SET', 'k', { bytes: '00ff200d' }]],
    ['SET %b %b', ['text', ''], ['SET', 'text', '']],
    [
      'SET key:%b v',
      [binary],
      ['SET', { bytes: Buffer.concat([Buffer.from('key:'), binary]).toString('hex') }, 'v'],
    ],
    ['SET %s v', [binary], ['SET', { bytes: '00ff200d' }, 'v']],
    ['SET %s:%b:é', [binary, 'x'], ['SET', { bytes: `00ff200d3a783a${Buffer.from('é').toString('hex')}` }]],
    ['SET %b', [new Uint8Array([1, 2])], ['SET', { bytes: '0102' }]],
  ];
  for (const [format, args, expected] of table) {
    it(`${JSON.stringify(format)} with ${JSON.stringify(args)}`, () => {
      expect(texts(formatArgv(format, args))).to.deep.equal(expected);
    });
  }

  it('passes a %b or %s Uint8Array through without copying', () => {
    const argv = formatArgv('SET %s %b', ['k', binary]);
    expect(argv[2]).to.equal(binary);
  });

  it('gives the same format different results for different arguments (compiled once)', () => {
    expect(formatArgv('GET key:%s', ['a'])).to.deep.equal(['GET', 'key:a']);
    expect(formatArgv('GET key:%s', ['b'])).to.deep.equal(['GET', 'key:b']);
  });

  describe('errors', () => {
    const errors: [unknown, unknown[], string][] = [
      ['GET %k', [], "Invalid format string: unsupported conversion '%k'"],
      // Found by the fuzzer: a flag at the very end used to loop forever.
      ['GET a%-', [], "Invalid format string: incomplete conversion '%-' at the end"],
      ['GET a%#0+ ', [], "Invalid format string: incomplete conversion '%#0+ ' at the end"],
      // One value per conversion, exactly: C reads garbage for a missing one and ignores an extra one.
      [
        'GET %s',
        [],
        'Invalid format string: wrong number of arguments, expected 1 (one per conversion), got 0',
      ],
      [
        'SET %s %b',
        ['k'],
        'Invalid format string: wrong number of arguments, expected 2 (one per conversion), got 1',
      ],
      [
        'GET %s',
        ['a', 'b'],
        'Invalid format string: wrong number of arguments, expected 1 (one per conversion), got 2',
      ],
      [
        'PING',
        ['extra'],
        'Invalid format string: wrong number of arguments, expected 0 (one per conversion), got 1',
      ],
      // '%%' takes no value; a '%' that ends the format is a literal.
      [
        'SET a%% %s%',
        ['v', 'w'],
        'Invalid format string: wrong number of arguments, expected 1 (one per conversion), got 2',
      ],
      // The format's own errors come before the count.
      ['GET %k', ['a'], "Invalid format string: unsupported conversion '%k'"],
      [
        'GET %s',
        [undefined],
        "Invalid format string: '%s' expects a string or a Uint8Array, got undefined (argument 1)",
      ],
      [
        'SET %s',
        [5],
        "Invalid format string: '%s' expects a string or a Uint8Array, got number (argument 1)",
      ],
      [
        'SET %b',
        [null],
        "Invalid format string: '%b' expects a string or a Uint8Array, got null (argument 1)",
      ],
      [
        'SET %b',
        [{}],
        "Invalid format string: '%b' expects a string or a Uint8Array, got object (argument 1)",
      ],
      [42, [], 'Invalid format string: expected a string, got number'],
    ];
    for (const [format, args, message] of errors) {
      it(`${JSON.stringify(format)} -> ${message}`, () => {
        try {
          formatArgv(format as string, args);
          expect.fail('no error');
        } catch (error) {
          expect(error).to.be.instanceOf(ClusterError);
          expect((error as ClusterError).code).to.equal(REDIS_ERR_OTHER);
          expect((error as Error).message).to.equal(message);
        }
      });
    }
  });
});
