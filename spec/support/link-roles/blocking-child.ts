/**
 * The parent's handle on blocking-scripts/link-roles-child.js: spawns it, hands it a seed's blocking-face
 * ops, and reads back their outcomes; every wait is bounded and a child that misbehaves fails the spec
 * with what it printed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BlockingOptions } from '../../../lib/blocking/blocking-context.js';
import { stopChild } from '../child-stop.js';
import type { Op } from './plan.js';
import type { OpOutcome } from './run-op.js';

const SCRIPT = fileURLToPath(new URL('../blocking-scripts/link-roles-child.js', import.meta.url));

export class BlockingChild {
  private readonly child: ChildProcess;
  private buffer = '';
  private stderr = '';
  private waiting: ((line: string) => void) | null = null;
  private readonly lines: string[] = [];
  private readonly exited: Promise<number | null>;

  constructor(options: BlockingOptions, tags: readonly string[]) {
    this.child = spawn(process.execPath, [SCRIPT, JSON.stringify({ options, tags })], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
    });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      const lines = (this.buffer + text).split('\n');
      this.buffer = lines.pop()!;
      for (const line of lines) {
        const waiting = this.waiting;
        this.waiting = null;
        if (waiting !== null) waiting(line);
        else this.lines.push(line);
      }
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves once the child has its slot map. */
  async ready(timeoutMs = 10_000): Promise<void> {
    const line = await this.nextLine(timeoutMs);
    if (line !== '"ready"') throw new Error(`blocking child: ${line}\n${this.stderr}`);
  }

  /** Runs `ops` on the blocking face, one after the other; their outcomes by op id. */
  async run(seed: number, ops: readonly Op[], timeoutMs: number): Promise<Map<number, OpOutcome>> {
    this.child.stdin!.write(`${JSON.stringify({ seed, ops })}\n`);
    const answer = JSON.parse(await this.nextLine(timeoutMs)) as {
      seed: number;
      outcomes: [number, OpOutcome][];
    };
    if (answer.seed !== seed) throw new Error(`blocking child answered seed ${answer.seed} for ${seed}`);
    const outcomes = new Map<number, OpOutcome>();
    for (const [id, outcome] of answer.outcomes) {
      if (outcomes.has(id)) throw new Error(`blocking child: seed ${seed} op ${id} has two outcomes`);
      outcomes.set(id, outcome);
    }
    return outcomes;
  }

  /** Asks the child to close its context and exit; fails when it does not, cleanly, in time. */
  async stop(timeoutMs = 10_000): Promise<void> {
    const code = await stopChild(this.child, this.exited, timeoutMs);
    if (code !== 0) throw new Error(`blocking child exit: ${code}\n${this.stderr}`);
  }

  private nextLine(timeoutMs: number): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        reject(new Error(`blocking child silent for ${timeoutMs} ms\n${this.stderr}`));
      }, timeoutMs);
      this.waiting = (text) => {
        clearTimeout(timer);
        resolve(text);
      };
    });
  }
}
