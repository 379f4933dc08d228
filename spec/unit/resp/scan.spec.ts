import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { ClusterError, REDIS_ERR_OTHER, REDIS_ERR_PROTOCOL } from '../../../lib/errors.js';
import { DEFAULT_LIMITS, FrameScanner, type RespLimits } from '../../../lib/resp/scan.js';
import { FRAMES, MALFORMED } from './frames.js';

function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

function scanError(text: string, limits?: Partial<RespLimits>): ClusterError {
  const buf = bytes(text);
  try {
    new FrameScanner(limits).scan(buf, 0, buf.length);
  } catch (error) {
    expect(error).to.be.instanceOf(ClusterError);
    expect((error as ClusterError).code).to.equal(REDIS_ERR_PROTOCOL);
    return error as ClusterError;
  }
  expect.fail(`no error for ${JSON.stringify(text)}`);
}

describe('resp/scan FrameScanner', () => {
  describe('complete frames', () => {
    for (const { name, wire } of FRAMES) {
      it(`${name}: ends at ${wire.length}`, () => {
        expect(new FrameScanner().scan(wire, 0, wire.length)).to.equal(wire.length);
      });
    }

    it('returns the end of the first frame when more bytes follow', () => {
      const buf = bytes('+OK\r\n:1\r\n$3\r\nabc\r\n');
      const scanner = new FrameScanner();
      expect(scanner.scan(buf, 0, buf.length)).to.equal(5);
      expect(scanner.scan(buf, 5, buf.length)).to.equal(9);
      expect(scanner.scan(buf, 9, buf.length)).to.equal(buf.length);
    });

    it('scans a frame at a non-zero start inside a larger buffer', () => {
      const buf = bytes('xxxx*2\r\n$1\r\na\r\n:7\r\nyyyy');
      expect(new FrameScanner().scan(buf, 4, buf.length)).to.equal(buf.length - 4);
    });

    it('treats a top-level attribute as part of the frame of the value after it', () => {
      const buf = bytes('|1\r\n+a\r\n+b\r\n');
      const scanner = new FrameScanner();
      expect(scanner.scan(buf, 0, buf.length)).to.equal(-1);
      const whole = bytes('|1\r\n+a\r\n+b\r\n:1\r\n');
      expect(scanner.scan(whole, 0, whole.length)).to.equal(whole.length);
    });

    it("frameType: the type byte of the frame's value, after any attributes", () => {
      const scanner = new FrameScanner();
      const cases: [string, string][] = [
        ['>1\r\n+m\r\n', '>'],
        ['|1\r\n+a\r\n+b\r\n>1\r\n+m\r\n', '>'],
        ['|1\r\n+a\r\n>1\r\n+m\r\n*1\r\n:1\r\n', '*'],
        ['|0\r\n|1\r\n+a\r\n+b\r\n:1\r\n', ':'],
      ];
      for (const [wire, type] of cases) {
        const buf = bytes(wire);
        // Byte by byte too: the type survives suspension.
        for (let end = 1; end < buf.length; end++) expect(scanner.scan(buf, 0, end)).to.equal(-1);
        expect(scanner.scan(buf, 0, buf.length), wire).to.equal(buf.length);
        expect(String.fromCharCode(scanner.frameType), wire).to.equal(type);
      }
    });

    it('returns -1 for an empty range', () => {
      expect(new FrameScanner().scan(bytes('+OK\r\n'), 0, 0)).to.equal(-1);
    });
  });

  describe('resumable across any chunking', () => {
    for (const { name, wire } of FRAMES) {
      it(`${name}: split at every byte boundary`, () => {
        for (let split = 1; split < wire.length; split++) {
          const scanner = new FrameScanner();
          expect(scanner.scan(wire, 0, split), `split at ${split}`).to.equal(-1);
          expect(scanner.scan(wire, 0, wire.length), `split at ${split}`).to.equal(wire.length);
        }
      });

      it(`${name}: byte by byte`, () => {
        const scanner = new FrameScanner();
        for (let end = 1; end < wire.length; end++) {
          expect(scanner.scan(wire, 0, end), `end ${end}`).to.equal(-1);
        }
        expect(scanner.scan(wire, 0, wire.length)).to.equal(wire.length);
      });

      it(`${name}: the partial frame moved to a new start`, () => {
        for (let split = 1; split < wire.length; split++) {
          const scanner = new FrameScanner();
          const first = Buffer.alloc(split + 3);
          wire.copy(first, 3, 0, split);
          expect(scanner.scan(first, 3, first.length)).to.equal(-1);
          const second = Buffer.concat([Buffer.from('garbage'), wire]);
          expect(scanner.scan(second, 7, second.length), `split at ${split}`).to.equal(second.length);
        }
      });
    }

    it('resumes a long simple string without rescanning from its start', () => {
      const line = `+${'a'.repeat(10000)}\r\n`;
      const buf = bytes(line);
      const scanner = new FrameScanner();
      for (let end = 1; end < buf.length; end += 1000) expect(scanner.scan(buf, 0, end)).to.equal(-1);
      expect(scanner.scan(buf, 0, buf.length)).to.equal(buf.length);
    });

    it('resets itself after a complete frame', () => {
      const scanner = new FrameScanner();
      const a = bytes('*2\r\n:1\r\n:2\r\n');
      expect(scanner.scan(a, 0, 6)).to.equal(-1);
      expect(scanner.scan(a, 0, a.length)).to.equal(a.length);
      const b = bytes('+OK\r\n');
      expect(scanner.scan(b, 0, b.length)).to.equal(5);
    });

    it('reset() abandons a partial frame', () => {
      const scanner = new FrameScanner();
      const a = bytes('*3\r\n:1\r\n');
      expect(scanner.scan(a, 0, a.length)).to.equal(-1);
      scanner.reset();
      const b = bytes(':5\r\n');
      expect(scanner.scan(b, 0, b.length)).to.equal(4);
    });

    it('resets itself after an error', () => {
      const scanner = new FrameScanner();
      const bad = bytes('*2\r\n@');
      expect(() => scanner.scan(bad, 0, bad.length)).to.throw(
        'Protocol error: invalid type byte 0x40 at offset 4',
      );
      const good = bytes('+OK\r\n');
      expect(scanner.scan(good, 0, good.length)).to.equal(5);
    });
  });

  describe('malformed frames', () => {
    for (const [wire, message] of MALFORMED) {
      it(`${JSON.stringify(wire)} -> ${message}`, () => {
        expect(scanError(wire).message).to.equal(message);
      });
    }

    it('reports an invalid byte as soon as it arrives, before the line ends', () => {
      expect(scanError('$12x').message).to.equal('Protocol error: invalid length at offset 1');
      expect(scanError('*1\r\n$-2').message).to.equal('Protocol error: invalid length at offset 5');
    });

    it('refuses a length of more than 20 digits even before its CRLF', () => {
      expect(scanError(`$${'1'.repeat(21)}`).message).to.equal('Protocol error: invalid length at offset 1');
    });

    it('offsets are relative to the frame start', () => {
      const buf = bytes('+OK\r\n*1\r\n@');
      const scanner = new FrameScanner();
      expect(scanner.scan(buf, 0, buf.length)).to.equal(5);
      expect(() => scanner.scan(buf, 5, buf.length)).to.throw(
        'Protocol error: invalid type byte 0x40 at offset 4',
      );
    });

    it('rejects a bad scan range with a clear error', () => {
      const buf = bytes('+OK\r\n');
      const error = (() => {
        try {
          new FrameScanner().scan(buf, 0, 99);
        } catch (e) {
          return e as ClusterError;
        }
        return null;
      })();
      expect(error).to.be.instanceOf(ClusterError);
      expect(error!.code).to.equal(REDIS_ERR_OTHER);
      expect(error!.message).to.equal('Invalid scan range 0..99 of 5 bytes');
    });
  });

  describe('limits', () => {
    it('has sane defaults', () => {
      expect(DEFAULT_LIMITS).to.deep.equal({
        maxBulkLength: 536870912,
        maxAggregateElements: 16777216,
        maxDepth: 64,
      });
    });

    it('maxBulkLength: default 512 MiB', () => {
      expect(scanError('$1073741824\r\n').message).to.equal(
        'Protocol error: bulk length 1073741824 at offset 0 exceeds maxBulkLength 536870912',
      );
      const ok = bytes('$536870912\r\n');
      expect(new FrameScanner().scan(ok, 0, ok.length)).to.equal(-1);
    });

    it('maxBulkLength for bulk, blob error, verbatim and streamed strings', () => {
      const limits = { maxBulkLength: 10 };
      expect(scanError('$11\r\n', limits).message).to.equal(
        'Protocol error: bulk length 11 at offset 0 exceeds maxBulkLength 10',
      );
      expect(scanError('*2\r\n:1\r\n!11\r\n', limits).message).to.equal(
        'Protocol error: blob error length 11 at offset 8 exceeds maxBulkLength 10',
      );
      expect(scanError('=11\r\n', limits).message).to.equal(
        'Protocol error: verbatim string length 11 at offset 0 exceeds maxBulkLength 10',
      );
      expect(scanError('$?\r\n;6\r\naaaaaa\r\n;5\r\n', limits).message).to.equal(
        'Protocol error: streamed string length 11 at offset 16 exceeds maxBulkLength 10',
      );
      expect(scanError(`$${'9'.repeat(20)}\r\n`, limits).message).to.equal(
        `Protocol error: bulk length ${'9'.repeat(20)} at offset 0 exceeds maxBulkLength 10`,
      );
      const fits = bytes('$10\r\n0123456789\r\n');
      expect(new FrameScanner(limits).scan(fits, 0, fits.length)).to.equal(fits.length);
    });

    it('maxBulkLength bounds simple lines too, even without their CRLF', () => {
      expect(scanError(`+${'a'.repeat(11)}`, { maxBulkLength: 10 }).message).to.equal(
        'Protocol error: line at offset 0 is longer than maxBulkLength 10',
      );
      const fits = bytes(`+${'a'.repeat(10)}\r\n`);
      expect(new FrameScanner({ maxBulkLength: 10 }).scan(fits, 0, fits.length)).to.equal(fits.length);
    });

    it('maxAggregateElements, counting keys and values of maps and attributes', () => {
      const limits = { maxAggregateElements: 4 };
      expect(scanError('*5\r\n', limits).message).to.equal(
        'Protocol error: aggregate of 5 elements at offset 0 exceeds maxAggregateElements 4',
      );
      expect(scanError('*1\r\n%3\r\n', limits).message).to.equal(
        'Protocol error: aggregate of 6 elements at offset 4 exceeds maxAggregateElements 4',
      );
      expect(scanError('|3\r\n', limits).message).to.equal(
        'Protocol error: aggregate of 6 elements at offset 0 exceeds maxAggregateElements 4',
      );
      expect(scanError('~?\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n', limits).message).to.equal(
        'Protocol error: streamed aggregate at offset 24 exceeds maxAggregateElements 4',
      );
      const fits = bytes('%2\r\n:1\r\n:2\r\n:3\r\n:4\r\n');
      expect(new FrameScanner(limits).scan(fits, 0, fits.length)).to.equal(fits.length);
    });

    it('maxDepth: default 64', () => {
      const deep = bytes(`${'*1\r\n'.repeat(65)}:1\r\n`);
      expect(scanError(deep.toString('latin1')).message).to.equal(
        'Protocol error: nesting depth 65 at offset 256 exceeds maxDepth 64',
      );
      const ok = bytes(`${'*1\r\n'.repeat(64)}:1\r\n`);
      expect(new FrameScanner().scan(ok, 0, ok.length)).to.equal(ok.length);
    });

    it('maxDepth counts streamed strings and aggregates', () => {
      expect(scanError('*1\r\n*1\r\n*1\r\n', { maxDepth: 2 }).message).to.equal(
        'Protocol error: nesting depth 3 at offset 8 exceeds maxDepth 2',
      );
      expect(scanError('*1\r\n$?\r\n', { maxDepth: 1 }).message).to.equal(
        'Protocol error: nesting depth 2 at offset 4 exceeds maxDepth 1',
      );
    });

    it('takes undefined limits as the defaults', () => {
      const scanner = new FrameScanner({ maxDepth: undefined, maxBulkLength: 3 });
      const deep = bytes(`${'*1\r\n'.repeat(64)}$3\r\nabc\r\n`);
      expect(scanner.scan(deep, 0, deep.length)).to.equal(deep.length);
    });

    it('rejects invalid limits with a clear error', () => {
      expect(() => new FrameScanner({ maxDepth: 0 })).to.throw(
        'Invalid RESP limit maxDepth: 0 (expected an integer from 1 to 65536)',
      );
      expect(() => new FrameScanner({ maxBulkLength: 1.5 })).to.throw(
        'Invalid RESP limit maxBulkLength: 1.5 (expected an integer from 1 to 2147483647)',
      );
      expect(() => new FrameScanner({ maxDepth: 1e9 })).to.throw(
        'Invalid RESP limit maxDepth: 1000000000 (expected an integer from 1 to 65536)',
      );
      expect(() => new FrameScanner({ maxAggregateElements: 2 ** 31 })).to.throw(
        'Invalid RESP limit maxAggregateElements: 2147483648 (expected an integer from 1 to 2147483647)',
      );
    });
  });
});
