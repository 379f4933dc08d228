/**
 * RESP frames with their expected plain and typed values, shared by the scanner, builder and decoder specs.
 */
import { Buffer } from 'node:buffer';
import type { TypedReply } from '../../../lib/resp/reply-types.js';

/** The fuzzer's reference model compares plain replies the same way. */
export { view } from '../../../scripts/fuzz/resp-model.js';

export interface FrameCase {
  name: string;
  wire: Buffer;
  /** view() of the plainReplies value. */
  plain: unknown;
  /** typedReplies value, where the case checks it. */
  typed?: TypedReply;
}

function frame(name: string, wire: string, plain: unknown, typed?: TypedReply): FrameCase {
  return { name, wire: Buffer.from(wire, 'utf8'), plain, ...(typed ? { typed } : {}) };
}

export const FRAMES: FrameCase[] = [
  // RESP2
  frame('status', '+OK\r\n', 'OK', { type: 5, str: 'OK', len: 2 }),
  frame('empty status', '+\r\n', '', { type: 5, str: '', len: 0 }),
  frame('status with spaces', '+hello world\r\n', 'hello world'),
  frame(
    'error',
    '-ERR unknown command\r\n',
    { error: 'ERR unknown command' },
    {
      type: 6,
      str: 'ERR unknown command',
      len: 19,
    },
  ),
  frame('MOVED error', '-MOVED 3999 127.0.0.1:6381\r\n', { error: 'MOVED 3999 127.0.0.1:6381' }),
  frame('integer 0', ':0\r\n', 0, { type: 3, integer: 0 }),
  frame('negative integer', ':-42\r\n', -42, { type: 3, integer: -42 }),
  frame('integer with plus sign', ':+7\r\n', 7),
  frame('integer minus zero', ':-0\r\n', 0),
  frame('largest safe integer', ':9007199254740991\r\n', 9007199254740991),
  frame('smallest safe integer', ':-9007199254740991\r\n', -9007199254740991),
  frame('integer beyond 2^53', ':9007199254740992\r\n', 9007199254740992n, {
    type: 3,
    integer: 9007199254740992n,
  }),
  frame('int64 minimum', ':-9223372036854775808\r\n', -9223372036854775808n),
  frame('long integer with leading zeros', ':00000000000000000012\r\n', 12),
  // Found by the fuzzer: the builder used to refuse a length the scanner accepted.
  frame('bulk length of 20 digits (leading zeros)', '$00000000000000000005\r\nhello\r\n', 'hello'),
  frame('bulk', '$5\r\nhello\r\n', 'hello', { type: 1, str: 'hello', len: 5 }),
  frame('empty bulk', '$0\r\n\r\n', '', { type: 1, str: '', len: 0 }),
  frame('bulk with CRLF inside', '$4\r\na\r\nb\r\n', 'a\r\nb'),
  frame('non-ASCII bulk', '$6\r\nhéllo\r\n', 'héllo', { type: 1, str: 'héllo', len: 6 }),
  frame('emoji bulk', '$4\r\n😀\r\n', '😀'),
  frame('long bulk', `$1500\r\n${'x'.repeat(1500)}\r\n`, 'x'.repeat(1500)),
  frame('nil bulk', '$-1\r\n', null, { type: 4 }),
  frame('empty array', '*0\r\n', [], { type: 2, elements: 0, element: [] }),
  frame('nil array', '*-1\r\n', null, { type: 4 }),
  frame('mixed array', '*3\r\n:1\r\n$1\r\na\r\n*-1\r\n', [1, 'a', null], {
    type: 2,
    elements: 3,
    element: [{ type: 3, integer: 1 }, { type: 1, str: 'a', len: 1 }, { type: 4 }],
  }),
  frame('nested arrays', '*2\r\n*2\r\n:1\r\n:2\r\n*1\r\n*0\r\n', [[1, 2], [[]]]),
  frame('array with an error', '*2\r\n+OK\r\n-WRONGTYPE no\r\n', ['OK', { error: 'WRONGTYPE no' }]),
  // RESP3 scalars
  frame('null', '_\r\n', null, { type: 4 }),
  frame('double', ',3.14\r\n', 3.14, { type: 7, dval: 3.14, str: '3.14', len: 4 }),
  frame('integral double', ',10\r\n', 10),
  frame('double with exponent', ',-1.5E-3\r\n', -0.0015),
  frame('double 1e+300', ',1e+300\r\n', 1e300),
  frame('double inf', ',inf\r\n', Number.POSITIVE_INFINITY, {
    type: 7,
    dval: Number.POSITIVE_INFINITY,
    str: 'inf',
    len: 3,
  }),
  frame('double -inf', ',-inf\r\n', Number.NEGATIVE_INFINITY),
  frame('double nan', ',nan\r\n', Number.NaN),
  frame('double -nan (Redis before 7.2)', ',-nan\r\n', Number.NaN),
  frame('true', '#t\r\n', true, { type: 8, integer: 1 }),
  frame('false', '#f\r\n', false, { type: 8, integer: 0 }),
  frame(
    'big number',
    '(3492890328409238509324850943850943825024385\r\n',
    3492890328409238509324850943850943825024385n,
    {
      type: 13,
      str: '3492890328409238509324850943850943825024385',
      len: 43,
    },
  ),
  frame('negative big number', '(-12\r\n', -12n),
  frame(
    'blob error',
    '!21\r\nSYNTAX invalid syntax\r\n',
    { error: 'SYNTAX invalid syntax' },
    {
      type: 6,
      str: 'SYNTAX invalid syntax',
      len: 21,
    },
  ),
  frame('verbatim', '=15\r\ntxt:Some string\r\n', 'Some string', {
    type: 14,
    str: 'Some string',
    len: 11,
    vtype: 'txt',
  }),
  frame('empty verbatim', '=4\r\nmkd:\r\n', '', { type: 14, str: '', len: 0, vtype: 'mkd' }),
  // RESP3 aggregates
  frame(
    'map',
    '%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n',
    {
      map: [
        ['first', 1],
        ['second', 2],
      ],
    },
    {
      type: 9,
      elements: 4,
      element: [
        { type: 5, str: 'first', len: 5 },
        { type: 3, integer: 1 },
        { type: 5, str: 'second', len: 6 },
        { type: 3, integer: 2 },
      ],
    },
  ),
  frame('empty map', '%0\r\n', { map: [] }, { type: 9, elements: 0, element: [] }),
  frame('map with aggregate keys', '%1\r\n*1\r\n:1\r\n~1\r\n#t\r\n', { map: [[[1], { set: [true] }]] }),
  frame(
    'set',
    '~3\r\n+a\r\n:1\r\n#f\r\n',
    { set: ['a', 1, false] },
    {
      type: 10,
      elements: 3,
      element: [
        { type: 5, str: 'a', len: 1 },
        { type: 3, integer: 1 },
        { type: 8, integer: 0 },
      ],
    },
  ),
  frame(
    'push',
    '>3\r\n+message\r\n+chan\r\n$5\r\nhello\r\n',
    { push: ['message', 'chan', 'hello'] },
    {
      type: 12,
      elements: 3,
      element: [
        { type: 5, str: 'message', len: 7 },
        { type: 5, str: 'chan', len: 4 },
        { type: 1, str: 'hello', len: 5 },
      ],
    },
  ),
  frame('deeply mixed aggregates', '*2\r\n%1\r\n~1\r\n:1\r\n*1\r\n>1\r\n_\r\n#t\r\n', [
    { map: [[{ set: [1] }, [{ push: [null] }]]] },
    true,
  ]),
  // Attributes are skipped
  frame(
    'attribute before an array (RESP3 spec example)',
    '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n',
    [2039123, 9543892],
    {
      type: 2,
      elements: 2,
      element: [
        { type: 3, integer: 2039123 },
        { type: 3, integer: 9543892 },
      ],
    },
  ),
  frame('attribute inside an array', '*2\r\n|1\r\n+ttl\r\n:3600\r\n:1\r\n:2\r\n', [1, 2]),
  frame('empty attribute', '|0\r\n+OK\r\n', 'OK'),
  frame('attribute on a map value', '%1\r\n+k\r\n|1\r\n+a\r\n+b\r\n*1\r\n:1\r\n', { map: [['k', [1]]] }),
  frame('attribute inside an attribute', '|1\r\n|1\r\n+a\r\n+b\r\n+k\r\n+v\r\n:5\r\n', 5),
  frame('two attributes in a row', '|1\r\n+a\r\n+b\r\n|1\r\n+c\r\n+d\r\n$2\r\nok\r\n', 'ok'),
  // Streamed types
  frame('streamed string', '$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n', 'Hello word', {
    type: 1,
    str: 'Hello word',
    len: 10,
  }),
  frame('empty streamed string', '$?\r\n;0\r\n', ''),
  frame('streamed array', '*?\r\n:1\r\n:2\r\n.\r\n', [1, 2], {
    type: 2,
    elements: 2,
    element: [
      { type: 3, integer: 1 },
      { type: 3, integer: 2 },
    ],
  }),
  frame('empty streamed array', '*?\r\n.\r\n', []),
  frame('streamed set', '~?\r\n+a\r\n.\r\n', { set: ['a'] }),
  frame(
    'streamed map',
    '%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n',
    {
      map: [
        ['a', 1],
        ['b', 2],
      ],
    },
    {
      type: 9,
      elements: 4,
      element: [
        { type: 5, str: 'a', len: 1 },
        { type: 3, integer: 1 },
        { type: 5, str: 'b', len: 1 },
        { type: 3, integer: 2 },
      ],
    },
  ),
  frame('nested streamed types', '*?\r\n*?\r\n:1\r\n.\r\n$?\r\n;1\r\nx\r\n;0\r\n.\r\n', [[1], 'x']),
  frame('attribute in a streamed array', '*?\r\n|1\r\n+a\r\n+b\r\n:1\r\n.\r\n', [1]),
];

/** Malformed frames and the exact protocol error each one gives (shared with the builder spec). */
export const MALFORMED: [string, string][] = [
  ['@12\r\n', 'Protocol error: invalid type byte 0x40 at offset 0'],
  ['*2\r\n:1\r\n@\r\n', 'Protocol error: invalid type byte 0x40 at offset 8'],
  ['\r\n', 'Protocol error: invalid type byte 0x0d at offset 0'],
  ['.\r\n', 'Protocol error: invalid type byte 0x2e at offset 0'],
  ['*1\r\n.\r\n', 'Protocol error: invalid type byte 0x2e at offset 4'],
  ['+OK\rX', 'Protocol error: expected \\r\\n at offset 3'],
  ['$3\r\nabcd\r\n', 'Protocol error: expected \\r\\n at offset 7'],
  ['$3\rX', 'Protocol error: expected \\r\\n at offset 2'],
  ['$x\r\n', 'Protocol error: invalid length at offset 1'],
  ['$1x\r\n', 'Protocol error: invalid length at offset 1'],
  ['$-2\r\n', 'Protocol error: invalid length at offset 1'],
  ['$\r\n', 'Protocol error: invalid length at offset 1'],
  ['*\r\n', 'Protocol error: invalid length at offset 1'],
  ['*-5\r\n', 'Protocol error: invalid length at offset 1'],
  ['%-1\r\n', 'Protocol error: invalid length at offset 1'],
  ['!-1\r\n', 'Protocol error: invalid length at offset 1'],
  ['=-1\r\n', 'Protocol error: invalid length at offset 1'],
  ['>?\r\n', 'Protocol error: invalid length at offset 1'],
  ['|?\r\n', 'Protocol error: invalid length at offset 1'],
  ['!?\r\n', 'Protocol error: invalid length at offset 1'],
  [':12a\r\n', 'Protocol error: invalid integer at offset 1'],
  [':\r\n', 'Protocol error: invalid integer at offset 1'],
  [':-\r\n', 'Protocol error: invalid integer at offset 1'],
  [':1.5\r\n', 'Protocol error: invalid integer at offset 1'],
  [',abc\r\n', 'Protocol error: invalid double at offset 1'],
  [',\r\n', 'Protocol error: invalid double at offset 1'],
  [',1e\r\n', 'Protocol error: invalid double at offset 1'],
  [',.\r\n', 'Protocol error: invalid double at offset 1'],
  [',0x10\r\n', 'Protocol error: invalid double at offset 1'],
  [', 1\r\n', 'Protocol error: invalid double at offset 1'],
  ['#x\r\n', 'Protocol error: invalid boolean at offset 1'],
  ['#tt\r\n', 'Protocol error: invalid boolean at offset 1'],
  ['#\r\n', 'Protocol error: invalid boolean at offset 1'],
  ['_x\r\n', 'Protocol error: invalid null at offset 1'],
  ['(12a\r\n', 'Protocol error: invalid big number at offset 1'],
  ['(\r\n', 'Protocol error: invalid big number at offset 1'],
  ['=3\r\ntxt\r\n', "Protocol error: expected a verbatim format like 'txt:' at offset 4"],
  ['=5\r\ntxt-x\r\n', "Protocol error: expected a verbatim format like 'txt:' at offset 4"],
  ['$?\r\n;2\r\nab\r\nX', "Protocol error: expected ';' (streamed string chunk) at offset 12"],
  ['$?\r\n;x\r\n', 'Protocol error: invalid length at offset 5'],
  ['$?\r\n;2\r\nabc\r\n', 'Protocol error: expected \\r\\n at offset 10'],
  ['%?\r\n+a\r\n.\r\n', 'Protocol error: streamed map ended after a key at offset 8'],
  ['*?\r\n.X\r\n', 'Protocol error: expected \\r\\n at offset 5'],
];
