/**
 * Runs one of the package's CLIs (`node dist/lib/cli/<file>.js`, found through package.json's `bin`)
 * as a child process: stdin written by the spec, stdout and stderr collected, the exit awaited — all
 * bounded in time, so a CLI that hangs fails the spec with what it printed so far instead of stalling it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The bins of package.json. */
export type CliName = 'clusterclient' | 'clusterclient_async' | 'clusterclient_reconnect_async';

export interface CliResult {
  /** The exit code; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to stdin at once; stdin is then closed unless `keepStdinOpen`. */
  stdin?: string;
  keepStdinOpen?: boolean;
  /** The process is killed (and `exited` rejects) after this long. Default 10 s. */
  timeoutMs?: number;
}

/** The repository root, from dist/spec/support/. */
const ROOT = new URL('../../../', import.meta.url);

/** The script a package bin points at. */
export function binPath(name: CliName): string {
  const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
    bin: Record<string, string>;
  };
  const target = pkg.bin[name];
  if (target === undefined) throw new Error(`package.json has no bin named ${name}`);
  return fileURLToPath(new URL(target, ROOT));
}

/** One running CLI. */
export class CliRun {
  stdout = '';
  stderr = '';
  /** Resolves at exit; rejects when the time bound passes first (the process is then killed). */
  readonly exited: Promise<CliResult>;
  private readonly child: ChildProcess;
  private readonly watchers: { text: string; resolve: () => void }[] = [];
  private done = false;

  constructor(
    readonly name: CliName,
    args: readonly string[],
    options: CliOptions = {},
  ) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.child = spawn(process.execPath, [binPath(name), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stderr!.setEncoding('utf8');
    this.child.stdout!.on('data', (text: string) => {
      this.stdout += text;
      for (const w of [...this.watchers]) {
        if (this.stdout.includes(w.text)) {
          this.watchers.splice(this.watchers.indexOf(w), 1);
          w.resolve();
        }
      }
    });
    this.child.stderr!.on('data', (text: string) => {
      this.stderr += text;
    });
    // A CLI that exits before reading all its input closes the pipe: not the spec's concern.
    this.child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`${name} did not exit within ${timeoutMs} ms; ${this.describe()}`));
      }, timeoutMs);
      this.child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.done = true;
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
    // Specs that fail elsewhere may never await the exit; the rejection still must not go unhandled.
    this.exited.catch(() => {});
    if (options.stdin !== undefined) this.write(options.stdin);
    if (!options.keepStdinOpen) this.endInput();
  }

  /** Appends to stdin. */
  write(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Closes stdin: the CLI sees EOF once it has read everything. */
  endInput(): void {
    this.child.stdin!.end();
  }

  /** Resolves once stdout contains `text` (bounded). */
  waitForOutput(text: string, timeoutMs = 5000): Promise<void> {
    if (this.stdout.includes(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.watchers.indexOf(watcher);
        if (i >= 0) this.watchers.splice(i, 1);
        reject(
          new Error(
            `${this.name} did not print ${JSON.stringify(text)} within ${timeoutMs} ms; ${this.describe()}`,
          ),
        );
      }, timeoutMs);
      const watcher = {
        text,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.watchers.push(watcher);
    });
  }

  /**
   * Stops the process (SIGSTOP) and resolves once Linux shows it stopped, so that what the spec does
   * next (a node's reply and close) is all waiting in its sockets when it continues. Bounded.
   */
  async stop(timeoutMs = 2000): Promise<void> {
    this.child.kill('SIGSTOP');
    const deadline = performance.now() + timeoutMs;
    while (processState(this.child.pid!) !== 'T') {
      if (performance.now() > deadline) throw new Error(`${this.name} did not stop within ${timeoutMs} ms`);
      await sleep(1);
    }
  }

  /** Continues a stopped process (SIGCONT). */
  continue(): void {
    this.child.kill('SIGCONT');
  }

  /** Kills the process if it still runs (spec clean-up). */
  kill(): void {
    if (!this.done) this.child.kill('SIGKILL');
  }

  /** What it printed so far, for failure messages. */
  describe(): string {
    return `stdout so far: ${JSON.stringify(this.stdout)}, stderr: ${JSON.stringify(this.stderr)}`;
  }
}

/** The state letter of /proc/<pid>/stat (R, S, T, ...), or '' once the process is gone. */
function processState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces: the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return '';
  }
}

/** Something that can tell whether the scripted nodes saw exactly the expected conversation. */
export interface Script {
  done(options?: { quietMs?: number; timeoutMs?: number }): Promise<void>;
}

/**
 * Waits for the CLI to exit and for the script to be complete, then once more for a quiet period after
 * the exit, so nothing unexpected came late. A script mismatch fails at once (naming the step), without
 * waiting for the CLI, which may be stuck waiting for a reply that will never come.
 */
export async function finish(cli: CliRun, script: Script): Promise<CliResult> {
  const scripted = script.done();
  scripted.catch(() => {});
  let result: CliResult;
  try {
    result = await Promise.race([cli.exited, scripted.then(() => cli.exited)]);
    await scripted;
    await script.done();
  } catch (err) {
    throw new Error(`${(err as Error).message}\n  ${cli.describe()}`);
  }
  return result;
}
