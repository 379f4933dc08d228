/**
 * Tracing micro-benchmark: ns per command for the async face's tracing hooks alone (the hasSubscribers
 * gate, the TracedCall check at completion, and with a subscriber the whole start/end/asyncStart/asyncEnd
 * sequence) against a baseline loop without them. Each mode runs in its own process: subscribing swaps a
 * channel's prototype in Node, and toggling it in one process would deoptimize every mode's loop.
 *
 *   npm run build && node dist/scripts/bench/tracing.js
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from '../../lib/engine/command.js';
import {
  commandChannel,
  commandTrace,
  endCall,
  settleCall,
  startCall,
  TracedCall,
} from '../../lib/face/tracing.js';

const N = 1_000_000;
const RUNS = 7;
const MODES = ['baseline', 'no subscriber', 'subscriber'] as const;
type Mode = (typeof MODES)[number];

const argv = ['GET', 'user:1'];
const cmd = {
  node: '127.0.0.1:7001',
  budget: { retries: 0 },
  redirects: 0,
  slot: 1234,
  privdata: null as unknown,
};
let sink = 0;
const submit = (a: readonly string[], p: unknown) => {
  sink += a.length + (p === null ? 0 : 1);
  return null;
};

function baseline(): void {
  for (let i = 0; i < N; i++) {
    submit(argv, null);
    sink += cmd.privdata === null ? 1 : 0;
  }
}

/** As the async face: the gate at submit, the TracedCall check at completion. */
function hooked(): void {
  for (let i = 0; i < N; i++) {
    if (!commandChannel.hasSubscribers) submit(argv, null);
    else {
      const call = startCall(commandTrace('async', argv, null, 1234), null);
      endCall(call, submit(argv, call));
      cmd.privdata = call;
    }
    const traced = cmd.privdata instanceof TracedCall ? cmd.privdata : null;
    if (traced !== null) {
      settleCall(traced, cmd as unknown as Command, 'v', null);
      commandChannel.asyncEnd.publish(traced.context);
    }
    sink += traced === null ? 1 : 0;
    cmd.privdata = null;
  }
}

function run(mode: Mode): number {
  if (mode === 'subscriber') {
    const noop = () => {};
    commandChannel.subscribe({ start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop });
  }
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    if (mode === 'baseline') baseline();
    else hooked();
    times.push(Number(process.hrtime.bigint() - t0) / N);
  }
  times.shift();
  return times.sort((a, b) => a - b)[times.length >> 1]!;
}

const mode = process.argv[2] as Mode | undefined;
if (mode !== undefined) {
  console.log(run(mode));
  if (sink < 0) console.log(sink);
} else {
  const self = fileURLToPath(import.meta.url);
  const results = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  for (let round = 0; round < 3; round++)
    for (const m of MODES)
      results.get(m)!.push(Number(execFileSync(process.execPath, [self, m], { encoding: 'utf8' })));
  for (const [m, ns] of results) {
    const median = ns.sort((a, b) => a - b)[1]!;
    console.log(`${m.padEnd(14)} ${median.toFixed(1)} ns/command (median of 3 processes)`);
  }
}
