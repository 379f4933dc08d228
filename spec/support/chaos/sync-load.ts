/**
 * The parent side of the sync load: spawns sync-load-child.js, reads its JSON lines into the ledger (the
 * same checks as the async load), and checks that every call reported exactly one outcome, in order, and
 * that no call blocked longer than its deadline allows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../child-stop.js';
import type { Ledger } from './ledger.js';
import type { SyncChildConfig } from './sync-load-child.js';

const CHILD = fileURLToPath(new URL('./sync-load-child.js', import.meta.url));
/** Bound on the child's start (worker thread, first slot map) and on its exit after `stop`. */
const START_MS = 10_000;

type Line = [number, number, boolean, number, number, boolean, unknown];

/** The owners (addresses, '' for none) a context had for watched slots from `at` (epoch ms) on. */
export interface OwnerView {
  owners: string[];
  at: number;
}

export class SyncLoad {
  private child: ChildProcess | null = null;
  private buffer = '';
  private next = 0;
  private done: number | null = null;
  private stderr = '';
  private exited: Promise<number | null> = Promise.resolve(null);
  private onReady: (() => void) | null = null;
  /** The longest call, ms. */
  maxCallMs = 0;
  /** Slot-map updates the child's context made (succeeded, failed), from its last line. */
  updates = 0;
  updateErrors = 0;
  /** The child's owners of its watched slots (config.watchSlots), each time they changed. */
  readonly ownerViews: OwnerView[] = [];

  constructor(
    private readonly ledger: Ledger,
    /** The model's key indexes of the child's keys: child key i is `keys[i]`. */
    private readonly keys: readonly number[],
    private readonly config: SyncChildConfig,
  ) {}

  /** The child's process id while it runs. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Spawns the child; resolves once it has its slot map. */
  start(): Promise<void> {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(this.config)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    // 'close', not 'exit': by then stdout is read to its end, the child's last line included.
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
    });
    child.stdout!.setEncoding('utf8').on('data', (text: string) => this.read(text));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sync child not ready: ${this.stderr}`)), START_MS);
      this.onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sync child exited (${code}) before it was ready: ${this.stderr}`));
      });
    });
  }

  /** Asks the child to stop after its current call and waits for it (bounded by `timeoutMs`). */
  async stop(timeoutMs: number): Promise<void> {
    const child = this.child;
    if (child === null) return;
    const code = await stopChild(child, this.exited, timeoutMs);
    if (code === 'timeout') {
      this.ledger.problem(`sync: the child did not stop within ${timeoutMs} ms`);
    } else if (code !== 0) this.ledger.problem(`sync: the child exited with ${code}: ${this.stderr.trim()}`);
    if (this.done === null) this.ledger.problem('sync: the child did not report its total');
    else if (this.done !== this.next) {
      this.ledger.missing(
        'sync',
        this.done - this.next,
        `the child issued ${this.done}, reported ${this.next}`,
      );
    }
    this.child = null;
  }

  private read(text: string): void {
    const lines = (this.buffer + text).split('\n');
    this.buffer = lines.pop()!;
    for (const line of lines) this.line(line);
  }

  private line(text: string): void {
    let parsed: Line | 'ready' | OwnerView | { done: number; updates: number; updateErrors: number };
    try {
      parsed = JSON.parse(text);
    } catch {
      this.ledger.problem(`sync: a line that is not JSON: ${text.slice(0, 200)}`);
      return;
    }
    if (parsed === 'ready') {
      this.onReady?.();
      return;
    }
    if (!Array.isArray(parsed) && 'owners' in parsed) {
      this.ownerViews.push(parsed);
      return;
    }
    if (!Array.isArray(parsed)) {
      this.done = parsed.done;
      this.updates = parsed.updates;
      this.updateErrors = parsed.updateErrors;
      return;
    }
    const [seq, key, write, start, end, ok, payload] = parsed;
    if (seq !== this.next) {
      this.ledger.extra('sync', `outcome for call ${seq} where call ${this.next} was due`);
      this.next = seq;
    }
    this.next++;
    this.maxCallMs = Math.max(this.maxCallMs, end - start);
    const model = this.keys[key]!;
    if (ok) this.ledger.outcome('sync', model, write, seq, start, end, { ok: true, value: payload });
    else {
      const [code, message] = payload as [number, string];
      this.ledger.outcome('sync', model, write, seq, start, end, { ok: false, code, message });
    }
  }
}
