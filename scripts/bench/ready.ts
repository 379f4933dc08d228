/**
 * Time until a new blocking context answers: from `new BlockingClusterContext({ nodes })` to the first reply
 * of a GET (connect() included), next to what no context can beat, a bare worker thread's start (a `new
 * Worker` whose script only stores and notifies a word that the main thread awaits in Atomics.wait). Samples
 * of both alternate; the context may take 10 ms more than the bare thread.
 */
import { Worker } from 'node:worker_threads';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { median, report } from './report.js';

const SEEDS = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
const SAMPLES = 10;
/** The context may take this much longer than a bare worker thread to start (issue #15). */
const READY_MARGIN_MS = 10;
const WAIT_LIMIT_MS = 10_000;
const BARE_SCRIPT =
  "const w = new Int32Array(require('node:worker_threads').workerData); Atomics.store(w, 0, 1); Atomics.notify(w, 0);";

function contextReady(): number {
  const start = performance.now();
  const cc = new BlockingClusterContext({ nodes: SEEDS });
  try {
    cc.connect();
    cc.commandArgv(['GET', 'bench:sync:get']);
    return performance.now() - start;
  } finally {
    cc.close();
  }
}

async function bareWorker(): Promise<number> {
  const word = new SharedArrayBuffer(4);
  const w = new Int32Array(word);
  const start = performance.now();
  const worker = new Worker(BARE_SCRIPT, { eval: true, workerData: word });
  if (Atomics.wait(w, 0, 0, WAIT_LIMIT_MS) === 'timed-out')
    throw new Error('bench: bare worker never started');
  const ms = performance.now() - start;
  await worker.terminate();
  return ms;
}

export async function benchReady(): Promise<void> {
  const ready: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    ready.push(contextReady());
    bare.push(await bareWorker());
  }
  const readyMs = median(ready);
  const bareMs = median(bare);
  // Lower is better here, so the budget stands on the left: the ratio is budget / time taken.
  report(
    `sync, a bare worker's start + ${READY_MARGIN_MS} ms vs new context to first GET reply (median of ${SAMPLES})`,
    'ms',
    bareMs + READY_MARGIN_MS,
    'taken',
    readyMs,
    1,
  );
  console.log(
    `  bare worker thread start ${bareMs.toFixed(1)} ms; context beyond it ${(readyMs - bareMs).toFixed(1)} ms` +
      ` (medians of ${SAMPLES})`,
  );
  console.log(`  new context to first GET reply (ms): ${ready.map((ms) => ms.toFixed(1)).join(', ')}`);
  console.log(`  bare worker thread start (ms): ${bare.map((ms) => ms.toFixed(1)).join(', ')}`);
}
