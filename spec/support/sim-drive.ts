/**
 * Runs a simulated network with the promise callbacks between its steps: settle() in fixed steps until a
 * promise settles, drive() from one timer to the next until a condition holds.
 */
import type { SimNetwork } from './sim-network.js';

/** `promise`'s outcome once the network has run far enough (virtual time, `stepMs` a step). */
export async function settle<T>(
  net: SimNetwork,
  promise: Promise<T>,
  stepMs = 5,
  maxSteps = 2000,
): Promise<T> {
  let settled = false;
  const done = () => {
    settled = true;
  };
  promise.then(done, done);
  for (let step = 0; step < maxSteps && !settled; step++) {
    await new Promise((resolve) => setImmediate(resolve));
    net.loop.advance(stepMs);
  }
  if (!settled) throw new Error(`still pending after ${maxSteps * stepMs} ms of virtual time`);
  return promise;
}

/** Loop steps one drive may take: a bound on a loop that would never settle. */
const MAX_STEPS = 100_000;

/** Lets promise callbacks run. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs the network's loop, timer by timer, until `done()` (true) or until nothing is left to run within
 * `limitMs` of virtual time (whatever `done()` says then).
 */
export async function drive(net: SimNetwork, done: () => boolean, limitMs = 60_000): Promise<boolean> {
  const loop = net.loop;
  const end = loop.now() + limitMs;
  for (let steps = 0; steps < MAX_STEPS; steps++) {
    loop.run();
    await turn();
    if (done()) return true;
    if (loop.queued > 0) continue;
    const next = loop.nextTimerAt;
    if (next === undefined || next > end) return done();
    loop.advance(next - loop.now());
  }
  throw new Error(`the loop never settled in ${MAX_STEPS} steps`);
}
