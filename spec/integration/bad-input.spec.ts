/**
 * The bad-input table: every kind of bad input a caller or a server can give, with the exact error
 * (hiredis `err` code and `errstr`) that each face gets, in one place. The async context refuses a
 * command synchronously (`false`, err/errstr set, the callback never runs) or calls back once with
 * `null`; the blocking context throws the ClusterError and sets err/errstr. After each bad command or
 * reply the same context still works. hiredis-cluster's own strings are kept where it defines them (key
 * routing, redirects, the C address setters, the CLIs); the rest name the problem and where it is.
 *
 * Commands and limits run against the real plain cluster (keys `badinput:*`); misbehaving servers
 * are a hostile cluster on loopback (scripts/fuzz/hostile-cluster.ts) in a worker thread, so that the
 * blocking context can wait on it.
 */
import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext, type BlockingOptions } from '../../lib/blocking/blocking-context.js';
import {
  REDIS_ERR,
  REDIS_OK,
  redisClusterCommand,
  redisClusterConnect2,
  redisClusterContextInit,
  redisClusterFree,
  redisClusterSetOptionAddNode,
} from '../../lib/compat.js';
import {
  ClusterError,
  REDIS_ERR_OTHER as OTHER,
  REDIS_ERR_PROTOCOL as PROTOCOL,
  ReplyError,
  REDIS_ERR_CLUSTER_TOO_MANY_RETRIES as TOO_MANY_RETRIES,
} from '../../lib/errors.js';
import type { ClusterOptions } from '../../lib/options.js';
import type { RespLimits } from '../../lib/resp/scan.js';
import {
  type HostileCluster,
  type ReplyRules,
  startHostileClusterThread,
} from '../../scripts/fuzz/hostile-cluster.js';
import { PLAIN } from '../support/clusters.js';
import { blockingFailure, type Failure, rejected, thrown } from '../support/failures.js';
import { type CliName, CliRun } from '../support/run-cli.js';

const NO_KEYS = 'No keys in command(must have keys for redis cluster mode)';
const MISSING_NAME = 'Invalid command: missing command name';
/** The refusal of a format given the wrong number of values. */
function wrongCount(expected: number, got: number): string {
  return `Invalid format string: wrong number of arguments, expected ${expected} (one per conversion), got ${got}`;
}
const MULTI_REFUSED =
  'MULTI is not allowed on a shared cluster link: use multi() ... exec() (a transaction gets a link of its own)';

/** A refused async command: false, err/errstr set, and its callback must never run. */
function asyncRefusal(acc: AsyncClusterContext, send: (fn: () => void) => boolean): Failure {
  let called = 0;
  expect(send(() => called++)).to.equal(false);
  expect(called).to.equal(0);
  return [acc.err, acc.errstr];
}

/** The one outcome of an async command: its reply or its failure, after its only callback. */
function asyncOutcome(acc: AsyncClusterContext, format: string, ...args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let calls = 0;
    const queued = acc.command(
      (a, reply) => {
        if (++calls > 1) reject(new Error('a second callback'));
        // A second callback would come within a loop turn or two.
        const outcome = reply === null ? [a.err, a.errstr] : reply;
        setTimeout(() => resolve(outcome), 20);
      },
      null,
      format,
      ...args,
    );
    if (!queued) reject(new Error(`refused: ${acc.errstr}`));
  });
}

/** The one outcome of a blocking command: its reply or its failure. */
function blockingOutcome(cc: BlockingClusterContext, format: string, ...args: unknown[]): unknown {
  let reply: unknown;
  const failure = (() => {
    try {
      reply = cc.command(format, ...args);
      return null;
    } catch (err) {
      expect(err).to.be.instanceOf(ClusterError);
      return [(err as ClusterError).code, (err as ClusterError).message];
    }
  })();
  if (failure === null) return reply;
  expect([cc.err, cc.errstr]).to.deep.equal(failure);
  return failure;
}

describe('bad input: the table of errors', function () {
  this.timeout(30_000);

  describe('commands (both contexts; plain cluster)', () => {
    let acc: AsyncClusterContext;
    let cc: BlockingClusterContext;

    before(async () => {
      acc = new AsyncClusterContext({ nodes: PLAIN[0]! });
      await acc.connect();
      cc = new BlockingClusterContext({ nodes: PLAIN[0]! });
      cc.connect();
    });

    after(() => {
      acc?.free();
      cc?.close();
    });

    afterEach(async () => {
      // The same contexts still work after every row.
      expect(await acc.send('SET', 'badinput:after', 'a')).to.equal('OK');
      expect(cc.command('GET badinput:after')).to.equal('a');
    });

    const formats: [what: string, format: unknown, args: unknown[], failure: Failure][] = [
      ['unsupported conversion', 'GET %k', [], [OTHER, "Invalid format string: unsupported conversion '%k'"]],
      [
        'a conversion cut by the end',
        'GET %5',
        [],
        [OTHER, "Invalid format string: incomplete conversion '%5' at the end"],
      ],
      [
        'a flag at the very end',
        'GET a%-',
        [],
        [OTHER, "Invalid format string: incomplete conversion '%-' at the end"],
      ],
      [
        'a length modifier that does not apply',
        'SET k %Ld',
        [1],
        [OTHER, "Invalid format string: length modifier 'L' does not apply to '%Ld'"],
      ],
      [
        'a width past 2^20',
        'SET k %9999999d',
        [1],
        [OTHER, "Invalid format string: field width or precision 9999999 in '%9999999' exceeds 1048576"],
      ],
      ['a missing argument', 'GET %s', [], [OTHER, wrongCount(1, 0)]],
      ['%b without a buffer', 'SET k %b', [], [OTHER, wrongCount(1, 0)]],
      // C ignores an extra value; a value too many is as likely a mistake as one too few.
      ['an argument too many', 'GET %s', ['badinput:a', 'b'], [OTHER, wrongCount(1, 2)]],
      ['arguments for a format without conversions', 'GET badinput:a', ['b'], [OTHER, wrongCount(0, 1)]],
      [
        'undefined for a conversion',
        'GET %s',
        [undefined],
        [OTHER, "Invalid format string: '%s' expects a string or a Uint8Array, got undefined (argument 1)"],
      ],
      [
        '%b given a number',
        'SET k %b',
        [5],
        [OTHER, "Invalid format string: '%b' expects a string or a Uint8Array, got number (argument 1)"],
      ],
      [
        '%d given a string',
        'SET %s %d',
        ['k', 'x'],
        [OTHER, "Invalid format string: '%d' expects an integer number or a bigint, got string (argument 2)"],
      ],
      [
        '%d given a fraction',
        'SET k %d',
        [1.5],
        [
          OTHER,
          "Invalid format string: '%d' expects an integer number or a bigint, got the number 1.5 (argument 1)",
        ],
      ],
      [
        'a format that is not a string',
        42,
        [],
        [OTHER, 'Invalid format string: expected a string, got number'],
      ],
      ['an empty format', '', [], [OTHER, MISSING_NAME]],
      ['an empty command name', '%s badinput:a', [''], [OTHER, MISSING_NAME]],
      ['an unknown command', 'FOO bar', [], [PROTOCOL, 'Unknown command FOO bar']],
      ['the wrong number of arguments', 'GET', [], [PROTOCOL, 'Failed to find keys of command GET']],
      ['a keyless command on the key-routed API', 'PING', [], [OTHER, NO_KEYS]],
      // The link-state refusal says what to use instead, so it comes before the keyless one.
      ['a transaction on the key-routed API', 'MULTI', [], [OTHER, MULTI_REFUSED]],
      ['EVAL with no keys', 'EVAL %s 0', ['return 1'], [OTHER, NO_KEYS]],
    ];
    for (const [what, format, args, failure] of formats) {
      it(`${what}: ${JSON.stringify(format)} -> ${failure[1]}`, () => {
        expect(asyncRefusal(acc, (fn) => acc.command(fn, null, format as string, ...args))).to.deep.equal(
          failure,
        );
        expect(blockingFailure(cc, () => cc.command(format as string, ...args))).to.deep.equal(failure);
        expect(blockingFailure(cc, () => cc.appendCommand(format as string, ...args))).to.deep.equal(failure);
        cc.reset();
      });
    }

    const argvs: [what: string, argv: unknown, failure: Failure][] = [
      ['argv that is not an array', 'GET k', [OTHER, 'Invalid command: argv must be a non-empty array']],
      ['an empty argv', [], [OTHER, MISSING_NAME]],
      ['an empty command name', ['', 'badinput:a'], [OTHER, MISSING_NAME]],
      ['undefined as the command name', [undefined], [OTHER, MISSING_NAME]],
      [
        'an object as an argument',
        ['GET', {}],
        [OTHER, 'Invalid command argument 1: expected a string, Uint8Array, number or bigint, got object'],
      ],
      [
        'null as an argument',
        ['SET', 'k', null],
        [OTHER, 'Invalid command argument 2: expected a string, Uint8Array, number or bigint, got null'],
      ],
    ];
    for (const [what, argv, failure] of argvs) {
      it(`${what}: commandArgv(${JSON.stringify(argv)}) -> ${failure[1]}`, () => {
        const args = argv as string[];
        expect(asyncRefusal(acc, (fn) => acc.commandArgv(fn, null, args))).to.deep.equal(failure);
        expect(blockingFailure(cc, () => cc.commandArgv(args))).to.deep.equal(failure);
        expect(blockingFailure(cc, () => cc.appendCommandArgv(args))).to.deep.equal(failure);
        cc.reset();
      });
    }

    const formatted: [what: string, bytes: string, failure: Failure][] = [
      ['an inline command', 'PING\r\n', [PROTOCOL, 'Command parse error']],
      ['a cut multibulk', '*2\r\n$3\r\nGET\r\n$1\r\n', [PROTOCOL, 'Command parse error']],
      ['a keyless command', '*1\r\n$4\r\nPING\r\n', [OTHER, NO_KEYS]],
      ['an empty command name', '*1\r\n$0\r\n\r\n', [OTHER, MISSING_NAME]],
    ];
    for (const [what, text, failure] of formatted) {
      it(`${what}: formattedCommand(${JSON.stringify(text)}) -> ${failure[1]}`, () => {
        const bytes = Buffer.from(text);
        expect(asyncRefusal(acc, (fn) => acc.formattedCommand(fn, null, bytes))).to.deep.equal(failure);
        expect(blockingFailure(cc, () => cc.formattedCommand(bytes))).to.deep.equal(failure);
      });
    }

    const nodes: [what: string, node: string, failure: Failure][] = [
      ['a node without a port', '127.0.0.1', [OTHER, "Invalid address '127.0.0.1': missing port"]],
      ['a node with port 0', '127.0.0.1:0', [OTHER, "Invalid address '127.0.0.1:0': port must be 1-65535"]],
      [
        'a node with port 70000',
        '127.0.0.1:70000',
        [OTHER, "Invalid address '127.0.0.1:70000': port must be 1-65535"],
      ],
    ];
    for (const [what, node, failure] of nodes) {
      it(`...ToNode to ${what}: ${node} -> ${failure[1]}`, () => {
        expect(asyncRefusal(acc, (fn) => acc.commandToNode(node, fn, null, 'PING'))).to.deep.equal(failure);
        expect(blockingFailure(cc, () => cc.commandToNode(node, 'PING'))).to.deep.equal(failure);
      });
    }

    it(`a missing command name in every call form of both faces -> ${MISSING_NAME}`, async () => {
      const node = acc.nodeForKey('badinput:a')!;
      const empty = Buffer.from('*1\r\n$0\r\n\r\n');
      const asyncForms: ((fn: () => void) => boolean)[] = [
        (fn) => acc.command(fn, null, ''),
        (fn) => acc.commandArgv(fn, null, []),
        (fn) => acc.formattedCommand(fn, null, empty),
        (fn) => acc.commandToNode(node, fn, null, '  '),
        (fn) => acc.commandArgvToNode(node, fn, null, []),
        (fn) => acc.formattedCommandToNode(node, fn, null, empty),
      ];
      for (const send of asyncForms)
        expect(asyncRefusal(acc, send), String(send)).to.deep.equal([OTHER, MISSING_NAME]);
      const noCommand = undefined as unknown as string;
      const sends = [
        acc.send(noCommand),
        acc.send(''),
        acc.send({ timeout: 1000 }, noCommand),
        acc.sendToNode(node, noCommand),
        acc.sendToNode(node, ''),
      ];
      for (const send of sends) expect(await rejected(send)).to.deep.equal([OTHER, MISSING_NAME]);
      const blockingForms: (() => unknown)[] = [
        () => cc.command(''),
        () => cc.commandArgv([]),
        () => cc.formattedCommand(empty),
        () => cc.commandToNode(node, ''),
        () => cc.appendCommand(''),
        () => cc.appendCommandArgv([]),
        () => cc.appendFormattedCommand(empty),
        () => cc.appendCommandToNode(node, '%s', ''),
        () => cc.send(noCommand),
        () => cc.send({ timeout: 1000 }, ''),
      ];
      for (const call of blockingForms)
        expect(blockingFailure(cc, call), String(call)).to.deep.equal([OTHER, MISSING_NAME]);
      cc.reset();
    });

    it('a wrong number of format values in the ToNode and append forms of both faces', () => {
      const node = acc.nodeForKey('badinput:a')!;
      const failure: Failure = [OTHER, wrongCount(1, 2)];
      expect(
        asyncRefusal(acc, (fn) => acc.commandToNode(node, fn, null, 'GET %s', 'badinput:a', 'b')),
      ).to.deep.equal(failure);
      expect(blockingFailure(cc, () => cc.commandToNode(node, 'GET %s', 'badinput:a', 'b'))).to.deep.equal(
        failure,
      );
      expect(
        blockingFailure(cc, () => cc.appendCommandToNode(node, 'GET %s', 'badinput:a', 'b')),
      ).to.deep.equal(failure);
      expect(blockingFailure(cc, () => cc.appendCommandToNode(node, 'GET %s'))).to.deep.equal([
        OTHER,
        wrongCount(1, 0),
      ]);
      cc.reset();
    });

    it('a callback that is neither a function nor null, in every async call form', () => {
      const node = acc.nodeForKey('badinput:a')!;
      const argv = ['GET', 'badinput:a'];
      const bytes = Buffer.from('*2\r\n$3\r\nGET\r\n$10\r\nbadinput:a\r\n');
      for (const [fn, type] of [
        ['not a function', 'string'],
        [42, 'number'],
        [{ call: () => 1 }, 'object'],
      ] as const) {
        const callback = fn as unknown as () => void;
        const forms: (() => boolean)[] = [
          () => acc.command(callback, null, 'GET %s', 'badinput:a'),
          () => acc.commandArgv(callback, null, argv),
          () => acc.formattedCommand(callback, null, bytes),
          () => acc.commandToNode(node, callback, null, 'GET %s', 'badinput:a'),
          () => acc.commandArgvToNode(node, callback, null, argv),
          () => acc.formattedCommandToNode(node, callback, null, bytes),
        ];
        for (const send of forms) {
          expect(send(), String(send)).to.equal(false);
          expect([acc.err, acc.errstr]).to.deep.equal([
            OTHER,
            `Invalid callback: expected a function or null, got ${type}`,
          ]);
        }
      }
    });
  });

  describe('options (both contexts, at construction)', () => {
    const rows: [what: string, options: Record<string, unknown>, failure: Failure][] = [
      [
        'an address without a port',
        { nodes: '127.0.0.1' },
        [OTHER, "Invalid address '127.0.0.1': missing port"],
      ],
      ['port 0', { nodes: '127.0.0.1:0' }, [OTHER, "Invalid address '127.0.0.1:0': port must be 1-65535"]],
      [
        'port 70000',
        { nodes: '127.0.0.1:70000' },
        [OTHER, "Invalid address '127.0.0.1:70000': port must be 1-65535"],
      ],
      [
        'a port that is not a number',
        { nodes: '127.0.0.1:redis' },
        [OTHER, "Invalid address '127.0.0.1:redis': port must be 1-65535"],
      ],
      ['an address without a host', { nodes: ':7000' }, [OTHER, "Invalid address ':7000': missing host"]],
      [
        'an IPv6 address without its ]',
        { nodes: '[::1:7000' },
        [OTHER, "Invalid address '[::1:7000': missing ']'"],
      ],
      [
        'a URL',
        { nodes: 'redis://127.0.0.1:7000' },
        [OTHER, "Invalid address 'redis://127.0.0.1:7000': expected host:port, not a URL"],
      ],
      [
        'no node',
        { nodes: ' , ' },
        [OTHER, 'Invalid option \'nodes\': must name at least one node, got " , "'],
      ],
      [
        'an unknown option',
        { nodes: '127.0.0.1:7000', maxRetries: 3 },
        [OTHER, "Unknown option 'maxRetries'"],
      ],
      [
        'maxRetry 0',
        { nodes: '127.0.0.1:7000', maxRetry: 0 },
        [OTHER, "Invalid option 'maxRetry': must be an integer >= 1, got 0"],
      ],
      [
        'a limit past its maximum',
        { nodes: '127.0.0.1:7000', limits: { maxDepth: 70000 } },
        [OTHER, "Invalid option 'limits.maxDepth': must be an integer 1..65536, got 70000"],
      ],
      [
        'an unknown limit',
        { nodes: '127.0.0.1:7000', limits: { maxLength: 5 } },
        [OTHER, "Unknown option 'limits.maxLength'"],
      ],
      [
        'resp 4',
        { nodes: '127.0.0.1:7000', resp: 4 },
        [OTHER, "Invalid option 'resp': must be 2 or 3, got 4"],
      ],
    ];
    for (const [what, options, failure] of rows) {
      it(`${what}: ${JSON.stringify(options)} -> ${failure[1]}`, () => {
        const faces = [
          () => new AsyncClusterContext(options as unknown as ClusterOptions),
          () => new BlockingClusterContext(options as unknown as BlockingOptions),
        ];
        for (const make of faces) expect(thrown(make)).to.deep.equal(failure);
      });
    }

    it("the C setters keep hiredis' strings: redisClusterSetOptionAddNode", () => {
      const cases: [string, string][] = [
        ['127.0.0.1', 'server address is incorrect, port separator missing.'],
        [':7000', 'server address is incorrect, address part missing.'],
        ['127.0.0.1:', 'server address is incorrect, port part missing.'],
        ['127.0.0.1:0', 'server port is incorrect'],
        ['127.0.0.1:70000', 'server port is incorrect'],
      ];
      const cc = redisClusterContextInit();
      try {
        for (const [addr, errstr] of cases) {
          expect(redisClusterSetOptionAddNode(cc, addr), addr).to.equal(REDIS_ERR);
          expect([cc.err, cc.errstr], addr).to.deep.equal([OTHER, errstr]);
        }
        expect(redisClusterSetOptionAddNode(cc, PLAIN[0]!)).to.equal(REDIS_OK);
      } finally {
        redisClusterFree(cc);
      }
    });

    it('the C calls: %b given a length past its buffer, with the context usable after', () => {
      const cc = redisClusterContextInit();
      try {
        redisClusterSetOptionAddNode(cc, PLAIN[0]!);
        expect(redisClusterConnect2(cc)).to.equal(REDIS_OK);
        const key = Buffer.from('badinput:b');
        expect(redisClusterCommand(cc, 'GET %b', key, 99)).to.equal(null);
        expect([cc.err, cc.errstr]).to.deep.equal([
          OTHER,
          "Invalid format string: '%b' length 99 (argument 2) is not within 0..10, the size of its buffer",
        ]);
        expect(redisClusterCommand(cc, 'SET %b %b', key, 10, Buffer.from('v'), 1)).to.deep.include({
          str: 'OK',
        });
      } finally {
        redisClusterFree(cc);
      }
    });
  });

  describe('replies past the limits (both contexts; plain cluster)', () => {
    let setup: BlockingClusterContext;

    before(() => {
      setup = new BlockingClusterContext({ nodes: PLAIN[0]! });
      setup.connect();
      setup.command('SET badinput:big %s', 'x'.repeat(65));
      setup.command('DEL badinput:list');
      setup.commandArgv(['RPUSH', 'badinput:list', ...Array.from({ length: 11 }, (_, i) => i)]);
    });

    after(() => setup?.close());

    const rows: [limit: Partial<RespLimits>, call: [string, ...string[]], key: string, message: string][] = [
      [
        { maxBulkLength: 64 },
        ['GET %s', 'badinput:big'],
        'badinput:big',
        'bulk length 65 at offset 0 exceeds maxBulkLength 64',
      ],
      [
        { maxAggregateElements: 10 },
        ['LRANGE %s 0 -1', 'badinput:list'],
        'badinput:list',
        'aggregate of 11 elements at offset 0 exceeds maxAggregateElements 10',
      ],
      [
        { maxDepth: 3 },
        ['EVAL %s 1 %s', 'return {{{{1}}}}', 'badinput:list'],
        'badinput:list',
        'nesting depth 4 at offset 12 exceeds maxDepth 3',
      ],
    ];
    for (const [limits, [format, ...args], key, message] of rows) {
      it(`${JSON.stringify(limits)}: ${format} -> Protocol error: ${message} (from <node>); that link is dropped`, async () => {
        const node = setup.nodeForKey(key)!;
        const failure: Failure = [PROTOCOL, `Protocol error: ${message} (from ${node.host}:${node.port})`];
        const acc = new AsyncClusterContext({ nodes: PLAIN[0]!, limits });
        const cc = new BlockingClusterContext({ nodes: PLAIN[0]!, limits });
        try {
          const dropped: unknown[] = [];
          acc.on('disconnect', (link, err) => dropped.push([link.port, err?.code, err?.message]));
          cc.on('disconnect', (link, err) => dropped.push([link.port, err?.code, err?.message]));
          await acc.connect();
          cc.connect();
          expect(await asyncOutcome(acc, format, ...args)).to.deep.equal(failure);
          expect(blockingOutcome(cc, format, ...args)).to.deep.equal(failure);
          expect(dropped).to.deep.equal([
            [node.port, ...failure],
            [node.port, ...failure],
          ]);
          expect(await acc.send('GET', 'badinput:small')).to.equal(null);
          expect(cc.command('GET badinput:small')).to.equal(null);
        } finally {
          acc.free();
          cc.close();
        }
      });
    }
  });

  describe('misbehaving servers (both contexts; a hostile node on loopback)', () => {
    let cluster: HostileCluster;
    let node: string;
    let acc: AsyncClusterContext;
    let cc: BlockingClusterContext;
    const dropped: string[] = [];

    before(async () => {
      cluster = await startHostileClusterThread({ ranges: [[[0, 16383]]] });
      node = cluster.addrs[0]!;
      acc = new AsyncClusterContext({ nodes: node });
      cc = new BlockingClusterContext({ nodes: node, callTimeout: 5000 });
      for (const face of [acc, cc])
        face.on('disconnect', (_link, err) => dropped.push(`${err?.code} ${err?.message}`));
      await acc.connect();
      cc.connect();
    });

    after(async () => {
      acc?.free();
      cc?.close();
      await cluster?.close();
    });

    beforeEach(() => {
      dropped.length = 0;
    });

    /** The server behaves again: the same contexts work (over new links where theirs were dropped). */
    async function behaves(): Promise<void> {
      await cluster.setRules({});
      expect(await acc.send('GET', 'k')).to.equal('v:k');
      expect(cc.command('GET k')).to.equal('v:k');
    }

    const raw = (text: string): ReplyRules => ({ replies: { bad: [Buffer.from(text, 'latin1')] } });
    const rows: [what: string, rules: () => ReplyRules, outcome: () => unknown, dropped: () => string[]][] = [
      [
        'a malformed reply',
        () => raw('$abc\r\n'),
        () => [PROTOCOL, `Protocol error: invalid length at offset 1 (from ${node})`],
        () => [`${PROTOCOL} Protocol error: invalid length at offset 1 (from ${node})`],
      ],
      [
        'a reply with an unknown type byte',
        () => raw('@1\r\n'),
        () => [PROTOCOL, `Protocol error: invalid type byte 0x40 at offset 0 (from ${node})`],
        () => [`${PROTOCOL} Protocol error: invalid type byte 0x40 at offset 0 (from ${node})`],
      ],
      [
        'a reply nobody asked for, after the one asked for',
        () => raw('$1\r\nv\r\n+surprise\r\n'),
        () => 'v',
        () => [`${PROTOCOL} Protocol error: a reply arrived with no command waiting (from ${node})`],
      ],
      [
        'a length of 20 digits (zero-padded): read as usual',
        () => raw('$00000000000000000005\r\nhello\r\n'),
        () => 'hello',
        () => [],
      ],
      [
        'a MOVED without a port',
        () => ({ errors: { bad: 'MOVED 3999 nohost' } }),
        () => [OTHER, 'port separator missing in redirect'],
        () => [],
      ],
      [
        // ':port' is the redirecting node's host with that port: here the node itself, again and again.
        'a MOVED without a host, to its own port',
        () => ({ errors: { bad: `MOVED 3999 :${node.slice(node.lastIndexOf(':') + 1)}` } }),
        () => [TOO_MANY_RETRIES, 'too many cluster retries'],
        () => [],
      ],
      [
        'a MOVED cut short to the bare word: the error reply itself',
        () => ({ errors: { bad: 'MOVED' } }),
        () => new ReplyError('MOVED'),
        () => [],
      ],
      [
        'a MOVED to port 0',
        () => ({ errors: { bad: 'MOVED 3999 127.0.0.1:0' } }),
        () => [OTHER, "invalid port in redirect 'MOVED 3999 127.0.0.1:0'"],
        () => [],
      ],
      [
        'a MOVED to port 70000',
        () => ({ errors: { bad: 'MOVED 3999 127.0.0.1:70000' } }),
        () => [OTHER, "invalid port in redirect 'MOVED 3999 127.0.0.1:70000'"],
        () => [],
      ],
      [
        'a MOVED to slot 16384',
        () => ({ errors: { bad: 'MOVED 16384 127.0.0.1:7000' } }),
        () => [OTHER, "invalid slot in redirect 'MOVED 16384 127.0.0.1:7000'"],
        () => [],
      ],
      [
        'an ASK without a target',
        () => ({ errors: { bad: 'ASK 3999' } }),
        () => [OTHER, 'failed to parse redirect'],
        () => [],
      ],
    ];
    for (const [what, rules, outcome, links] of rows) {
      it(`${what}: GET gets exactly one outcome; a link dropped says why`, async () => {
        await cluster.setRules(rules());
        expect(await asyncOutcome(acc, 'GET bad')).to.deep.equal(outcome());
        expect(blockingOutcome(cc, 'GET bad')).to.deep.equal(outcome());
        await behaves();
        expect(dropped).to.deep.equal([...links(), ...links()]);
      });
    }

    const greetings: [what: string, greeting: string, failure: () => Failure][] = [
      [
        'garbage on connect',
        'HTTP/1.1 400 Bad Request\r\n\r\n',
        () => [PROTOCOL, `Protocol error: invalid type byte 0x48 at offset 0 (from ${node})`],
      ],
      [
        'an error reply on connect',
        '-ERR max number of clients reached\r\n',
        () => [OTHER, 'ERR max number of clients reached'],
      ],
    ];
    for (const [what, greeting, failure] of greetings) {
      // The async context asks as the blocking one does (a temporary link per seed): its default connect
      // keeps the link and retries at once (hiredis-cluster #252), which can outrun one bad greeting.
      it(`${what}: connect() fails with it; once the server behaves, connect() works`, async () => {
        await cluster.setRules({ greetings: [Buffer.from(greeting, 'latin1')] });
        const fresh = new AsyncClusterContext({ nodes: node });
        const blocking = new BlockingClusterContext({ nodes: node });
        try {
          const err = await fresh.connect({ temporaryLink: true }).then(
            () => null,
            (e: ClusterError) => e,
          );
          expect([err?.code, err?.message]).to.deep.equal(failure());
          expect(blockingFailure(blocking, () => blocking.connect())).to.deep.equal(failure());
          await cluster.setRules({});
          await fresh.connect({ temporaryLink: true });
          blocking.connect();
          expect(await fresh.send('GET', 'k')).to.equal('v:k');
          expect(blocking.command('GET k')).to.equal('v:k');
        } finally {
          fresh.free();
          blocking.close();
        }
      });
    }
  });

  describe('the command-line clients', () => {
    const NO_ADDRESS = 'Connect error: servers address does not set up\n';
    const rows: [cli: CliName, args: string[], stdout: string, stderr: string, code: number][] = [
      // As the C programs: AddNodes takes nothing from a bad address, Connect2 says so (never echoing it).
      ['clusterclient', ['127.0.0.1'], NO_ADDRESS, '', 2],
      ['clusterclient_async', ['127.0.0.1:0'], NO_ADDRESS, '', 2],
      ['clusterclient_reconnect_async', ['127.0.0.1:70000'], NO_ADDRESS, '', 255],
      [
        'clusterclient',
        ['--password=secretword', PLAIN[0]!],
        '',
        "Unknown argument: '--password=<hidden>'\n",
        1,
      ],
    ];
    for (const [cli, args, stdout, stderr, code] of rows) {
      it(`${cli} ${args.join(' ')} -> exit ${code}: ${JSON.stringify(stdout || stderr)}`, async () => {
        const result = await new CliRun(cli, args, { stdin: '' }).exited;
        expect([result.stdout, result.stderr, result.code]).to.deep.equal([stdout, stderr, code]);
      });
    }
  });
});
