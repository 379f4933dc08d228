/** Runs a simulated network, and the promise callbacks between its steps, until a promise settles. */
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
