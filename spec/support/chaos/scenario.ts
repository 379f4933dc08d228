/**
 * One chaos scenario on the chaos cluster: a steady load from both faces (an AsyncClusterContext here with
 * 1000 commands in flight, a BlockingClusterContext loop in a child process), warm-up, the fault, then
 * the load goes on until the client has recovered by itself (a quiet period with successes on the keys
 * the fault touched, from both faces) or a bound passes; then the load stops, every key is read back,
 * and the report says what happened, with the recovery time. `expectResilient` asserts the promises.
 */
import { expect } from 'chai';
import { keySlot } from '../../../lib/cluster/keyslot.js';
import { sleep } from '../async-helpers.js';
import { ChaosCluster } from './chaos-cluster.js';
import type { ChaosBounds } from './client-settings.js';
import type { KeyModel } from './key-model.js';
import { epochMs, type Face, type FaceRecord, type Failure, type Ledger } from './ledger.js';
import { MixedLoad, type MixedLoadOptions, type UpdateCount } from './mixed-load.js';

/**
 * A mocha suite on the chaos cluster: started fresh (under the chaos lock) before its specs, stopped
 * after them. The hooks and specs get `timeoutMs` (faults under load take seconds).
 */
export function describeChaos(
  title: string,
  body: (cluster: ChaosCluster) => void,
  timeoutMs = 120_000,
): void {
  describe(title, function () {
    this.timeout(timeoutMs);
    const cluster = new ChaosCluster();
    before(() => cluster.acquire());
    after(() => cluster.release());
    body(cluster);
  });
}

/** What a fault gets to work with. */
export interface FaultContext {
  cluster: ChaosCluster;
  model: KeyModel;
  /** The load under way (its async context, the sync child's views). */
  load: MixedLoad;
  /** Keys whose slot is in `ranges` are the fault's: recovery needs successes on them. Returns the test. */
  affectSlots(ranges: readonly [number, number][]): (key: number) => boolean;
  /**
   * A labelled moment for the report (e.g. "SIGCONT"), now or `at` (epoch ms). The first mark is when the
   * fault hit: recovery is measured from it.
   */
  mark(label: string, at?: number): void;
}

export interface ScenarioOptions {
  name: string;
  cluster: ChaosCluster;
  /** Injects the fault; returns once the cluster has settled again (the helper's own wait). */
  fault(ctx: FaultContext): Promise<void>;
  /** Load before the fault, ms. Default 1000. */
  warmupMs?: number;
  /** Failure-free load the client must show after the fault, ms. Default 1000. */
  steadyMs?: number;
  /** After the fault helper returned, the client must have recovered within this, ms. Default 5000. */
  recoveryLimitMs?: number;
  /** Keys and their slots. */
  load?: MixedLoadOptions;
}

export interface ChaosReport {
  name: string;
  faultStart: number;
  /** When the fault hit (its first mark). */
  hitAt: number;
  faultEnd: number;
  marks: { label: string; at: number }[];
  faces: Record<Face, FaceRecord>;
  failures: Failure[];
  failureCount: number;
  firstFailureEnd: number;
  lastFailureEnd: number;
  /** Every failure's message, both faces. */
  messages: Map<string, number>;
  violations: string[];
  violationCount: number;
  lostWrites: number;
  /** Reads a replica answered with a write already superseded (readFrom). */
  staleReads: number;
  problems: string[];
  recovered: boolean;
  /** From the fault's hit to the end of the last failure (0 without failures). */
  recoveryMs: number;
  recoveryLimitMs: number;
  maxSyncCallMs: number;
  /** The deadlines the run's client settings give each face. */
  bounds: ChaosBounds;
  /** Slot-map updates per face over the whole run (succeeded, failed). */
  updates: Record<Face, UpdateCount>;
  /** The run's length from the load's start to its stop, ms. */
  runMs: number;
  readbackKeys: number;
  affected: (key: number) => boolean;
  keyNames: readonly string[];
  summary: string;
}

/** Runs one scenario; the report says what happened (assert with `expectResilient`). */
export async function runScenario(options: ScenarioOptions): Promise<ChaosReport> {
  const load = new MixedLoad(options.load);
  const { ledger, model, names } = load;
  const marks: { label: string; at: number }[] = [];
  const recoveryLimitMs = options.recoveryLimitMs ?? 5000;
  const steadyMs = options.steadyMs ?? 1000;
  try {
    await load.start();
    await sleep(options.warmupMs ?? 1000);

    const faultStart = epochMs();
    await options.fault({
      cluster: options.cluster,
      model,
      load,
      affectSlots: (ranges) => {
        // Once per key, not per outcome: the ledger asks for every command.
        const flags = names.map((name) => {
          const slot = keySlot(name);
          return ranges.some(([start, end]) => slot >= start && slot <= end);
        });
        const mine = (key: number) => flags[key]!;
        ledger.affected = mine;
        return mine;
      },
      mark: (label, at) => marks.push({ label, at: at ?? epochMs() }),
    });
    const faultEnd = epochMs();

    const recovered = await recovery(ledger, faultEnd, steadyMs, recoveryLimitMs);
    await load.stop();
    const runMs = epochMs() - ledger.origin;
    const readbackKeys = await load.readBack();

    const messages = new Map<string, number>();
    for (const face of ['async', 'sync'] as const) {
      for (const [message, count] of ledger.faces[face].byMessage) {
        messages.set(message, (messages.get(message) ?? 0) + count);
      }
    }
    const hitAt = marks[0]?.at ?? faultStart;
    const report: ChaosReport = {
      name: options.name,
      faultStart,
      hitAt,
      faultEnd,
      marks,
      faces: ledger.faces,
      failures: ledger.failures,
      failureCount: ledger.failureCount,
      firstFailureEnd: ledger.firstFailureEnd,
      lastFailureEnd: ledger.lastFailureEnd,
      messages,
      violations: model.violations,
      violationCount: model.violationCount,
      lostWrites: model.lostWrites,
      staleReads: model.staleReads,
      problems: ledger.problems,
      recovered,
      recoveryMs: ledger.failureCount === 0 ? 0 : ledger.lastFailureEnd - hitAt,
      recoveryLimitMs,
      maxSyncCallMs: load.maxSyncCallMs,
      bounds: load.bounds,
      updates: load.updates,
      runMs,
      readbackKeys,
      affected: ledger.affected,
      keyNames: names,
      summary: '',
    };
    report.summary = summarize(report);
    return report;
  } finally {
    await load.close();
  }
}

/**
 * Waits until the client has shown `steadyMs` without a failure since the fault helper returned, with successes
 * on the fault's keys from both faces; false when that has not happened `limitMs` after `faultEnd`.
 */
async function recovery(
  ledger: Ledger,
  faultEnd: number,
  steadyMs: number,
  limitMs: number,
): Promise<boolean> {
  const { async: a, sync: s } = ledger.faces;
  for (;;) {
    const now = epochMs();
    const quietSince = Math.max(faultEnd, ledger.lastFailureEnd);
    if (now - quietSince >= steadyMs && a.affectedOkSinceFailure > 0 && s.affectedOkSinceFailure > 0) {
      return quietSince <= faultEnd + limitMs;
    }
    if (now > faultEnd + limitMs + steadyMs) return false;
    await sleep(50);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function faceLine(face: Face, record: FaceRecord, extra: string): string {
  const h = record.latency;
  const failures = [...record.byMessage].map(([m, n]) => `${m}: ${n}`).join(', ');
  return (
    `    ${face}: ${record.total} commands, ${record.failed} failed${failures ? ` (${failures})` : ''}; ` +
    `latency p50 ${h.percentile(0.5).toFixed(1)} ms, p99 ${h.percentile(0.99).toFixed(1)} ms, ` +
    `max ${h.max.toFixed(0)} ms${extra}`
  );
}

/** The report as a few lines for the spec output. */
export function summarize(r: ChaosReport): string {
  const marks = r.marks.map((m) => `${m.label} +${seconds(m.at - r.faultStart)}`).join(', ');
  const recovery =
    r.failureCount === 0
      ? 'no command failed'
      : `last failure ${seconds(r.recoveryMs)} after ${r.marks[0]?.label ?? 'the fault began'}, ` +
        `${seconds(r.lastFailureEnd - r.faultEnd)} from when the fault helper returned` +
        `${r.recovered ? '' : ' — NOT RECOVERED'}`;
  return [
    `  chaos ${r.name}: fault took ${seconds(r.faultEnd - r.faultStart)}${marks ? ` (${marks})` : ''}`,
    faceLine('async', r.faces.async, ` (bound ${r.bounds.asyncBoundMs} ms)`),
    faceLine(
      'sync',
      r.faces.sync,
      `; longest call ${r.maxSyncCallMs.toFixed(0)} ms (bound ${r.bounds.syncBoundMs} ms)`,
    ),
    `    recovery: ${recovery}`,
    `    slot-map updates in ${seconds(r.runMs)}: async ${r.updates.async.ok} (+${r.updates.async.failed} failed), ` +
      `sync ${r.updates.sync.ok} (+${r.updates.sync.failed} failed)`,
    `    readback: ${r.readbackKeys} keys; wrong values ${r.violationCount}; writes lost with the killed primary ${r.lostWrites}` +
      (r.staleReads > 0 ? `; stale replica reads ${r.staleReads}` : ''),
    ...r.problems.map((p) => `    problem: ${p}`),
    ...r.violations.map((v) => `    wrong value: ${v}`),
  ].join('\n');
}

export interface Expectations {
  /** Failure messages allowed during the fault (none: every command must succeed). */
  allowed?: readonly string[];
  /** Only the fault's keys may fail. */
  onlyAffectedFail?: boolean;
}

/**
 * DESIGN.md §5 under the fault: every command got exactly one outcome, no value belongs to another
 * command, no call outlived its deadline, failures only during the fault and only the allowed ones, the
 * client recovered by itself, no refresh loop, and every acknowledged write read back.
 */
export function expectResilient(r: ChaosReport, expectations: Expectations = {}): void {
  console.log(r.summary);
  expect(r.problems, 'outcomes and readback').to.deep.equal([]);
  expect(r.violations, 'values').to.deep.equal([]);
  expect(r.faces.async.extra + r.faces.sync.extra, 'outcomes beyond one per command').to.equal(0);
  expect(r.faces.async.missing + r.faces.sync.missing, 'commands without an outcome').to.equal(0);
  expect(r.faces.async.latency.max, 'longest async command (ms)').to.be.at.most(r.bounds.asyncBoundMs);
  expect(r.maxSyncCallMs, 'longest sync call (ms)').to.be.at.most(r.bounds.syncBoundMs);
  // No refresh loop: the async context updates at most about once a second (a few immediate retries
  // after a failed update aside); the sync context's updates follow its failures and MOVED replies.
  const updates = r.updates.async.ok + r.updates.async.failed;
  expect(updates, 'async slot-map updates').to.be.at.most(Math.ceil(r.runMs / 1000) + 10);
  expect(r.faces.async.ok, 'async successes').to.be.greaterThan(0);
  expect(r.faces.sync.ok, 'sync successes').to.be.greaterThan(0);
  const allowed = new Set(expectations.allowed ?? []);
  const unexpected = [...r.messages.keys()].filter((m) => !allowed.has(m));
  expect(unexpected, 'failure messages').to.deep.equal([]);
  if (r.failureCount > 0) {
    expect(r.firstFailureEnd, 'no failure before the fault hit').to.be.at.least(r.hitAt);
    expect(
      r.lastFailureEnd - r.faultEnd,
      'failures end soon after the fault helper returned (ms)',
    ).to.be.at.most(r.recoveryLimitMs);
  }
  if (expectations.onlyAffectedFail) {
    const others = r.failures
      .filter((f) => !r.affected(f.key))
      .map((f) => `${r.keyNames[f.key]}: ${f.message}`);
    expect(others.slice(0, 5), 'failures on keys the fault did not touch').to.deep.equal([]);
  }
  expect(r.recovered, 'recovered by itself').to.equal(true);
}
