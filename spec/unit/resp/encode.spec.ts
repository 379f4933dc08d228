import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { ClusterError, REDIS_ERR_OTHER } from '../../../lib/errors.js';
import { type CommandArg, CommandWriter, encodeArgv, encodeArgvInto } from '../../../lib/resp/encode.js';

/** The obvious encoder (Buffer.byteLength first), to compare with. */
function reference(argv: readonly CommandArg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const arg of argv) {
    const bytes =
      typeof arg === 'string'
        ? Buffer.from(arg, 'utf8')
        : typeof arg === 'number' || typeof arg === 'bigint'
          ? Buffer.from(String(arg))
          : Buffer.from(arg);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

function wire(argv: readonly CommandArg[]): string {
  return encodeArgv(argv).toString('utf8');
}

function errorOf(fn: () => unknown): ClusterError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ClusterError);
    return error as ClusterError;
  }
  expect.fail('no error');
}

describe('resp/encode', () => {
  describe('encodeArgv', () => {
    it('encodes strings as a multibulk of bulk strings', () => {
      expect(wire(['SET', 'key', 'value'])).to.equal('*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n');
      expect(wire(['GET', ''])).to.equal('*2\r\n$3\r\nGET\r\n$0\r\n\r\n');
    });

    it('copies Uint8Array and Buffer arguments byte for byte', () => {
      const bin = new Uint8Array([0, 13, 10, 255]);
      expect(encodeArgv(['SET', bin, Buffer.from('b')])).to.deep.equal(
        Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$4\r\n'), bin, Buffer.from('\r\n$1\r\nb\r\n')]),
      );
    });

    it('writes numbers and bigints as decimal text', () => {
      const cases: [number | bigint, string][] = [
        [0, '0'],
        [-0, '0'],
        [42, '42'],
        [-7, '-7'],
        [9007199254740991, '9007199254740991'],
        [-9007199254740991, '-9007199254740991'],
        [2 ** 53 + 2, '9007199254740994'],
        [1e21, '1000000000000000000000'],
        [-1e21, '-1000000000000000000000'],
        [1.5, '1.5'],
        [0.1 + 0.2, '0.30000000000000004'],
        [1e-7, '1e-7'],
        [Number.POSITIVE_INFINITY, 'Infinity'],
        [10n, '10'],
        [-(2n ** 70n), '-1180591620717411303424'],
      ];
      for (const [value, text] of cases) {
        expect(wire(['X', value]), String(value)).to.equal(`*2\r\n$1\r\nX\r\n$${text.length}\r\n${text}\r\n`);
      }
    });

    it('fixes the header of non-ASCII strings (byte length differs from string length)', () => {
      const cases: [string, number][] = [
        ['héllo', 6], // same digit count
        ['ééééé', 10], // 1 -> 2 digits: the payload moves
        ['😀', 4],
        ['\ud800', 3], // lone surrogate -> U+FFFD
        ['é'.repeat(400), 800], // long path, same digit count
        ['é'.repeat(600), 1200], // long path, 3 -> 4 digits
        [`${'a'.repeat(30)}é`, 32],
        [`é${'a'.repeat(40)}`, 42],
      ];
      for (const [text, bytes] of cases) {
        const out = encodeArgv(['SET', text, 'tail']);
        expect(out, text.slice(0, 10)).to.deep.equal(reference(['SET', text, 'tail']));
        expect(out.toString('utf8')).to.contain(`$${bytes}\r\n`);
      }
    });

    it('matches the obvious encoder on random strings at every length boundary', () => {
      let seed = 7;
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      const alphabet = ['a', 'Z', ' ', '\r', '\n', 'é', '€', '😀', '\ud800', '\u0000', '\u007f', '\u0080'];
      const lengths = [0, 1, 9, 10, 22, 23, 24, 25, 99, 100, 333, 334, 341, 1023, 1024, 3000];
      for (const len of lengths) {
        for (let round = 0; round < 20; round++) {
          let text = '';
          while (text.length < len) text += random(3) === 0 ? alphabet[random(alphabet.length)] : 'x';
          const argv = [text, 'k', text];
          expect(encodeArgv(argv), `length ${len}`).to.deep.equal(reference(argv));
        }
      }
    });

    it('writes correct headers around the header cache boundary', () => {
      for (const len of [0, 9, 10, 99, 100, 1023, 1024, 1025, 99999, 100000]) {
        const value = 'v'.repeat(len);
        expect(encodeArgv([value])).to.deep.equal(reference([value]));
        expect(encodeArgv([Buffer.from(value)])).to.deep.equal(reference([value]));
      }
      const many = Array.from({ length: 1500 }, (_, i) => String(i));
      expect(encodeArgv(many)).to.deep.equal(reference(many));
    });

    it('rejects an empty argv and arguments of other types', () => {
      const empty = errorOf(() => encodeArgv([]));
      expect(empty.code).to.equal(REDIS_ERR_OTHER);
      expect(empty.message).to.equal('Invalid command: argv must be a non-empty array');
      expect(errorOf(() => encodeArgv([null as unknown as string])).message).to.equal(
        'Invalid command argument 0: expected a string, Uint8Array, number or bigint, got null',
      );
      expect(errorOf(() => encodeArgv(['SET', {} as unknown as string])).message).to.equal(
        'Invalid command argument 1: expected a string, Uint8Array, number or bigint, got object',
      );
      expect(errorOf(() => encodeArgv(['SET', undefined as unknown as string])).message).to.equal(
        'Invalid command argument 1: expected a string, Uint8Array, number or bigint, got undefined',
      );
    });
  });

  describe('CommandWriter', () => {
    it('appends commands and grows from a tiny initial size', () => {
      const writer = new CommandWriter(8);
      const expected: Buffer[] = [];
      for (let i = 0; i < 500; i++) {
        const argv: CommandArg[] = ['SET', `key:${i}`, i % 3 === 0 ? 'é'.repeat(i) : 'v'.repeat(i), i];
        writer.writeArgv(argv);
        expected.push(reference(argv));
      }
      const all = Buffer.concat(expected);
      expect(writer.length).to.equal(all.length);
      expect(writer.view()).to.deep.equal(all);
    });

    it('grows for one command much bigger than its buffer', () => {
      const writer = new CommandWriter(16);
      const big = 'x'.repeat(100 * 1024);
      writer.writeArgv(['SET', 'k', big]);
      expect(writer.view()).to.deep.equal(reference(['SET', 'k', big]));
    });

    it('writeRaw appends pre-encoded bytes', () => {
      const writer = new CommandWriter(4);
      writer.writeArgv(['PING']);
      writer.writeRaw(Buffer.from('*1\r\n$4\r\nINFO\r\n'));
      expect(writer.view().toString()).to.equal('*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nINFO\r\n');
    });

    it('take() returns a copy and empties the writer', () => {
      const writer = new CommandWriter();
      writer.writeArgv(['GET', 'a']);
      const view = writer.view();
      const taken = writer.take();
      expect(taken.toString()).to.equal('*2\r\n$3\r\nGET\r\n$1\r\na\r\n');
      expect(writer.length).to.equal(0);
      writer.writeArgv(['DEL', 'b']);
      expect(taken.toString()).to.equal('*2\r\n$3\r\nGET\r\n$1\r\na\r\n');
      expect(view.toString()).to.equal('*2\r\n$3\r\nDEL\r\n$1\r\nb\r\n');
    });

    it('reset() empties the writer and gives back memory grown beyond 1 MiB', () => {
      const writer = new CommandWriter(1024);
      writer.writeArgv(['SET', 'k', 'x'.repeat(2 * 1024 * 1024)]);
      // Measured exactly rather than grown to 3 bytes per character.
      expect(writer.view().buffer.byteLength).to.be.within(2 * 1024 * 1024, 2 * 1024 * 1024 + 64);
      writer.reset();
      expect(writer.length).to.equal(0);
      writer.writeArgv(['PING']);
      expect(writer.view().buffer.byteLength).to.equal(1024);
      expect(writer.view().toString()).to.equal('*1\r\n$4\r\nPING\r\n');
    });

    it('rejects a bad initial size', () => {
      expect(errorOf(() => new CommandWriter(0)).message).to.equal(
        'Invalid CommandWriter size 0: expected a positive integer',
      );
    });

    it('a rejected argument leaves what was written intact', () => {
      const writer = new CommandWriter();
      writer.writeArgv(['PING']);
      expect(() => writer.writeArgv(['SET', Symbol('x') as unknown as string])).to.throw(
        'Invalid command argument 1: expected a string, Uint8Array, number or bigint, got symbol',
      );
      expect(writer.view().toString()).to.equal('*1\r\n$4\r\nPING\r\n');
    });
  });

  describe('encodeArgvInto', () => {
    const argv: CommandArg[] = ['SET', 'key', 'héllo'];
    const encoded = reference(argv);

    it('writes at the offset and returns the offset after the command', () => {
      const target = new Uint8Array(256);
      expect(encodeArgvInto(target, 10, argv)).to.equal(10 + encoded.length);
      expect(Buffer.from(target.subarray(10, 10 + encoded.length))).to.deep.equal(encoded);
    });

    it('writes into a SharedArrayBuffer view with a byte offset', () => {
      const target = new Uint8Array(new SharedArrayBuffer(512), 64, 256);
      expect(encodeArgvInto(target, 0, argv)).to.equal(encoded.length);
      expect(Buffer.from(target.subarray(0, encoded.length))).to.deep.equal(encoded);
    });

    it('fits exactly when the 3-bytes-per-character bound does not', () => {
      const target = new Uint8Array(encoded.length + 5);
      expect(encodeArgvInto(target, 5, argv)).to.equal(target.length);
      expect(Buffer.from(target.subarray(5))).to.deep.equal(encoded);
    });

    it('fits exactly for non-ASCII strings whose header grows a digit', () => {
      for (const text of ['ééééé', '😀😀😀', 'é'.repeat(600), `${'a'.repeat(8)}€`]) {
        const exact = reference(['SET', text]);
        const backing = new Uint8Array(exact.length + 8).fill(0x2e);
        const target = backing.subarray(0, exact.length);
        expect(encodeArgvInto(target, 0, ['SET', text]), text).to.equal(exact.length);
        expect(Buffer.from(target)).to.deep.equal(exact);
        expect([...backing.subarray(exact.length)].every((b) => b === 0x2e)).to.equal(true);
        expect(encodeArgvInto(backing.subarray(0, exact.length - 1), 0, ['SET', text])).to.equal(-1);
      }
    });

    it('returns -1 when the command does not fit', () => {
      expect(encodeArgvInto(new Uint8Array(encoded.length - 1), 0, argv)).to.equal(-1);
      expect(encodeArgvInto(new Uint8Array(encoded.length + 4), 5, argv)).to.equal(-1);
      expect(encodeArgvInto(new Uint8Array(10), 10, ['PING'])).to.equal(-1);
    });

    it('does not write beyond the target when it does not fit', () => {
      const backing = new Uint8Array(64).fill(0x2e);
      const target = backing.subarray(0, 20);
      expect(encodeArgvInto(target, 0, ['SET', 'k', 'x'.repeat(40)])).to.equal(-1);
      expect([...backing.subarray(20)].every((b) => b === 0x2e)).to.equal(true);
    });

    it('rejects an invalid offset', () => {
      expect(errorOf(() => encodeArgvInto(new Uint8Array(10), -1, ['PING'])).message).to.equal(
        'Invalid offset -1 for a target of 10 bytes',
      );
      expect(errorOf(() => encodeArgvInto(new Uint8Array(10), 11, ['PING'])).message).to.equal(
        'Invalid offset 11 for a target of 10 bytes',
      );
    });
  });
});
