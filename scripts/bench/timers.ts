/**
 * Timer benchmark: 1 000 000 timeouts started and stopped, the life of almost every command timeout,
 * on Node's own timers (setTimeout / clearTimeout) and on the TimerWheel adapter over Node's loop.
 * Two patterns: one timeout at a time (start, stop), and a window of 1000 live timeouts (start one,
 * stop the oldest) as with 1000 commands in flight. The wheel is measured as the engine uses it
 * (reused handles: start/stop) and through the adapter's setTimer/clearTimer (a new handle each).
 * The median of 5 rounds; no network, no cluster.
 */
import { NodeAdapter } from '../../adapters/node.js';
import { TimerWheel } from '../../adapters/timer-wheel.js';
import { median, report } from './report.js';

const TIMEOUTS = 1_000_000;
const IN_FLIGHT = 1000;
const TIMEOUT_MS = 1000;
const ROUNDS = 5;

const noop = () => {};

/** Timeouts started and stopped per second by `run` (which does TIMEOUTS of them). */
function rate(run: () => void): number {
  const start = performance.now();
  run();
  return TIMEOUTS / ((performance.now() - start) / 1000);
}

function nodeOneAtATime(): void {
  for (let i = 0; i < TIMEOUTS; i++) clearTimeout(setTimeout(noop, TIMEOUT_MS));
}

function nodeWindow(): void {
  const live: NodeJS.Timeout[] = new Array(IN_FLIGHT);
  for (let i = 0; i < IN_FLIGHT; i++) live[i] = setTimeout(noop, TIMEOUT_MS);
  for (let i = 0; i < TIMEOUTS; i++) {
    const slot = i % IN_FLIGHT;
    clearTimeout(live[slot]);
    live[slot] = setTimeout(noop, TIMEOUT_MS);
  }
  for (const t of live) clearTimeout(t);
}

function wheelOneAtATime(wheel: TimerWheel): () => void {
  const timer = wheel.createTimer(noop);
  return () => {
    for (let i = 0; i < TIMEOUTS; i++) {
      timer.start(TIMEOUT_MS);
      timer.stop();
    }
  };
}

function wheelWindow(wheel: TimerWheel): () => void {
  const live = Array.from({ length: IN_FLIGHT }, () => wheel.createTimer(noop));
  return () => {
    for (const t of live) t.start(TIMEOUT_MS);
    for (let i = 0; i < TIMEOUTS; i++) {
      const timer = live[i % IN_FLIGHT]!;
      timer.stop();
      timer.start(TIMEOUT_MS);
    }
    for (const t of live) t.stop();
  };
}

function wheelAdapter(wheel: TimerWheel): () => void {
  return () => {
    for (let i = 0; i < TIMEOUTS; i++) wheel.clearTimer(wheel.setTimer(TIMEOUT_MS, noop));
  };
}

/** Lets Node's loop run (and drop cleared timers) between measurements. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function benchTimers(): Promise<void> {
  const wheel = new TimerWheel(new NodeAdapter());
  const cases = {
    nodeOne: nodeOneAtATime,
    nodeWindow,
    wheelOne: wheelOneAtATime(wheel),
    wheelWindow: wheelWindow(wheel),
    wheelAdapter: wheelAdapter(wheel),
  };
  const results: Record<keyof typeof cases, number[]> = {
    nodeOne: [],
    nodeWindow: [],
    wheelOne: [],
    wheelWindow: [],
    wheelAdapter: [],
  };
  for (const run of Object.values(cases)) run(); // warm-up
  await turn();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(cases) as [keyof typeof cases, () => void][]) {
      results[name].push(rate(run));
      await turn();
    }
  }
  const m = (name: keyof typeof cases) => median(results[name]);
  const unit = 'timeouts/s';
  const node = 'setTimeout/clearTimeout';
  report('1M timeouts, one at a time: wheel handle start/stop', unit, m('wheelOne'), node, m('nodeOne'), 5);
  report('1M timeouts, 1000 live: wheel handle start/stop', unit, m('wheelWindow'), node, m('nodeWindow'), 3);
  report(
    '1M timeouts, one at a time: wheel setTimer/clearTimer',
    unit,
    m('wheelAdapter'),
    node,
    m('nodeOne'),
    3,
  );
  if (wheel.activeTimers !== 0) throw new Error(`the wheel still has ${wheel.activeTimers} active timers`);
}

console.log(`timer benchmark, node ${process.version}, median of ${ROUNDS} rounds`);
await benchTimers();
