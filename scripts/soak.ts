/**
 * `npm run soak -- --minutes N [--fault-every S]`: a long mixed load on the chaos cluster (started fresh,
 * held under the chaos lock): the async context with 1000 commands in flight and a sync loop in a child
 * process, checked as in the chaos specs (one outcome per command, every value its key's, every
 * acknowledged write read back), with a manual failover or a slot migration every S seconds (default 20).
 * Every 10 s it prints throughput, failures and memory; at the end a summary. Exit status 1 when:
 *
 * - a command failed outside a fault window (a fault's run plus 5 s), or any value or outcome was wrong;
 * - memory grew after warm-up: over the second half of the run, the least-squares line through the
 *   samples rises more than 8 MB for the heap after a full GC (run with --expose-gc, as `npm run soak`
 *   does), or more than 32 MB for the RSS of this process or of the sync child;
 * - a fault helper failed.
 */
import { readFileSync } from 'node:fs';
import { ChaosCluster } from '../spec/support/chaos/chaos-cluster.js';
import { epochMs } from '../spec/support/chaos/ledger.js';
import { MixedLoad } from '../spec/support/chaos/mixed-load.js';

/** Failures within this long after a fault's end still count as the fault's. */
const FAULT_GRACE_MS = 5000;
const REPORT_EVERY_MS = 10_000;
/** Growth allowed over the second half (fitted line), MB. */
const HEAP_GROWTH_MB = 8;
const RSS_GROWTH_MB = 32;
/** Slots one migration moves. */
const MIGRATED_SLOTS = 100;

interface Sample {
  at: number;
  rss: number;
  heap: number;
  childRss: number;
}

interface FaultWindow {
  label: string;
  start: number;
  end: number;
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`soak: --${name} takes a number > 0, got ${process.argv[at + 1]}`);
    process.exit(2);
  }
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const MB = 1024 * 1024;

/** A process's resident memory from /proc (bytes); 0 when it is gone. */
function rssOf(pid: number | null): number {
  if (pid === null) return 0;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Rise of the least-squares line through `points` from the first to the last x. */
function fittedRise(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? 0 : (sxy / sxx) * (points[n - 1]![0] - points[0]![0]);
}

function rate(count: number, ms: number): string {
  const perSecond = (count * 1000) / ms;
  return perSecond >= 1000 ? `${(perSecond / 1000).toFixed(1)}k/s` : `${perSecond.toFixed(0)}/s`;
}

/** Runs faults in turn until `endAt`: a manual failover, then a migration, each on the next primary. */
async function faults(cluster: ChaosCluster, everyMs: number, endAt: number, windows: FaultWindow[]) {
  for (let i = 0; epochMs() + everyMs < endAt; i++) {
    await sleep(everyMs);
    const primaries = await cluster.primaries();
    const primary = primaries[Math.floor(i / 2) % primaries.length]!;
    const start = epochMs();
    let label: string;
    if (i % 2 === 0) {
      const replica = await cluster.replicaOf(primary.port);
      label = `failover to ${replica}`;
      await cluster.fault('failover', replica);
    } else {
      const to = primaries[(Math.floor(i / 2) + 1) % primaries.length]!;
      label = `${MIGRATED_SLOTS} slots ${primary.port} -> ${to.port}`;
      await cluster.fault('reshard', primary.port, to.port, MIGRATED_SLOTS);
    }
    windows.push({ label, start, end: epochMs() });
    console.log(`        fault: ${label} in ${((epochMs() - start) / 1000).toFixed(1)} s`);
  }
}

async function main(): Promise<number> {
  const minutes = option('minutes', 10);
  const faultEveryMs = option('fault-every', 20) * 1000;
  const durationMs = minutes * 60_000;
  const gc = (globalThis as { gc?: () => void }).gc;
  const cluster = new ChaosCluster();
  console.log(`soak: ${minutes} min on the chaos cluster, a fault every ${faultEveryMs / 1000} s`);
  await cluster.acquire();
  const load = new MixedLoad({ maxMs: durationMs + 120_000 });
  const { ledger, model } = load;
  const windows: FaultWindow[] = [];
  const samples: Sample[] = [];
  const reasons: string[] = [];
  try {
    await load.start();
    const startAt = epochMs();
    const endAt = startAt + durationMs;
    let last = { at: startAt, async: 0, sync: 0, asyncFailed: 0, syncFailed: 0 };
    const report = setInterval(() => {
      const now = epochMs();
      const { async: a, sync: s } = ledger.faces;
      gc?.();
      const memory = process.memoryUsage();
      const sample = { at: now, rss: memory.rss, heap: memory.heapUsed, childRss: rssOf(load.childPid) };
      samples.push(sample);
      const span = now - last.at;
      console.log(
        `  ${String(Math.round((now - startAt) / 1000)).padStart(4)} s  ` +
          `async ${rate(a.total - last.async, span)}  sync ${rate(s.total - last.sync, span)}  ` +
          `failed async ${a.failed - last.asyncFailed} sync ${s.failed - last.syncFailed}  ` +
          `rss ${(sample.rss / MB).toFixed(0)} MB (heap ${(sample.heap / MB).toFixed(1)} MB)  ` +
          `child rss ${(sample.childRss / MB).toFixed(0)} MB`,
      );
      last = { at: now, async: a.total, sync: s.total, asyncFailed: a.failed, syncFailed: s.failed };
    }, REPORT_EVERY_MS);
    try {
      await faults(cluster, faultEveryMs, endAt, windows);
    } catch (err) {
      reasons.push(`a fault helper failed: ${(err as Error).message}`);
    }
    await sleep(Math.max(0, endAt - epochMs()));
    clearInterval(report);
    await load.stop();
    const readback = await load.readBack();

    const { async: a, sync: s } = ledger.faces;
    const inWindow = (at: number) => windows.some((w) => at >= w.start && at <= w.end + FAULT_GRACE_MS);
    const outside = ledger.failures.filter((f) => !inWindow(f.end));
    const unchecked = ledger.failureCount - ledger.failures.length;
    const second = samples.filter((x) => x.at - startAt >= durationMs / 2);
    const rise = (pick: (x: Sample) => number) => fittedRise(second.map((x) => [x.at, pick(x)])) / MB;
    const heapRise = rise((x) => x.heap);
    const rssRise = rise((x) => x.rss);
    const childRise = rise((x) => x.childRss);
    const messages = new Map<string, number>();
    for (const f of ledger.failures) messages.set(f.message, (messages.get(f.message) ?? 0) + 1);

    console.log(
      `soak summary: ${minutes} min; async ${a.total} commands (${rate(a.total, durationMs)}), ` +
        `sync ${s.total} (${rate(s.total, durationMs)}); ${windows.length} faults`,
    );
    console.log(
      `  failures: ${ledger.failureCount} (${outside.length} outside the fault windows)` +
        `${messages.size ? `: ${[...messages].map(([m, n]) => `${m} ${n}`).join(', ')}` : ''}`,
    );
    console.log(
      `  latency async p50 ${a.latency.percentile(0.5).toFixed(1)} ms p99 ${a.latency.percentile(0.99).toFixed(1)} ms ` +
        `max ${a.latency.max.toFixed(0)} ms; sync p50 ${s.latency.percentile(0.5).toFixed(2)} ms ` +
        `p99 ${s.latency.percentile(0.99).toFixed(1)} ms max ${s.latency.max.toFixed(0)} ms`,
    );
    console.log(
      `  readback ${readback} keys; wrong values ${model.violationCount}; problems ${ledger.problems.length}; ` +
        `slot-map updates async ${load.updates.async.ok}+${load.updates.async.failed} failed, ` +
        `sync ${load.updates.sync.ok}+${load.updates.sync.failed} failed`,
    );
    console.log(
      `  memory over the second half (fitted): heap ${heapRise.toFixed(1)} MB${gc ? '' : ' (no --expose-gc)'}, ` +
        `rss ${rssRise.toFixed(1)} MB, child rss ${childRise.toFixed(1)} MB (${second.length} samples)`,
    );
    for (const text of [...ledger.problems, ...model.violations]) console.log(`  ${text}`);
    if (outside.length > 0) {
      const f = outside[0]!;
      reasons.push(`${outside.length} failures outside the fault windows, e.g. ${f.face} ${f.message}`);
    }
    if (unchecked > 0) reasons.push(`${unchecked} failures beyond the ${ledger.failures.length} kept`);
    if (model.violationCount > 0) reasons.push(`${model.violationCount} wrong values`);
    if (ledger.problems.length > 0) reasons.push(`${ledger.problems.length} outcome problems`);
    if (gc !== undefined && heapRise > HEAP_GROWTH_MB) reasons.push(`heap grew ${heapRise.toFixed(1)} MB`);
    if (rssRise > RSS_GROWTH_MB) reasons.push(`rss grew ${rssRise.toFixed(1)} MB`);
    if (childRise > RSS_GROWTH_MB) reasons.push(`the sync child's rss grew ${childRise.toFixed(1)} MB`);
    if (second.length < 2) reasons.push('too short to judge memory (run at least 30 s)');
  } finally {
    await load.close();
    await cluster.release();
  }
  console.log(reasons.length === 0 ? 'soak: PASS' : `soak: FAIL: ${reasons.join('; ')}`);
  return reasons.length === 0 ? 0 : 1;
}

process.exitCode = await main();
