/**
 * How long each end of the channel busy-polls before it sleeps: the caller for a reply (then
 * `Atomics.wait`), the worker for the next request (then `Atomics.waitAsync`).
 *
 * Waking a sleeping thread costs tens of µs on small VMs (two wake-ups per round trip), so a short
 * spin that catches a fast reply is the difference between ≈20 µs and ≈100 µs per call
 * (reference/sync-bridge-and-codec.md §2.2, §4.1.3). Spinning only pays when the reply comes back
 * within the budget, and it burns a core the worker needs on one CPU, so the budget adapts to recent
 * round trips and is off when it cannot help.
 */
import { availableParallelism } from 'node:os';
import { monotonicMs } from '../clock.js';

/** `'auto'`: adaptive budget; `0`: never spin; a positive number: always spin up to that many µs. */
export type SpinSetting = 'auto' | number;

/** The adaptive budget never exceeds this, and spinning is skipped while round trips are slower. */
export const SPIN_CAP_US = 250;
/** Payloads above this are dominated by copies, not wake-ups; spinning would only starve the worker. */
export const SPIN_MAX_PAYLOAD = 16 * 1024;
/**
 * The budget is this multiple of the recent round-trip time, so a slow reply (the tail, not only the typical
 * one) still lands inside it: a reply that misses it costs a wake-up, worth a round trip or more.
 */
const BUDGET_FACTOR = 4;
/** Weight of the newest round trip in the moving average (1/8: smooths out single slow calls). */
const EWMA_WEIGHT = 1 / 8;
/** Starting estimate, so the first calls spin up to the cap until real figures arrive. */
const INITIAL_ROUND_TRIP_US = 100;
/**
 * After answering, the worker polls for the caller's next request before it sleeps: catching it saves the
 * sleeping worker's wake-up and the caller's notify (tens of µs each on a small VM). A caller in a loop of
 * single commands comes back within a few µs, one building a pipeline's replies and appending the next in a
 * few hundred: the poll covers 4x the recent turnaround, at least the floor and at most the cap. Nothing is
 * in flight meanwhile, so the worker's event loop has little to miss.
 */
export const WORKER_SPIN_MIN_US = 50;
export const WORKER_SPIN_CAP_US = 500;
/** Spin while at least this share of recent waits ended (or would have ended) within the budget. */
const HIT_RATE_TO_SPIN = 0.5;
/** While spinning does not pay, still spin one wait in this many, to notice when it pays again. */
const PROBE_EVERY = 16;

/**
 * Whether spinning pays now: the moving share of waits that a spin of the budget caught, or would have.
 * A loaded machine (more runnable threads than CPUs) makes waits long and spins pure waste: spinning then
 * stops, except for an occasional probe, because a wait that sleeps looks long by the wake-up alone.
 */
export class SpinHits {
  private rate = 1;
  private skipped = 0;

  /** The moving share of hits, 0..1. */
  get hitRate(): number {
    return this.rate;
  }

  /** Spin for this wait? */
  allows(): boolean {
    if (this.rate >= HIT_RATE_TO_SPIN) return true;
    if (++this.skipped < PROBE_EVERY) return false;
    this.skipped = 0;
    return true;
  }

  /** One finished wait: whether it ended within the budget. */
  note(hit: boolean): void {
    this.rate += ((hit ? 1 : 0) - this.rate) * EWMA_WEIGHT;
  }
}

export class SpinPolicy {
  private readonly fixedUs: number;
  private readonly adaptive: boolean;
  private averageUs = INITIAL_ROUND_TRIP_US;
  private readonly hits = new SpinHits();

  /** `cpus` is only a parameter so tests can pose as a one-CPU machine. */
  constructor(setting: SpinSetting = 'auto', cpus: number = availableParallelism()) {
    // `setting` comes checked: it is the blocking context's option (lib/options.ts).
    this.adaptive = setting === 'auto' && cpus > 1;
    this.fixedUs = setting === 'auto' ? 0 : setting;
  }

  /** The longest the worker polls for the next request after each answer: only when this side spins too. */
  get workerCapUs(): number {
    return this.adaptive ? WORKER_SPIN_CAP_US : Math.min(this.fixedUs, WORKER_SPIN_CAP_US);
  }

  /** The moving average of recent round trips, µs. */
  get averageRoundTripUs(): number {
    return this.averageUs;
  }

  /** µs to spin for a request of `payloadBytes`; 0 means go straight to `Atomics.wait`. */
  budgetUs(payloadBytes: number): number {
    if (!this.adaptive) return this.fixedUs;
    if (payloadBytes > SPIN_MAX_PAYLOAD || !this.hits.allows()) return 0;
    return this.adaptiveBudgetUs();
  }

  /** The share of recent small round trips that ended within the adaptive budget. */
  get hitRate(): number {
    return this.hits.hitRate;
  }

  private adaptiveBudgetUs(): number {
    return this.averageUs > SPIN_CAP_US ? 0 : Math.min(this.averageUs * BUDGET_FACTOR, SPIN_CAP_US);
  }

  /**
   * Feeds one completed round trip (µs), spun or slept, into the average. Round trips that moved a large
   * request or reply say nothing about small calls and are left out.
   */
  record(roundTripUs: number, payloadBytes: number): void {
    if (payloadBytes > SPIN_MAX_PAYLOAD) return;
    this.hits.note(roundTripUs <= this.adaptiveBudgetUs());
    this.averageUs += (roundTripUs - this.averageUs) * EWMA_WEIGHT;
  }
}

/**
 * The worker's poll after an answer: 4x the moving average of the caller's turnaround (answer published to
 * next request seen), within [WORKER_SPIN_MIN_US, cap], while it pays (SpinHits).
 */
export class TurnaroundSpin {
  private averageUs = WORKER_SPIN_MIN_US;
  private readonly hits = new SpinHits();

  /** `capUs` 0 never polls. */
  constructor(private readonly capUs: number) {}

  /** µs to poll after this answer; 0 means sleep at once. */
  budgetUs(): number {
    return this.capUs > 0 && this.hits.allows() ? this.budget() : 0;
  }

  /** One turnaround (µs), polled for or slept through. A long pause counts as twice the cap, so it fades fast. */
  record(turnaroundUs: number): void {
    this.hits.note(turnaroundUs <= this.budget());
    this.averageUs += (Math.min(turnaroundUs, 2 * this.capUs) - this.averageUs) * EWMA_WEIGHT;
  }

  private budget(): number {
    return Math.min(this.capUs, Math.max(WORKER_SPIN_MIN_US, this.averageUs * BUDGET_FACTOR));
  }
}

/**
 * A direct call polls its socket at least this long, and at most DIRECT_SPIN_CAP_US. Its alternative, the
 * worker's path, costs two thread hand-offs and more CPU than the poll it saves whenever the reply comes
 * within a millisecond, loaded machine or not; only a reply slower than that (a slow command, a stalled
 * node) is better waited for asleep.
 */
export const DIRECT_SPIN_MIN_US = 100;
export const DIRECT_SPIN_CAP_US = 1000;
/** The direct budget is this multiple of the recent direct round trip: the tail, not the median, decides. */
const DIRECT_BUDGET_FACTOR = 8;

/**
 * How long a direct call (direct-call.ts) polls its socket for the reply before it hands the call to the
 * worker and sleeps: 8x the moving average of recent direct replies, within [DIRECT_SPIN_MIN_US,
 * DIRECT_SPIN_CAP_US], while that catches most replies (SpinHits; a probe now and then otherwise, so a
 * node that answers quickly again is noticed). A fixed setting polls that long; 0 makes no direct calls.
 */
export class DirectSpin {
  private readonly fixedUs: number;
  private readonly adaptive: boolean;
  private averageUs = DIRECT_SPIN_MIN_US;
  private readonly hits = new SpinHits();

  /** `cpus` is only a parameter so tests can pose as a one-CPU machine. */
  constructor(setting: SpinSetting = 'auto', cpus: number = availableParallelism()) {
    this.adaptive = setting === 'auto' && cpus > 1;
    this.fixedUs = setting === 'auto' ? 0 : setting;
  }

  /** False when no call will ever go direct (`spin: 0`, or `'auto'` on one CPU): links are then not lent. */
  get goesDirect(): boolean {
    return this.adaptive || this.fixedUs > 0;
  }

  /** µs to poll for this call's reply; 0: no direct call now. */
  budgetUs(): number {
    if (!this.adaptive) return this.fixedUs;
    return this.hits.allows() ? this.budget() : 0;
  }

  /** A reply that came within the budget (`hit`, after `roundTripUs`), or one the call gave up on. */
  record(roundTripUs: number, hit: boolean): void {
    this.hits.note(hit);
    this.averageUs += (Math.min(roundTripUs, 2 * DIRECT_SPIN_CAP_US) - this.averageUs) * EWMA_WEIGHT;
  }

  private budget(): number {
    return Math.min(DIRECT_SPIN_CAP_US, Math.max(DIRECT_SPIN_MIN_US, this.averageUs * DIRECT_BUDGET_FACTOR));
  }
}

/** Clock reads are ~30 ns; loads are ~1 ns: look at the clock only every this many polls. */
const POLLS_PER_CLOCK_CHECK = 64;

/**
 * Busy-polls `words[index]` until it equals `value` (`equal`) or differs from it (`!equal`), or `budgetUs`
 * pass. Returns whether it does. Bounded by the clock, never by the other thread.
 */
export function spinUntil(
  words: Int32Array,
  index: number,
  value: number,
  equal: boolean,
  budgetUs: number,
): boolean {
  if (budgetUs <= 0) return (Atomics.load(words, index) === value) === equal;
  const end = monotonicMs() + budgetUs / 1000;
  for (let polls = 1; ; polls++) {
    if ((Atomics.load(words, index) === value) === equal) return true;
    if (polls % POLLS_PER_CLOCK_CHECK === 0 && monotonicMs() >= end) return false;
  }
}
