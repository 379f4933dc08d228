/**
 * The record of a chaos load: every command's one outcome per face (async context, sync child), the
 * values checked against the key model, failures by message and time, latencies, and what recovery
 * needs (successes since the last failure). Bounded in memory for long runs: failures beyond a cap are
 * counted, latencies go into a histogram.
 */
import type { KeyModel } from './key-model.js';

export type Face = 'async' | 'sync';

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** One failed command. */
export interface Failure {
  face: Face;
  key: number;
  /** A write (`SET key value GET`), else a read (`GET key`). */
  write: boolean;
  /** Issued and failed (epoch ms). */
  start: number;
  end: number;
  /** hiredis' err (1 IO, 3 EOF, 6 TIMEOUT, 100 too many retries, ...); -1 for an error reply. */
  code: number;
  message: string;
}

/** An outcome as the loads report it: a reply value, or a failure. */
export type Result = { ok: true; value: unknown } | { ok: false; code: number; message: string };

/** Latencies in buckets 5% apart from 10 µs: percentiles within 5%, constant memory. */
export class LatencyHistogram {
  private static readonly BASE = 0.01;
  private static readonly RATIO = Math.log(1.05);
  private readonly buckets = new Float64Array(400);
  count = 0;
  max = 0;

  add(ms: number): void {
    const i =
      ms <= LatencyHistogram.BASE
        ? 0
        : Math.ceil(Math.log(ms / LatencyHistogram.BASE) / LatencyHistogram.RATIO);
    this.buckets[Math.min(i, this.buckets.length - 1)]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The latency `p` (0..1) of the commands stay under (the bucket's upper bound). */
  percentile(p: number): number {
    let seen = 0;
    const want = p * this.count;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= want && seen > 0)
        return Math.min(this.max, LatencyHistogram.BASE * Math.exp(i * LatencyHistogram.RATIO));
    }
    return this.max;
  }
}

/** Outcomes per 100 ms from the ledger's start: successes on the fault's keys and on others, failures. */
export class Timeline {
  static readonly BUCKET_MS = 100;
  readonly okAffected: number[] = [];
  readonly okOther: number[] = [];
  readonly failed: number[] = [];

  constructor(readonly origin: number) {}

  add(at: number, ok: boolean, affected: boolean): void {
    const bucket = Math.max(0, Math.floor((at - this.origin) / Timeline.BUCKET_MS));
    const series = ok ? (affected ? this.okAffected : this.okOther) : this.failed;
    while (series.length <= bucket) series.push(0);
    series[bucket]!++;
  }

  /** Sum of `series` over the buckets that lie wholly inside [from, to] (epoch ms). */
  sum(series: readonly number[], from: number, to: number): number {
    let total = 0;
    const first = Math.ceil((from - this.origin) / Timeline.BUCKET_MS);
    const last = Math.floor((to - this.origin) / Timeline.BUCKET_MS) - 1;
    for (let b = Math.max(0, first); b <= last && b < series.length; b++) total += series[b]!;
    return total;
  }
}

/** One face's counters. */
export class FaceRecord {
  ok = 0;
  failed = 0;
  /** Outcomes beyond a command's one: second callbacks, callbacks for a command not in flight. */
  extra = 0;
  /** Commands without an outcome when the load stopped. */
  missing = 0;
  readonly latency = new LatencyHistogram();
  readonly timeline: Timeline;
  readonly byMessage = new Map<string, number>();
  lastFailureAt = Number.NEGATIVE_INFINITY;
  okSinceFailure = 0;
  affectedOkSinceFailure = 0;

  constructor(origin: number) {
    this.timeline = new Timeline(origin);
  }

  get total(): number {
    return this.ok + this.failed;
  }
}

const MAX_FAILURES_KEPT = 20_000;

export class Ledger {
  readonly origin = epochMs();
  readonly faces: Record<Face, FaceRecord> = {
    async: new FaceRecord(this.origin),
    sync: new FaceRecord(this.origin),
  };
  /** The first failures in full (capped); `failureCount` counts them all. */
  readonly failures: Failure[] = [];
  failureCount = 0;
  /** Earliest and latest end of any failure (epoch ms). */
  firstFailureEnd = Number.POSITIVE_INFINITY;
  lastFailureEnd = Number.NEGATIVE_INFINITY;
  /** Problems that are not wrong values: extra or missing outcomes, malformed reports. */
  readonly problems: string[] = [];
  /** Which keys the fault touches (their slots' node); recovery needs successes on them. */
  affected: (key: number) => boolean = () => true;

  constructor(readonly model: KeyModel) {}

  /** Records the one outcome of a write (`SET key value GET`: the old value) or a read (`GET key`). */
  outcome(
    face: Face,
    key: number,
    write: boolean,
    seq: number,
    start: number,
    end: number,
    result: Result,
  ): void {
    const record = this.faces[face];
    const affected = this.affected(key);
    record.latency.add(end - start);
    record.timeline.add(end, result.ok, affected);
    if (result.ok) {
      record.ok++;
      record.okSinceFailure++;
      if (affected) record.affectedOkSinceFailure++;
      if (write) this.model.read(key, result.value, `${face} SET..GET`);
      else this.model.read(key, result.value, `${face} GET`, end);
      if (write) this.model.written(key, seq, true, end);
      return;
    }
    if (write) this.model.written(key, seq, false, end);
    record.failed++;
    record.okSinceFailure = 0;
    record.affectedOkSinceFailure = 0;
    record.lastFailureAt = end;
    record.byMessage.set(result.message, (record.byMessage.get(result.message) ?? 0) + 1);
    this.failureCount++;
    if (end < this.firstFailureEnd) this.firstFailureEnd = end;
    if (end > this.lastFailureEnd) this.lastFailureEnd = end;
    if (this.failures.length < MAX_FAILURES_KEPT) {
      this.failures.push({ face, key, write, start, end, code: result.code, message: result.message });
    }
  }

  /** An outcome for a command that already had one, or was never issued. */
  extra(face: Face, what: string): void {
    this.faces[face].extra++;
    this.problem(`${face}: ${what}`);
  }

  /** Commands that never got an outcome. */
  missing(face: Face, count: number, what: string): void {
    this.faces[face].missing += count;
    this.problem(`${face}: ${count} commands without an outcome (${what})`);
  }

  problem(text: string): void {
    if (this.problems.length < 50) this.problems.push(text);
  }
}
