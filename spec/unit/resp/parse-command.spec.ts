import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { ClusterError, REDIS_ERR_PROTOCOL } from '../../../lib/errors.js';
import { encodeArgv } from '../../../lib/resp/encode.js';
import { parseCommand } from '../../../lib/resp/parse-command.js';

describe('resp/parse-command parseCommand', () => {
  it('gives back the argv of an encoded command as Buffers', () => {
    const argv = parseCommand(encodeArgv(['SET', 'key', 'héllo', '', Buffer.from([0, 13, 10])]));
    expect(argv).to.deep.equal([
      Buffer.from('SET'),
      Buffer.from('key'),
      Buffer.from('héllo'),
      Buffer.alloc(0),
      Buffer.from([0, 13, 10]),
    ]);
    for (const arg of argv) expect(Buffer.isBuffer(arg)).to.equal(true);
  });

  it('copies: the argv survives the input being overwritten', () => {
    const bytes = new Uint8Array(encodeArgv(['GET', 'k']));
    const argv = parseCommand(bytes);
    bytes.fill(0x41);
    expect(argv.map(String)).to.deep.equal(['GET', 'k']);
  });

  const bad: [string, string][] = [
    ['inline command', 'PING\r\n'],
    ['empty input', ''],
    ['empty multibulk', '*0\r\n'],
    ['count without elements', '*1\r\n'],
    ['short bulk', '*1\r\n$3\r\nab\r\n'],
    ['bulk without CRLF', '*1\r\n$2\r\nabXY'],
    ['bytes after the command', '*1\r\n$2\r\nab\r\nX'],
    ['two commands', '*1\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n'],
    ['integer element', '*1\r\n:1\r\n'],
    ['nil bulk', '*1\r\n$-1\r\n'],
    ['non-digit count', '*x\r\n'],
    ['negative count', '*-1\r\n'],
    ['missing element', '*2\r\n$1\r\na\r\n'],
    ['count without CRLF', '*1'],
    ['huge count', '*99999999999\r\n'],
  ];
  for (const [name, text] of bad) {
    it(`${name}: Command parse error`, () => {
      try {
        parseCommand(Buffer.from(text, 'latin1'));
        expect.fail('no error');
      } catch (error) {
        expect(error).to.be.instanceOf(ClusterError);
        expect((error as ClusterError).code).to.equal(REDIS_ERR_PROTOCOL);
        expect((error as Error).message).to.equal('Command parse error');
      }
    });
  }
});
