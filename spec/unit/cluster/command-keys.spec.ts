import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { commandInfo, commandKeys, NO_KEYS_MESSAGE } from '../../../lib/cluster/command-keys.js';
import { ClusterError, REDIS_ERR_OTHER, REDIS_ERR_PROTOCOL } from '../../../lib/errors.js';

/** 'EVAL s 1 "" x' -> argv; "" is an empty argument. */
function argvOf(line: string): string[] {
  return (line.match(/"[^"]*"|\S+/g) ?? []).map((arg) => (arg.startsWith('"') ? arg.slice(1, -1) : arg));
}

function keyNames(line: string): string[] {
  const argv = argvOf(line);
  return commandKeys(argv).keys.map((i) => argv[i]!);
}

function failure(argv: (string | Uint8Array)[]): ClusterError {
  try {
    commandKeys(argv);
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    return err as ClusterError;
  }
  expect.fail(`commandKeys(${JSON.stringify(argv)}) did not throw`);
}

describe('cluster/command-keys', () => {
  describe("hiredis-cluster's ut_parse_cmd cases", () => {
    it('GET foo', () => {
      expect(commandKeys(['GET', 'foo'])).to.deep.equal({ name: 'GET', keys: [1], readOnly: true });
    });
    it('MSET foo val1 bar val2', () => {
      expect(keyNames('MSET foo val1 bar val2')).to.deep.equal(['foo', 'bar']);
    });
    it('EVAL with 1 key', () => {
      expect(keyNames('EVAL dummyscript 1 foo')).to.deep.equal(['foo']);
    });
    it('EVAL with 0 keys is rejected for routing', () => {
      const err = failure(argvOf('EVAL dummyscript 0 foo'));
      expect(err.code).to.equal(REDIS_ERR_OTHER);
      expect(err.message).to.equal('No keys in command(must have keys for redis cluster mode)');
    });
    it('XGROUP without subcommand', () => {
      const err = failure(['XGROUP']);
      expect(err.code).to.equal(REDIS_ERR_PROTOCOL);
      expect(err.message).to.equal('Unknown command XGROUP');
    });
    it('XGROUP DESTROY without its key', () => {
      const err = failure(['xgroup', 'destroy']);
      expect(err.code).to.equal(REDIS_ERR_PROTOCOL);
      expect(err.message).to.equal('Failed to find keys of command XGROUP DESTROY');
    });
    it('XGROUP DESTROY with its key', () => {
      expect(commandKeys(argvOf('xgroup destroy mystream mygroup'))).to.deep.equal({
        name: 'XGROUP DESTROY',
        keys: [2],
        readOnly: false,
      });
    });
    it('XREADGROUP is not confused by a group or consumer named "streams"', () => {
      expect(keyNames('XREADGROUP GROUP streams streams COUNT 1 streams mystream >')).to.deep.equal([
        'mystream',
      ]);
    });
    it('XREAD takes the first half of the arguments after STREAMS', () => {
      expect(keyNames('XREAD BLOCK 42 STREAMS mystream another $ $')).to.deep.equal(['mystream', 'another']);
    });
    it('RESTORE and RESTORE-ASKING', () => {
      expect(commandKeys(argvOf('restore k 0 xxx'))).to.deep.equal({
        name: 'RESTORE',
        keys: [1],
        readOnly: false,
      });
      expect(commandKeys(argvOf('restore-asking k 0 xxx'))).to.deep.equal({
        name: 'RESTORE-ASKING',
        keys: [1],
        readOnly: false,
      });
    });
    it('GEORADIUS_RO', () => {
      expect(commandKeys(argvOf('georadius_ro k 0 0 0 km'))).to.deep.equal({
        name: 'GEORADIUS_RO',
        keys: [1],
        readOnly: true,
      });
    });
  });

  it('marks the commands the table flags readonly (what readFrom may send to a replica)', () => {
    const readOnly = (line: string) => commandKeys(argvOf(line)).readOnly;
    for (const line of [
      'GET k',
      'MGET a b',
      'HGETALL h',
      'XREAD STREAMS s 0',
      'EVAL_RO s 1 k',
      'OBJECT ENCODING k',
    ])
      expect(readOnly(line), line).to.equal(true);
    for (const line of ['SET k v', 'DEL k', 'INCR k', 'EVAL s 1 k', 'BLPOP k 0', 'XGROUP CREATE s g $'])
      expect(readOnly(line), line).to.equal(false);
  });

  // Every expectation below equals what Redis 7.0.15 answers to COMMAND GETKEYS for the same line
  // (except the sharded pub/sub channels, which Redis marks not_key but routes by slot like keys).
  const table: [string, string[]][] = [
    ['SET foo bar EX 10', ['foo']],
    ['MGET a b c', ['a', 'b', 'c']],
    ['DEL a b', ['a', 'b']],
    ['EXISTS a b c', ['a', 'b', 'c']],
    ['UNLINK a b', ['a', 'b']],
    ['TOUCH a b', ['a', 'b']],
    ['MSETNX a 1 b 2', ['a', 'b']],
    ['HSET h f v f2 v2', ['h']],
    ['EVAL s 2 a b c', ['a', 'b']],
    ['EVALSHA abc 2 k1 k2 x', ['k1', 'k2']],
    ['EVAL_RO s 1 k', ['k']],
    ['EVALSHA_RO abc 1 k', ['k']],
    ['FCALL f 1 k a', ['k']],
    ['FCALL_RO f 2 a b', ['a', 'b']],
    ['XGROUP CREATE s g $ MKSTREAM', ['s']],
    ['XGROUP SETID s g 0', ['s']],
    ['XGROUP CREATECONSUMER s g c', ['s']],
    ['XGROUP DELCONSUMER s g c', ['s']],
    ['XREAD COUNT 2 STREAMS a b c 0 0 0', ['a', 'b', 'c']],
    ['XREAD STREAMS streams 0', ['streams']],
    ['GEORADIUS k 0 0 1 km', ['k']],
    ['GEORADIUS k 0 0 1 km STORE dst', ['k', 'dst']],
    ['GEORADIUS k 0 0 1 km STOREDIST dd', ['k', 'dd']],
    ['GEORADIUSBYMEMBER k m 1 km STORE d', ['k', 'd']],
    ['SORT k', ['k']],
    ['SORT k BY w GET x LIMIT 0 10 STORE dst', ['k', 'dst']],
    ['sort k store a store b', ['k', 'b']],
    ['SORT k GET store', ['k']],
    ['SORT_RO k BY x', ['k']],
    ['BITOP AND dest a b c', ['dest', 'a', 'b', 'c']],
    ['BITOP NOT dest a', ['dest', 'a']],
    ['OBJECT ENCODING k', ['k']],
    ['object freq k', ['k']],
    ['OBJECT REFCOUNT k', ['k']],
    ['MEMORY USAGE k SAMPLES 5', ['k']],
    ['XINFO STREAM s FULL', ['s']],
    ['XINFO GROUPS s', ['s']],
    ['XINFO CONSUMERS s g', ['s']],
    ['LMOVE a b LEFT RIGHT', ['a', 'b']],
    ['BLMOVE a b LEFT RIGHT 0', ['a', 'b']],
    ['RENAME a b', ['a', 'b']],
    ['RENAMENX a b', ['a', 'b']],
    ['SMOVE a b m', ['a', 'b']],
    ['COPY a b', ['a', 'b']],
    ['RPOPLPUSH a b', ['a', 'b']],
    ['BRPOPLPUSH a b 0', ['a', 'b']],
    ['ZUNIONSTORE dest 2 a b WEIGHTS 1 2', ['dest', 'a', 'b']],
    ['ZINTERSTORE d 1 a', ['d', 'a']],
    ['ZDIFFSTORE d 2 a b', ['d', 'a', 'b']],
    ['ZUNIONSTORE d 0 x', ['d']],
    ['ZUNION 2 a b', ['a', 'b']],
    ['ZINTER 2 a b WITHSCORES', ['a', 'b']],
    ['ZDIFF 1 a', ['a']],
    ['ZINTERCARD 2 a b LIMIT 1', ['a', 'b']],
    ['LMPOP 2 a b LEFT', ['a', 'b']],
    ['BLMPOP 0 2 a b LEFT COUNT 2', ['a', 'b']],
    ['ZMPOP 1 a MIN', ['a']],
    ['BZMPOP 1 2 a b MAX', ['a', 'b']],
    ['SINTERCARD 3 a b c', ['a', 'b', 'c']],
    ['SUNIONSTORE d a b', ['d', 'a', 'b']],
    ['SINTERSTORE d a b', ['d', 'a', 'b']],
    ['SDIFFSTORE d a', ['d', 'a']],
    ['PFMERGE d a b', ['d', 'a', 'b']],
    ['PFCOUNT a b', ['a', 'b']],
    ['PFDEBUG GETREG k', ['k']],
    ['ZRANGESTORE d s 0 1', ['d', 's']],
    ['GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 km', ['d', 's']],
    ['LCS a b', ['a', 'b']],
    ['SINTER a b', ['a', 'b']],
    ['BLPOP a b 0', ['a', 'b']],
    ['BZPOPMIN a b 1', ['a', 'b']],
    ['WATCH a b', ['a', 'b']],
    ['MIGRATE h 1 k 0 10', ['k']],
    ['MIGRATE h 1 k 0 10 COPY REPLACE', ['k']],
    ['MIGRATE h 1 "" 0 10 KEYS a b', ['a', 'b']],
    ['MIGRATE h 1 "" 0 10 COPY AUTH pw KEYS a b', ['a', 'b']],
    ['MIGRATE h 1 "" 0 10 AUTH2 u KEYS KEYS a', ['a']],
    ['SPUBLISH ch m', ['ch']],
    ['SSUBSCRIBE a b', ['a', 'b']],
    ['SUNSUBSCRIBE a b', ['a', 'b']],
  ];
  for (const [line, keys] of table) {
    it(line, () => {
      expect(keyNames(line)).to.deep.equal(keys);
    });
  }

  it('names containers by both words, upper-case', () => {
    expect(commandKeys(argvOf('object encoding k')).name).to.equal('OBJECT ENCODING');
    expect(commandKeys(argvOf('Memory Usage k')).name).to.equal('MEMORY USAGE');
    expect(commandKeys(argvOf('zunionstore d 1 a')).name).to.equal('ZUNIONSTORE');
  });

  it('matches names case-insensitively', () => {
    for (const name of ['GET', 'get', 'Get', 'gEt']) expect(commandKeys([name, 'k']).keys).to.deep.equal([1]);
    expect(keyNames('xread block 0 streams a 0')).to.deep.equal(['a']);
  });

  it('reads Uint8Array arguments (name, keywords, numkeys)', () => {
    const b = (s: string) => Buffer.from(s);
    expect(commandKeys([b('get'), b('k')])).to.deep.equal({ name: 'GET', keys: [1], readOnly: true });
    expect(commandKeys([b('EVAL'), b('s'), b('2'), b('a'), b('b')]).keys).to.deep.equal([3, 4]);
    expect(commandKeys([b('XREAD'), b('streams'), b('s1'), b('0')]).keys).to.deep.equal([2]);
    expect(commandKeys([b('xgroup'), new Uint8Array(b('destroy')), b('s'), b('g')]).name).to.equal(
      'XGROUP DESTROY',
    );
  });

  it('shares one frozen result for commands whose key positions are fixed', () => {
    const first = commandKeys(['GET', 'a']);
    expect(commandKeys(['get', 'b'])).to.equal(first);
    expect(Object.isFrozen(first)).to.equal(true);
    expect(Object.isFrozen(first.keys)).to.equal(true);
    expect(commandKeys(['MGET', 'a'])).to.not.equal(commandKeys(['MGET', 'a']));
  });

  describe('errors', () => {
    const cases: [(string | Uint8Array)[], number, string][] = [
      [[], REDIS_ERR_PROTOCOL, 'Command parse error'],
      [['FOO'], REDIS_ERR_PROTOCOL, 'Unknown command FOO'],
      [['foo', 'bar', 'baz'], REDIS_ERR_PROTOCOL, 'Unknown command foo bar'],
      [['xgroup'], REDIS_ERR_PROTOCOL, 'Unknown command xgroup'],
      [['XGROUP', 'foo', 's'], REDIS_ERR_PROTOCOL, 'Unknown command XGROUP foo'],
      [['COMMAND'], REDIS_ERR_PROTOCOL, 'Unknown command COMMAND'],
      [[Buffer.from('nope')], REDIS_ERR_PROTOCOL, 'Unknown command nope'],
      [
        [Buffer.from('Z'.repeat(40)), Buffer.from('k')],
        REDIS_ERR_PROTOCOL,
        `Unknown command ${'Z'.repeat(40)} k`,
      ],
      [['GET'], REDIS_ERR_PROTOCOL, 'Failed to find keys of command GET'],
      [['get', 'a', 'b'], REDIS_ERR_PROTOCOL, 'Failed to find keys of command GET'],
      [['MGET'], REDIS_ERR_PROTOCOL, 'Failed to find keys of command MGET'],
      [['object', 'encoding'], REDIS_ERR_PROTOCOL, 'Failed to find keys of command OBJECT ENCODING'],
      [argvOf('MSET a 1 b'), REDIS_ERR_PROTOCOL, 'Failed to find keys of command MSET'],
      [argvOf('EVAL s x k'), REDIS_ERR_PROTOCOL, 'Failed to find keys of command EVAL'],
      [argvOf('EVAL s -1 k'), REDIS_ERR_PROTOCOL, 'Failed to find keys of command EVAL'],
      [argvOf('EVAL s 01 k'), REDIS_ERR_PROTOCOL, 'Failed to find keys of command EVAL'],
      [argvOf('EVAL s 3 a b'), REDIS_ERR_PROTOCOL, 'Failed to find keys of command EVAL'],
      [argvOf('FCALL f 2 a'), REDIS_ERR_PROTOCOL, 'Failed to find keys of command FCALL'],
      [argvOf('XREAD COUNT 1 a 0'), REDIS_ERR_PROTOCOL, 'Failed to find keys of command XREAD'],
      [
        argvOf('XREADGROUP GROUP g c COUNT 1 x >'),
        REDIS_ERR_PROTOCOL,
        'Failed to find keys of command XREADGROUP',
      ],
      [argvOf('SUNSUBSCRIBE'), REDIS_ERR_PROTOCOL, 'Failed to find keys of command SUNSUBSCRIBE'],
      [argvOf('MIGRATE h 1 "" 0 10'), REDIS_ERR_PROTOCOL, 'Failed to find keys of command MIGRATE'],
      [argvOf('MIGRATE h 1 k 0 10 KEYS a'), REDIS_ERR_PROTOCOL, 'Failed to find keys of command MIGRATE'],
      [argvOf('MIGRATE h 1 "" 0 10 KEYS'), REDIS_ERR_PROTOCOL, 'Failed to find keys of command MIGRATE'],
      [argvOf('EVAL s 0'), REDIS_ERR_OTHER, NO_KEYS_MESSAGE],
      [argvOf('FCALL_RO f 0 a'), REDIS_ERR_OTHER, NO_KEYS_MESSAGE],
      [argvOf('ZUNION 0 a'), REDIS_ERR_OTHER, NO_KEYS_MESSAGE],
      [['PING'], REDIS_ERR_OTHER, NO_KEYS_MESSAGE],
      [['ping', 'hello'], REDIS_ERR_OTHER, NO_KEYS_MESSAGE],
      [['MULTI'], REDIS_ERR_OTHER, NO_KEYS_MESSAGE],
      [['PUBLISH', 'ch', 'm'], REDIS_ERR_OTHER, NO_KEYS_MESSAGE],
      [['CLUSTER', 'NODES'], REDIS_ERR_OTHER, NO_KEYS_MESSAGE],
      [['config', 'get', 'maxmemory'], REDIS_ERR_OTHER, NO_KEYS_MESSAGE],
      [['XGROUP', 'HELP'], REDIS_ERR_OTHER, NO_KEYS_MESSAGE],
      [['MEMORY', 'DOCTOR'], REDIS_ERR_OTHER, NO_KEYS_MESSAGE],
    ];
    for (const [argv, code, message] of cases) {
      it(`${JSON.stringify(argv.map(String))} -> ${message}`, () => {
        const err = failure(argv);
        expect(err.code).to.equal(code);
        expect(err.message).to.equal(message);
      });
    }

    it('cuts messages to 99 characters, as hiredis formats them into 100 bytes', () => {
      const err = failure(['NOPE', 'x'.repeat(500)]);
      expect(err.message).to.equal(`Unknown command NOPE ${'x'.repeat(78)}`);
      expect(err.message).to.have.length(99);
    });

    it('states the NO_KEYS_MESSAGE in hiredis wording', () => {
      expect(NO_KEYS_MESSAGE).to.equal('No keys in command(must have keys for redis cluster mode)');
    });
  });

  it('exposes table entries by upper-case name', () => {
    expect(commandInfo('GET')?.arity).to.equal(2);
    expect(commandInfo('XGROUP CREATE')?.arity).to.equal(-5);
    expect(commandInfo('get')).to.equal(undefined);
    expect(commandInfo('toString')).to.equal(undefined);
  });
});
