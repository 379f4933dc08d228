/**
 * The worker thread's clock: `performance.now()` would load perf_hooks and its ten modules in a new worker
 * thread, ~1 ms of every blocking context's start-up; `process.hrtime()` reads the same monotonic clock.
 */

/** Milliseconds (fractions included) on a monotonic clock; only differences are meaningful. */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}
