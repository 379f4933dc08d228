/**
 * The test thread's end of the worker that hosts every MockCluster of the process. One worker serves
 * them all, so a cluster starts without paying for a thread and for loading ioredis-mock each time.
 * Idle, the worker does not keep the process alive (a test that forgets `stop()` still exits); while a
 * request is outstanding it does.
 */
import { Worker } from 'node:worker_threads';
import type { ControlOps, ControlRequest, ControlResponse, MockSnapshot } from './control-protocol.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** Receives the cluster's topology after the operation. */
  snapshot(snapshot: MockSnapshot): void;
}

let shared: MockChannel | null = null;

export class MockChannel {
  private readonly worker = new Worker(new URL('./mock-worker.js', import.meta.url));
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private broken: string | null = null;

  private constructor() {
    this.worker.on('message', (response: ControlResponse) => this.settle(response));
    this.worker.on('error', (err) => this.fail(`MockCluster worker failed: ${err.message}`));
    this.worker.on('exit', (code) => this.fail(`MockCluster worker exited with code ${code}`));
    this.worker.unref();
  }

  /** The channel every cluster uses; a new worker after the previous one died. */
  static get(): MockChannel {
    if (shared === null || shared.broken !== null) shared = new MockChannel();
    return shared;
  }

  /** Runs `op` on cluster `cluster` in the worker; `snapshot` receives the topology afterwards. */
  call(
    cluster: number,
    op: keyof ControlOps,
    args: readonly unknown[],
    snapshot: (snapshot: MockSnapshot) => void,
  ): Promise<unknown> {
    if (this.broken !== null) return Promise.reject(new Error(this.broken));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject, snapshot });
      const request: ControlRequest = { id, cluster, op, args };
      this.worker.postMessage(request);
    });
  }

  private settle(response: ControlResponse): void {
    const pending = this.pending.get(response.id);
    if (pending === undefined) return;
    this.pending.delete(response.id);
    if (this.pending.size === 0) this.worker.unref();
    pending.snapshot(response.snapshot);
    if (response.ok) pending.resolve(response.result);
    else pending.reject(new Error(`MockCluster: ${response.message}`));
  }

  private fail(message: string): void {
    this.broken ??= message;
    for (const pending of this.pending.values()) pending.reject(new Error(message));
    this.pending.clear();
  }
}
