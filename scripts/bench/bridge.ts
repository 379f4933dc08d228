/**
 * The sync bridge alone, no Redis: echo round trips through lib/blocking/channel.ts for a 50 B and a 100 KB
 * payload, with spin 'auto' and spin 0, as p50/p99 in µs; plus the time until a new channel is ready.
 * A round trip here is: copy the payload into the request area, call, the worker copies it into the response
 * area, the caller holds a view of it (no copy out).
 *
 * `node dist/scripts/bench/bridge.js`, or `benchBridge()` from another script. This file is also its own
 * echo worker: loaded by a channel's worker thread, it serves instead of benchmarking.
 */
import { Buffer } from 'node:buffer';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { CallerChannel, STATUS_OK, WorkerChannel } from '../../lib/blocking/channel.js';
import type { SpinSetting } from '../../lib/blocking/spin.js';

const OP_ECHO = 1;
const READY_SAMPLES = 5;
/** Each measured run stops at its call count or after this long, whichever comes first. */
const RUN_LIMIT_MS = 3000;

interface Run {
  payloadBytes: number;
  spin: SpinSetting;
  warmup: number;
  calls: number;
}

const RUNS: Run[] = [
  { payloadBytes: 50, spin: 'auto', warmup: 2000, calls: 20_000 },
  { payloadBytes: 50, spin: 0, warmup: 500, calls: 5000 },
  { payloadBytes: 100 * 1024, spin: 'auto', warmup: 200, calls: 2000 },
  { payloadBytes: 100 * 1024, spin: 0, warmup: 200, calls: 2000 },
];

export interface BridgeFigure {
  payloadBytes: number;
  spin: SpinSetting;
  calls: number;
  p50Us: number;
  p99Us: number;
}

export interface BridgeFigures {
  /** Median ms from `new CallerChannel()` to `waitReady()` returning. */
  readyMs: number;
  roundTrips: BridgeFigure[];
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function measure(run: Run): BridgeFigure {
  const ch = new CallerChannel(new URL(import.meta.url), { spin: run.spin });
  try {
    const payload = Buffer.alloc(run.payloadBytes, 0x61);
    const once = () => {
      ch.beginRequest(payload.length).set(payload);
      if (ch.call(OP_ECHO, payload.length) !== STATUS_OK || ch.responseLength !== payload.length) {
        throw new Error(`bridge bench: bad echo of ${payload.length} bytes`);
      }
    };
    ch.waitReady();
    for (let i = 0; i < run.warmup; i++) once();
    const samples = new Float64Array(run.calls);
    const stopAt = performance.now() + RUN_LIMIT_MS;
    let n = 0;
    while (n < run.calls && performance.now() < stopAt) {
      const start = performance.now();
      once();
      samples[n++] = (performance.now() - start) * 1000;
    }
    const sorted = samples.subarray(0, n).sort();
    return {
      payloadBytes: run.payloadBytes,
      spin: run.spin,
      calls: n,
      p50Us: percentile(sorted, 0.5),
      p99Us: percentile(sorted, 0.99),
    };
  } finally {
    ch.close();
  }
}

function readyTime(): number {
  const times: number[] = [];
  for (let i = 0; i < READY_SAMPLES; i++) {
    const start = performance.now();
    const ch = new CallerChannel(new URL(import.meta.url));
    ch.waitReady();
    times.push(performance.now() - start);
    ch.close();
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/** Runs every figure, prints one line each, and returns them. */
export async function benchBridge(): Promise<BridgeFigures> {
  console.log(`bridge (echo worker, no Redis; ${availableParallelism()} CPUs):`);
  const readyMs = readyTime();
  console.log(`  channel ready: ${readyMs.toFixed(1)} ms (median of ${READY_SAMPLES})`);
  const roundTrips: BridgeFigure[] = [];
  for (const run of RUNS) {
    const figure = measure(run);
    roundTrips.push(figure);
    console.log(
      `  echo ${figure.payloadBytes.toLocaleString('en')} B, spin ${String(figure.spin)}:` +
        ` p50 ${figure.p50Us.toFixed(1)} µs, p99 ${figure.p99Us.toFixed(1)} µs (${figure.calls} calls)`,
    );
  }
  return { readyMs, roundTrips };
}

async function serveEcho(): Promise<void> {
  const ch = new WorkerChannel();
  for (let req = await ch.next(); req !== null; req = await ch.next()) ch.respond(req, STATUS_OK, req.body);
  ch.close();
}

if (!isMainThread) await serveEcho();
else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  await benchBridge();
