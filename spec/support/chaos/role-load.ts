/**
 * The links-with-roles chaos load, both faces at once: lanes of transactions, WATCH sessions and blocking
 * pops on an AsyncClusterContext here (one op at a time per lane, each lane its own keys), and the same ops
 * one after the other from a BlockingClusterContext in a child process (role-child.ts). Every op's one
 * outcome goes into `records`; an op without one within LANE_BOUND_MS, a second outcome for one command
 * (EngineProbe), or a child line out of order is a problem.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AsyncClusterContext } from '../../../lib/async-context.js';
import type { BlockingOptions } from '../../../lib/blocking/blocking-context.js';
import type { ClusterOptions } from '../../../lib/options.js';
import { sleep } from '../async-helpers.js';
import { stopChild } from '../child-stop.js';
import { EngineProbe } from '../link-roles/engine-probe.js';
import { tagKeys } from '../link-roles/plan.js';
import { asyncDriver } from '../link-roles/run-op.js';
import { CHAOS_SEEDS } from './chaos-cluster.js';
import { CALL_TIMEOUT_MS, CHAOS_CLIENT, PAUSE_AFTER_FAILURE_MS } from './client-settings.js';
import { epochMs } from './ledger.js';
import { type RoleKind, type RoleRecord, roleOp, roleOutcome } from './role-ops.js';

const CHILD = fileURLToPath(new URL('./role-child.js', import.meta.url));
/** Bound on one op's outcome (the longest: a pop's wait, its deadline, retries with backoff). */
const LANE_BOUND_MS = 10_000;
/** The async context's dedicated links per node: more than its lanes on one node use at once. */
const MAX_DEDICATED = 32;

export interface RoleLanes {
  /** Async lanes per kind, each on tags of its own. */
  async: Record<RoleKind, string[]>;
  /** The child's tags (its ops go round them). */
  child: string[];
}

export class RoleLoad {
  readonly records: RoleRecord[] = [];
  readonly problems: string[] = [];
  readonly acc: AsyncClusterContext;
  readonly probe: EngineProbe;
  private stopping = false;
  private lanes: Promise<void>[] = [];
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  private buffer = '';
  private stderr = '';
  private childSeq = 0;
  private childDone: number | null = null;
  private onReady: (() => void) | null = null;

  constructor(private readonly tags: RoleLanes) {
    const options = { nodes: CHAOS_SEEDS, ...CHAOS_CLIENT, maxDedicatedLinks: MAX_DEDICATED };
    this.acc = new AsyncClusterContext(options as ClusterOptions);
    this.probe = new EngineProbe(this.acc, MAX_DEDICATED);
  }

  /** Connects, starts the child, then every lane. */
  async start(): Promise<void> {
    await this.acc.connect();
    await this.startChild();
    const face = asyncDriver(this.acc);
    for (const kind of ['tx', 'pop', 'watch'] as const) {
      for (const tag of this.tags.async[kind]) this.lanes.push(this.lane(face, kind, tag));
    }
  }

  /** Stops every lane after its op in flight, and the child; then checks the outcomes are all there. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.lanes);
    await this.stopChild();
    if (this.probe.duplicates > 0)
      this.problems.push(`${this.probe.duplicates} commands with a second outcome`);
    if (this.acc.pendingCount !== 0)
      this.problems.push(`async pendingCount ${this.acc.pendingCount} at the end`);
  }

  close(): void {
    this.stopping = true;
    this.child?.kill('SIGKILL');
    this.acc.free();
  }

  private async lane(face: ReturnType<typeof asyncDriver>, kind: RoleKind, tag: string): Promise<void> {
    const keys = tagKeys(tag);
    for (let n = 0; !this.stopping; n++) {
      const start = epochMs();
      let timer: NodeJS.Timeout | undefined;
      const message = await Promise.race([
        roleOutcome(() => roleOp(face, kind, keys, n, sleep)),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), LANE_BOUND_MS);
        }),
      ]);
      clearTimeout(timer);
      if (message === null) {
        this.problems.push(`async ${kind} on ${tag}: no outcome within ${LANE_BOUND_MS} ms`);
        return;
      }
      this.records.push({ face: 'async', kind, start, end: epochMs(), message });
      if (message !== '') await sleep(PAUSE_AFTER_FAILURE_MS);
    }
  }

  private startChild(): Promise<void> {
    const options = { nodes: CHAOS_SEEDS, ...CHAOS_CLIENT, callTimeout: CALL_TIMEOUT_MS } as BlockingOptions;
    const child = spawn(process.execPath, [
      CHILD,
      JSON.stringify({ options, tags: this.tags.child, maxMs: 120_000 }),
    ]);
    this.child = child;
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
    });
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      const lines = (this.buffer + text).split('\n');
      this.buffer = lines.pop()!;
      for (const line of lines) this.childLine(line);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`role child not ready: ${this.stderr}`)), 10_000);
      this.onReady = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private childLine(line: string): void {
    const parsed = JSON.parse(line) as
      | 'ready'
      | { done: number }
      | [number, RoleKind, number, number, string];
    if (parsed === 'ready') this.onReady?.();
    else if (!Array.isArray(parsed)) this.childDone = parsed.done;
    else {
      const [seq, kind, start, end, message] = parsed;
      if (seq !== this.childSeq)
        this.problems.push(`child: outcome of op ${seq} where op ${this.childSeq} was due`);
      this.childSeq = seq + 1;
      this.records.push({ face: 'blocking', kind, start, end, message });
    }
  }

  private async stopChild(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    const code = await stopChild(child, this.exited, LANE_BOUND_MS);
    this.child = null;
    if (code !== 0) this.problems.push(`child: exit ${code}: ${this.stderr.trim()}`);
    else if (this.childDone !== this.childSeq)
      this.problems.push(`child: issued ${this.childDone} ops, reported ${this.childSeq}`);
  }
}
