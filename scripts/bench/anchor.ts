/**
 * The C anchor: plain hiredis measured in the same run as our client. Runs the binaries that
 * scripts/bench/build-anchor.sh built from anchor-sync.c and anchor-async.c into dist/anchor/, and parses the
 * JSON line each prints. When they were not built, `cAnchor()` says so once and returns null: the C rows are
 * then left out.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SEED = '127.0.0.1:7000';
const SYNC_BIN = fileURLToPath(new URL('../../anchor/anchor-sync', import.meta.url));
const ASYNC_BIN = fileURLToPath(new URL('../../anchor/anchor-async', import.meta.url));
/** A run is bounded: 2 000 000 commands take a few seconds. */
const RUN_TIMEOUT_MS = 60_000;

/**
 * A sequential run: the calls made (fewer than asked when a run of ours reached its time limit), ops/s,
 * per-call latency percentiles in µs, CPU seconds per 100 000 calls.
 */
export interface SequentialFigures {
  ops: number;
  opsPerSecond: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  cpuSPer100k: number;
}

/** A throughput run (pipelines, or a window of commands in flight): commands completed, ops/s, CPU. */
export interface ThroughputFigures {
  ops: number;
  opsPerSecond: number;
  cpuSPer100k: number;
}

export interface CAnchor {
  /** `total` sequential GETs of `key` (set first to the bench's 16-byte value) on one connection. */
  get(key: string, total: number): SequentialFigures;
  /** Pipelines of 1000 (SET, GET pairs over bench:key:0..999) until `total` commands. */
  pipeline(total: number): ThroughputFigures;
  /** libevent, 1000 in flight (SET, GET pairs over bench:key:0..999) until `total` commands. */
  window(total: number): ThroughputFigures;
}

function run<T>(bin: string, args: string[]): T {
  const out = execFileSync(bin, args, { encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

let announced = false;

export function cAnchor(): CAnchor | null {
  if (!existsSync(SYNC_BIN) || !existsSync(ASYNC_BIN)) {
    if (!announced) console.log('C anchor: not built (see build-anchor.sh above); its rows are left out');
    announced = true;
    return null;
  }
  return {
    get: (key, total) => run(SYNC_BIN, ['get', SEED, String(total), key]),
    pipeline: (total) => run(SYNC_BIN, ['pipeline', SEED, String(total)]),
    window: (total) => run(ASYNC_BIN, [SEED, String(total)]),
  };
}
