/**
 * Reader + builder together, as a connection reads: chunks arrive, the reader keeps the unread tail,
 * complete frames are built.
 */
import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { ClusterError, REDIS_ERR_PROTOCOL } from '../../../lib/errors.js';
import { buildReply, type ReplyBuilder, typedReplies } from '../../../lib/resp/build.js';
import { RespReader } from '../../../lib/resp/reader.js';
import { FrameScanner } from '../../../lib/resp/scan.js';
import { FRAMES, view } from './frames.js';

function decodeChunks(chunks: Buffer[], builder?: ReplyBuilder): unknown[] {
  const reader = new RespReader();
  const values: unknown[] = [];
  for (const chunk of chunks) {
    reader.feed(chunk);
    for (let end = reader.next(); end >= 0; end = reader.next()) {
      values.push(buildReply(reader.buffer, reader.start, end, builder));
    }
  }
  expect(reader.pending, 'bytes left unread').to.equal(0);
  return values;
}

function chunked(wire: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < wire.length; i += size) chunks.push(wire.subarray(i, i + size));
  return chunks;
}

describe('resp decoder (scan + build) over chunked input', () => {
  for (const { name, wire, plain, typed } of FRAMES) {
    it(`${name}: same value at every split and byte by byte`, () => {
      expect(decodeChunks([wire]).map(view)).to.deep.equal([plain]);
      for (let split = 1; split < wire.length; split++) {
        const values = decodeChunks([wire.subarray(0, split), wire.subarray(split)]);
        expect(values.map(view), `split at ${split}`).to.deep.equal([plain]);
      }
      expect(decodeChunks(chunked(wire, 1)).map(view)).to.deep.equal([plain]);
      if (typed !== undefined) {
        for (let split = 1; split < wire.length; split++) {
          const values = decodeChunks([wire.subarray(0, split), wire.subarray(split)], typedReplies);
          expect(values, `split at ${split}`).to.deep.equal([typed]);
        }
      }
    });
  }

  it('decodes all frames back to back from one stream, whatever the chunk size', () => {
    const stream = Buffer.concat(FRAMES.map((f) => f.wire));
    const expected = FRAMES.map((f) => f.plain);
    for (const size of [1, 2, 3, 7, 16, 64, 1000, stream.length]) {
      expect(decodeChunks(chunked(stream, size)).map(view), `chunks of ${size}`).to.deep.equal(expected);
    }
  });

  it('never throws anything but a protocol error on corrupted input (bounded fuzz)', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = Buffer.from('+-:$*%~>|_,#!=(.;?\r\n0123456789-tfx');
    let protocolErrors = 0;
    let decoded = 0;
    for (let round = 0; round < 20000; round++) {
      const base = FRAMES[random(FRAMES.length)]!.wire;
      const wire = Buffer.from(base);
      const edits = 1 + random(3);
      for (let e = 0; e < edits; e++) {
        wire[random(wire.length)] = random(4) === 0 ? random(256) : alphabet[random(alphabet.length)]!;
      }
      const scanner = new FrameScanner({ maxBulkLength: 4096, maxAggregateElements: 4096 });
      let end = -1;
      try {
        end = scanner.scan(wire, 0, wire.length);
      } catch (error) {
        expect(error, `corrupted ${JSON.stringify(wire.toString('latin1'))}`).to.be.instanceOf(ClusterError);
        expect((error as ClusterError).code).to.equal(REDIS_ERR_PROTOCOL);
        protocolErrors++;
      }
      // What the scanner accepts, the builders must build.
      if (end > 0) {
        buildReply(wire, 0, end);
        buildReply(wire, 0, end, typedReplies);
        decoded++;
      }
      // The builder alone, on the whole corrupted buffer, obeys the same rule.
      try {
        buildReply(wire, 0, wire.length);
      } catch (error) {
        expect(error, `built ${JSON.stringify(wire.toString('latin1'))}`).to.be.instanceOf(ClusterError);
        expect((error as ClusterError).code).to.equal(REDIS_ERR_PROTOCOL);
      }
    }
    expect(protocolErrors).to.be.greaterThan(1000);
    expect(decoded).to.be.greaterThan(1000);
  });
});
