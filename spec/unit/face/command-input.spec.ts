import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { ClusterError, REDIS_ERR_OTHER, REDIS_ERR_PROTOCOL } from '../../../lib/errors.js';
import {
  commandFromArgv,
  commandFromBytes,
  commandFromFormat,
  isCommandOptions,
  replyCallback,
  sessionCommandFromArgv,
} from '../../../lib/face/command-input.js';
import type { CommandArg } from '../../../lib/resp/encode.js';

const MISSING = 'Invalid command: missing command name';
const MULTI =
  'MULTI is not allowed on a shared cluster link: use multi() ... exec() (a transaction gets a link of its own)';

function failure(call: () => unknown): [number, string] {
  try {
    call();
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    return [(err as ClusterError).code, (err as ClusterError).message];
  }
  expect.fail('no error');
}

describe('face/command-input: the gate of every command of both faces', () => {
  it('passes a good command through in each form', () => {
    expect(commandFromFormat('SET %s %d', ['k', 5])).to.deep.equal(['SET', 'k', '5']);
    const argv: CommandArg[] = ['SET', 'k', 5];
    expect(commandFromArgv(argv)).to.equal(argv);
    expect(commandFromBytes(Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n'))).to.deep.equal([
      Buffer.from('GET'),
      Buffer.from('k'),
    ]);
  });

  describe('a missing command name, in every form', () => {
    const rows: [what: string, call: () => unknown][] = [
      ['an empty format', () => commandFromFormat('', [])],
      ['a format of spaces', () => commandFromFormat('   ', [])],
      ['a format giving an empty name', () => commandFromFormat('%s x', [''])],
      ['an empty argv', () => commandFromArgv([])],
      ["send()'s argv without a command", () => commandFromArgv([undefined as unknown as string])],
      ['an empty string name', () => commandFromArgv(['', 'k'])],
      ['an empty bytes name', () => commandFromArgv([Buffer.alloc(0)])],
      ['pre-encoded, an empty name', () => commandFromBytes(Buffer.from('*1\r\n$0\r\n\r\n'))],
    ];
    for (const [what, call] of rows) {
      it(`${what} -> ${MISSING}`, () => {
        expect(failure(call)).to.deep.equal([REDIS_ERR_OTHER, MISSING]);
      });
    }
  });

  it('keeps the earlier checks and their errors: argv shape, argument types, RESP parse, format', () => {
    expect(failure(() => commandFromArgv('GET k' as unknown as string[]))).to.deep.equal([
      REDIS_ERR_OTHER,
      'Invalid command: argv must be a non-empty array',
    ]);
    expect(failure(() => commandFromArgv(['GET', null as unknown as string]))).to.deep.equal([
      REDIS_ERR_OTHER,
      'Invalid command argument 1: expected a string, Uint8Array, number or bigint, got null',
    ]);
    expect(failure(() => commandFromBytes(Buffer.from('*0\r\n')))).to.deep.equal([
      REDIS_ERR_PROTOCOL,
      'Command parse error',
    ]);
    expect(failure(() => commandFromFormat('GET %s', ['a', 'b']))).to.deep.equal([
      REDIS_ERR_OTHER,
      'Invalid format string: wrong number of arguments, expected 1 (one per conversion), got 2',
    ]);
  });

  it('refuses a link-state command in every form', () => {
    expect(failure(() => commandFromFormat('MULTI', []))).to.deep.equal([REDIS_ERR_OTHER, MULTI]);
    expect(failure(() => commandFromFormat('%s', ['multi']))).to.deep.equal([REDIS_ERR_OTHER, MULTI]);
    expect(failure(() => commandFromArgv(['Multi']))).to.deep.equal([REDIS_ERR_OTHER, MULTI]);
    expect(failure(() => commandFromBytes(Buffer.from('*1\r\n$5\r\nmulti\r\n')))).to.deep.equal([
      REDIS_ERR_OTHER,
      MULTI,
    ]);
  });

  it("sessionCommandFromArgv: a WATCH session's own WATCH and UNWATCH pass, every other check stays", () => {
    for (const argv of [['WATCH', 'k'], ['unwatch'], [Buffer.from('Watch'), 'a', 'b']])
      expect(sessionCommandFromArgv(argv)).to.equal(argv);
    expect(failure(() => sessionCommandFromArgv(['MULTI']))).to.deep.equal([REDIS_ERR_OTHER, MULTI]);
    expect(failure(() => sessionCommandFromArgv([]))).to.deep.equal([REDIS_ERR_OTHER, MISSING]);
    expect(failure(() => sessionCommandFromArgv(['WATCH', null as unknown as string]))).to.deep.equal([
      REDIS_ERR_OTHER,
      'Invalid command argument 1: expected a string, Uint8Array, number or bigint, got null',
    ]);
  });

  it("isCommandOptions: send()'s options are an object that is not bytes; anything else is the command", () => {
    for (const first of [{}, { timeout: 5 }]) expect(isCommandOptions(first)).to.equal(true);
    for (const first of ['GET', Buffer.from('GET'), undefined, null, 5])
      expect(isCommandOptions(first)).to.equal(false);
  });

  describe('replyCallback', () => {
    it('gives a function back as it is', () => {
      const fn = () => undefined;
      expect(replyCallback(fn)).to.equal(fn);
    });

    it("takes null and undefined as hiredis' NULL callback: a function that drops the reply", () => {
      for (const fn of [null, undefined]) {
        const callback = replyCallback(fn) as (...args: unknown[]) => unknown;
        expect(callback).to.be.a('function');
        expect(callback({}, 'reply', 'privdata')).to.equal(undefined);
      }
    });

    it('refuses anything else, naming its type', () => {
      for (const [fn, type] of [
        ['fn', 'string'],
        [42, 'number'],
        [{}, 'object'],
        [true, 'boolean'],
      ] as const) {
        expect(failure(() => replyCallback(fn as unknown as () => void))).to.deep.equal([
          REDIS_ERR_OTHER,
          `Invalid callback: expected a function or null, got ${type}`,
        ]);
      }
    });
  });
});
