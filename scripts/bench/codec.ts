/**
 * Codec micro-benchmark: ns per operation for decoding (scan + build, and scan alone) and encoding.
 * Median of several timed runs after a warm-up; bounded to a few seconds in total.
 */
import { Buffer } from 'node:buffer';
import { buildReply } from '../../lib/resp/build.js';
import { CommandWriter, encodeArgvInto } from '../../lib/resp/encode.js';
import { FrameScanner } from '../../lib/resp/scan.js';

const RUNS = 7;
/** Each run lasts about this long; iterations are calibrated from the warm-up. */
const RUN_MS = 40;

let sink: unknown;

function measure(op: () => unknown): number {
  // Warm-up, which also calibrates the iteration count.
  let iterations = 1000;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = op();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms >= RUN_MS / 2 || iterations >= 1 << 24) {
      iterations = Math.max(100, Math.round((iterations * RUN_MS) / Math.max(ms, 0.001)));
      break;
    }
    iterations *= 4;
  }
  const results: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = op();
    results.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  results.sort((a, b) => a - b);
  return results[RUNS >> 1]!;
}

interface Row {
  name: string;
  ns: number;
  target?: number;
}

const rows: Row[] = [];

function decodeCase(name: string, frame: Buffer, target?: number): void {
  const scanner = new FrameScanner();
  const end = frame.length;
  if (scanner.scan(frame, 0, end) !== end) throw new Error(`bench frame ${name} does not scan`);
  rows.push({
    name: `decode ${name}`,
    ns: measure(() => buildReply(frame, 0, scanner.scan(frame, 0, end))),
    target,
  });
  rows.push({ name: `  scan only ${name}`, ns: measure(() => scanner.scan(frame, 0, end)) });
}

function bulk(s: string): string {
  return `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
}

decodeCase('+OK', Buffer.from('+OK\r\n'), 100);
// 'OK' has a shortcut in the plain builder; +PONG shows a status that takes the native string path.
decodeCase('+PONG', Buffer.from('+PONG\r\n'));
decodeCase('16-byte bulk', Buffer.from(bulk('0123456789abcdef')), 150);
let array = '*100\r\n';
for (let i = 0; i < 100; i++) array += bulk(`value:${String(i).padStart(4, '0')}`);
decodeCase('100-element array of 10-byte bulks', Buffer.from(array));
let map = '%10\r\n';
for (let i = 0; i < 10; i++) map += bulk(`field:${i}`) + bulk(`value:${i}`);
decodeCase('RESP3 map of 10 bulk pairs', Buffer.from(map));

const writer = new CommandWriter();
const value16 = 'abcdefghijklmnop';
rows.push({
  name: 'encode SET key <16 B> (CommandWriter)',
  ns: measure(() => {
    writer.writeArgv(['SET', 'key', value16]);
    writer.reset();
  }),
  target: 400,
});
const area = new Uint8Array(new SharedArrayBuffer(256 * 1024));
rows.push({
  name: 'encode SET key <16 B> (into SAB)',
  ns: measure(() => encodeArgvInto(area, 0, ['SET', 'key', value16])),
  target: 400,
});
const value100k = 'x'.repeat(100 * 1024);
rows.push({
  name: 'encode SET key <100 KB string> (CommandWriter)',
  ns: measure(() => {
    writer.writeArgv(['SET', 'key', value100k]);
    writer.reset();
  }),
});
rows.push({
  name: 'encode SET key <100 KB string> (into SAB)',
  ns: measure(() => encodeArgvInto(area, 0, ['SET', 'key', value100k])),
});

console.log(`codec benchmark, node ${process.version}, median of ${RUNS} runs of ~${RUN_MS} ms each`);
for (const row of rows) {
  const verdict =
    row.target === undefined
      ? ''
      : row.ns <= row.target
        ? `  (target <= ${row.target}: ok)`
        : `  (target <= ${row.target}: MISSED)`;
  console.log(`${row.name.padEnd(50)} ${row.ns.toFixed(1).padStart(10)} ns/op${verdict}`);
}
if (sink === Symbol.for('never')) console.log('');
