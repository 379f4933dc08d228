import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { ClusterError, REDIS_ERR_OTHER, REDIS_ERR_PROTOCOL } from '../../../lib/errors.js';
import { RespReader } from '../../../lib/resp/reader.js';
import type { RespLimits } from '../../../lib/resp/scan.js';
import { FRAMES } from './frames.js';

function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

function bulk(size: number, fill: string): Buffer {
  return bytes(`$${size}\r\n${fill.repeat(size)}\r\n`);
}

/** A frame handed out by the reader, copied: [text, type byte]. */
type Got = [string, string];

/**
 * Feeds `chunks`, each in a scratch buffer that is scribbled over once the reader is done with it (as
 * the Node adapter reuses its read buffer), and returns every frame handed out.
 */
function read(reader: RespReader, chunks: readonly Buffer[]): Got[] {
  const got: Got[] = [];
  for (const chunk of chunks) {
    const scratch = Buffer.from(chunk);
    reader.feed(scratch);
    for (let end = reader.next(); end >= 0; end = reader.next()) {
      got.push([
        Buffer.from(reader.buffer.subarray(reader.start, end)).toString('latin1'),
        String.fromCharCode(reader.frameType),
      ]);
    }
    scratch.fill(0xee);
  }
  return got;
}

function split(wire: Buffer, at: number): Buffer[] {
  return [wire.subarray(0, at), wire.subarray(at)];
}

function readerError(reader: RespReader, chunk: Buffer): ClusterError {
  reader.feed(chunk);
  try {
    while (reader.next() >= 0);
  } catch (error) {
    expect(error).to.be.instanceOf(ClusterError);
    return error as ClusterError;
  }
  expect.fail(`no error for ${JSON.stringify(chunk.toString('latin1'))}`);
}

/** The value's type byte of the frames that start with an attribute. */
const AFTER_ATTRIBUTES: Record<string, string> = {
  'attribute before an array (RESP3 spec example)': '*',
  'empty attribute': '+',
  'attribute inside an attribute': ':',
  'two attributes in a row': '$',
};

const STREAM = Buffer.concat(FRAMES.map((f) => f.wire));
const EXPECTED: Got[] = FRAMES.map((f) => {
  const text = f.wire.toString('latin1');
  if (text[0] !== '|') return [text, text[0]!];
  const type = AFTER_ATTRIBUTES[f.name];
  if (type === undefined) throw new Error(`frames.ts: add ${JSON.stringify(f.name)} to AFTER_ATTRIBUTES`);
  return [text, type];
});

describe('resp/reader RespReader', () => {
  it('hands out every frame of one chunk, in place, with its type byte', () => {
    const reader = new RespReader();
    const chunk = bytes('+OK\r\n:1\r\n>2\r\n+message\r\n+hi\r\n$3\r\nabc\r\n');
    reader.feed(chunk);
    const spans: [number, number, string][] = [];
    for (let end = reader.next(); end >= 0; end = reader.next()) {
      expect(reader.buffer, 'no copy of a whole frame').to.equal(chunk);
      spans.push([reader.start, end, String.fromCharCode(reader.frameType)]);
    }
    expect(spans).to.deep.equal([
      [0, 5, '+'],
      [5, 9, ':'],
      [9, 28, '>'],
      [28, 37, '$'],
    ]);
    expect(reader.pending).to.equal(0);
    expect(reader.next(), 'nothing more').to.equal(-1);
  });

  it('gives the same frames for a stream of every frame type split at every byte', () => {
    for (let at = 0; at <= STREAM.length; at++) {
      expect(read(new RespReader(), split(STREAM, at)), `split at ${at}`).to.deep.equal(EXPECTED);
    }
  });

  it('gives the same frames byte by byte and in chunks of any size', () => {
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < STREAM.length; i += size) chunks.push(STREAM.subarray(i, i + size));
      expect(read(new RespReader(), chunks), `chunks of ${size}`).to.deep.equal(EXPECTED);
    }
  });

  it('tells RESP3 pushes apart, with or without an attribute before them', () => {
    const wire = bytes(
      '|1\r\n+ttl\r\n:3\r\n>2\r\n+message\r\n+a\r\n|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n>1\r\n+b\r\n',
    );
    const expected: Got[] = [
      ['|1\r\n+ttl\r\n:3\r\n>2\r\n+message\r\n+a\r\n', '>'],
      ['|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n', '$'],
      ['>1\r\n+b\r\n', '>'],
    ];
    for (let at = 0; at <= wire.length; at++) {
      expect(read(new RespReader(), split(wire, at)), `split at ${at}`).to.deep.equal(expected);
    }
  });

  it('keeps an incomplete tail: pending counts it, the next chunk completes it', () => {
    const reader = new RespReader();
    reader.feed(bytes('+OK\r\n$5\r\nab'));
    expect(reader.next()).to.equal(5);
    expect(reader.next()).to.equal(-1);
    expect(reader.pending).to.equal(6);
    const got = read(reader, [bytes('cde\r\n:1')]);
    expect(got).to.deep.equal([['$5\r\nabcde\r\n', '$']]);
    expect(reader.pending).to.equal(2);
  });

  it('grows its buffer for a frame larger than the initial 16 KiB', () => {
    const big = bulk(40_000, 'x');
    const reader = new RespReader();
    const got = read(reader, [big.subarray(0, 10), big.subarray(10, 20_000), big.subarray(20_000)]);
    expect(got).to.deep.equal([[big.toString('latin1'), '$']]);
    expect(reader.buffer.length, 'grown to hold it').to.be.at.least(big.length);
    // Still whole when a chunk ends right after the frame and the next starts a new one.
    expect(read(reader, [bytes('+a'), bytes('\r\n')])).to.deep.equal([['+a\r\n', '+']]);
  });

  it('compacts its buffer when the unread bytes fit after moving them to the front', () => {
    const reader = new RespReader();
    const first = bulk(12_000, 'a'); // 12010 bytes
    const second = bulk(3_000, 'b'); // 3009 bytes
    // 6000 bytes of `first` are kept; the second chunk joins them (15009 bytes of 16 KiB).
    expect(read(reader, [first.subarray(0, 6000)])).to.deep.equal([]);
    const kept = reader.buffer;
    expect(read(reader, [Buffer.concat([first.subarray(6000), second.subarray(0, 2999)])])).to.deep.equal([
      [first.toString('latin1'), '$'],
    ]);
    const buffer = reader.buffer;
    expect(buffer, 'the kept buffer, not the chunk').to.not.equal(kept);
    expect(buffer.length).to.equal(16 * 1024);
    // 2999 bytes live at offset 12010; 2002 more do not fit behind them, but fit after compaction.
    const rest = Buffer.concat([second.subarray(2999), bytes(`+${'c'.repeat(1989)}\r\n`)]);
    expect(rest.length).to.equal(2002);
    expect(read(reader, [rest])).to.deep.equal([
      [second.toString('latin1'), '$'],
      [`+${'c'.repeat(1989)}\r\n`, '+'],
    ]);
    expect(reader.buffer, 'compacted in place, not grown').to.equal(buffer);
    expect(reader.pending).to.equal(0);
  });

  it('throws the scanner error for a malformed frame, at every call until reset', () => {
    const reader = new RespReader();
    reader.feed(bytes('+OK\r\n$3\r\nab'));
    expect(reader.next()).to.equal(5);
    expect(reader.next()).to.equal(-1);
    const error = readerError(reader, bytes('cX\r\n'));
    expect(error.code).to.equal(REDIS_ERR_PROTOCOL);
    expect(error.message).to.equal('Protocol error: expected \\r\\n at offset 7');
    // The bad frame stays first in line, whatever comes after it.
    expect(readerError(reader, bytes(':1\r\n')).message).to.equal(error.message);
    expect(reader.pending).to.equal(14);
    reader.reset();
    expect(reader.pending).to.equal(0);
    expect(read(reader, [bytes(':1\r\n')]), 'usable after reset').to.deep.equal([[':1\r\n', ':']]);
    const inChunk = new RespReader();
    expect(readerError(inChunk, bytes('+OK\r\n?x\r\n')).message).to.equal(
      'Protocol error: invalid type byte 0x3f at offset 0',
    );
    expect(() => inChunk.next()).to.throw(ClusterError, 'Protocol error: invalid type byte 0x3f at offset 0');
  });

  it('honours its limits, and refuses limits out of range', () => {
    const limits: Partial<RespLimits> = { maxBulkLength: 4, maxAggregateElements: 2, maxDepth: 1 };
    expect(read(new RespReader(limits), [bytes('$4\r\nabcd\r\n*2\r\n:1\r\n:2\r\n')])).to.have.length(2);
    expect(readerError(new RespReader(limits), bytes('$5\r\nabcde\r\n')).message).to.equal(
      'Protocol error: bulk length 5 at offset 0 exceeds maxBulkLength 4',
    );
    expect(readerError(new RespReader(limits), bytes('*3\r\n')).message).to.equal(
      'Protocol error: aggregate of 3 elements at offset 0 exceeds maxAggregateElements 2',
    );
    expect(readerError(new RespReader(limits), bytes('*1\r\n*1\r\n')).message).to.equal(
      'Protocol error: nesting depth 2 at offset 4 exceeds maxDepth 1',
    );
    expect(() => new RespReader({ maxDepth: 0 }))
      .to.throw(ClusterError, 'Invalid RESP limit maxDepth: 0 (expected an integer from 1 to 65536)')
      .with.property('code', REDIS_ERR_OTHER);
  });

  it('keeps what a consumer that stopped mid-chunk left unread, when the next chunk comes', () => {
    const reader = new RespReader();
    reader.feed(bytes('+a\r\n+b\r\n:1'));
    expect(reader.next()).to.equal(4);
    // The consumer stops here; the next feed keeps `+b\r\n:1` before the new bytes.
    expect(reader.pending).to.equal(6);
    expect(read(reader, [bytes('2\r\n')])).to.deep.equal([
      ['+b\r\n', '+'],
      [':12\r\n', ':'],
    ]);
  });

  it('drops everything on reset, a kept partial frame included, and reads anew', () => {
    const reader = new RespReader();
    reader.feed(bytes('+a\r\n+b\r\n*2\r\n:1'));
    expect(reader.next()).to.equal(4);
    reader.reset();
    expect(reader.pending).to.equal(0);
    expect(reader.next()).to.equal(-1);
    expect(read(reader, [bytes('*2\r\n:1')])).to.deep.equal([]);
    expect(reader.pending).to.equal(6);
    reader.reset();
    expect(reader.pending).to.equal(0);
    // The partial array is forgotten: this is a new frame, not its second element.
    expect(read(reader, [bytes(':2\r\n+c\r\n')])).to.deep.equal([
      [':2\r\n', ':'],
      ['+c\r\n', '+'],
    ]);
  });
});
