import { expect } from 'chai';
import {
  DIRECT_SPIN_CAP_US,
  DIRECT_SPIN_MIN_US,
  DirectSpin,
  SPIN_CAP_US,
  SPIN_MAX_PAYLOAD,
  SpinHits,
  SpinPolicy,
  spinUntil,
  TurnaroundSpin,
  WORKER_SPIN_CAP_US,
  WORKER_SPIN_MIN_US,
} from '../../../lib/blocking/spin.js';

describe('blocking/spin', () => {
  describe('SpinPolicy', () => {
    it("'auto' starts at 4x the initial 100 µs estimate, capped", () => {
      const policy = new SpinPolicy('auto', 2);
      expect(policy.averageRoundTripUs).to.equal(100);
      expect(policy.budgetUs(50)).to.equal(SPIN_CAP_US);
    });

    it("'auto' follows the moving average of round trips, capped", () => {
      const policy = new SpinPolicy('auto', 4);
      for (let i = 0; i < 5; i++) policy.record(20, 50);
      // 100 µs moved 5 times by 1/8 of the way to 20: 20 + 80 * (7/8)^5.
      expect(policy.averageRoundTripUs).to.be.closeTo(61.03, 0.01);
      expect(policy.budgetUs(50)).to.equal(policy.averageRoundTripUs * 4);
      for (let i = 0; i < 40; i++) policy.record(20, 50);
      expect(policy.budgetUs(50)).to.be.within(80, 81);
      for (let i = 0; i < 40; i++) policy.record(240, 50);
      expect(policy.averageRoundTripUs).to.be.within(235, 240);
      expect(policy.budgetUs(50)).to.equal(SPIN_CAP_US);
    });

    it("'auto' skips spinning while round trips are slower than the cap, and resumes when they are fast again", () => {
      const policy = new SpinPolicy('auto', 2);
      for (let i = 0; i < 40; i++) policy.record(1000, 50);
      expect(policy.budgetUs(50)).to.equal(0);
      for (let i = 0; i < 40; i++) policy.record(30, 50);
      expect(policy.averageRoundTripUs).to.be.within(30, 40);
      expect(policy.budgetUs(50)).to.equal(policy.averageRoundTripUs * 4);
    });

    it("'auto' never spins for large payloads, which do not move the average either", () => {
      const policy = new SpinPolicy('auto', 2);
      expect(policy.budgetUs(SPIN_MAX_PAYLOAD)).to.equal(SPIN_CAP_US);
      expect(policy.budgetUs(SPIN_MAX_PAYLOAD + 1)).to.equal(0);
      policy.record(5000, SPIN_MAX_PAYLOAD + 1);
      expect(policy.averageRoundTripUs).to.equal(100);
    });

    it("'auto' never spins on one CPU", () => {
      const policy = new SpinPolicy('auto', 1);
      expect(policy.budgetUs(50)).to.equal(0);
      policy.record(10, 50);
      expect(policy.budgetUs(50)).to.equal(0);
    });

    it('a number is a fixed budget; 0 turns spinning off', () => {
      const fixed = new SpinPolicy(30, 2);
      fixed.record(1000, 50);
      expect(fixed.budgetUs(1 << 20)).to.equal(30);
      expect(new SpinPolicy(0, 8).budgetUs(50)).to.equal(0);
    });

    it('the worker polls for the next request only when the caller spins, and never longer than its cap', () => {
      expect(new SpinPolicy('auto', 2).workerCapUs).to.equal(WORKER_SPIN_CAP_US);
      expect(new SpinPolicy('auto', 1).workerCapUs).to.equal(0);
      expect(new SpinPolicy(0, 8).workerCapUs).to.equal(0);
      expect(new SpinPolicy(20, 8).workerCapUs).to.equal(20);
      expect(new SpinPolicy(10_000, 8).workerCapUs).to.equal(WORKER_SPIN_CAP_US);
    });
  });

  describe('SpinHits', () => {
    it('allows spinning while most waits are caught, then only one wait in 16 until hits return', () => {
      const hits = new SpinHits();
      expect(hits.allows()).to.equal(true);
      for (let i = 0; i < 5; i++) hits.note(false);
      expect(hits.hitRate).to.be.above(0.5);
      expect(hits.allows()).to.equal(true);
      hits.note(false);
      expect(hits.hitRate).to.be.below(0.5);
      const allowed = Array.from({ length: 32 }, () => hits.allows());
      expect(allowed.filter(Boolean)).to.have.length(2);
      expect(allowed[15]).to.equal(true);
      hits.note(true);
      expect(hits.allows()).to.equal(true);
    });

    it("'auto' stops spinning when round trips keep overrunning the budget, and counts unspun ones too", () => {
      const policy = new SpinPolicy('auto', 2);
      for (let i = 0; i < 40; i++) policy.record(20, 50);
      expect(policy.budgetUs(50)).to.be.within(81, 82);
      // Each 400 µs round trip overruns the budget of its time (81 µs, then the 250 µs cap).
      for (let i = 0; i < 6; i++) policy.record(400, 50);
      expect(policy.hitRate).to.be.below(0.5);
      expect(policy.averageRoundTripUs).to.be.below(SPIN_CAP_US);
      expect(policy.budgetUs(50)).to.equal(0);
      policy.record(20, 50);
      expect(policy.hitRate).to.be.above(0.5);
      expect(policy.budgetUs(50)).to.be.above(0);
    });
  });

  describe('DirectSpin', () => {
    it("'auto' polls 8x the recent direct round trip, within [100 µs, 1 ms]", () => {
      const spin = new DirectSpin('auto', 2);
      expect(spin.goesDirect).to.equal(true);
      expect(spin.budgetUs()).to.equal(800);
      for (let i = 0; i < 100; i++) spin.record(5, true);
      expect(spin.budgetUs()).to.equal(DIRECT_SPIN_MIN_US);
      for (let i = 0; i < 100; i++) spin.record(30, true);
      expect(spin.budgetUs()).to.be.closeTo(240, 1);
      for (let i = 0; i < 100; i++) spin.record(400, true);
      expect(spin.budgetUs()).to.equal(DIRECT_SPIN_CAP_US);
    });

    it("'auto' stops direct calls while replies keep missing the budget, probing one call in 16", () => {
      const spin = new DirectSpin('auto', 2);
      for (let i = 0; i < 40; i++) spin.record(5000, false);
      const budgets = Array.from({ length: 32 }, () => spin.budgetUs());
      expect(budgets.filter((b) => b > 0)).to.deep.equal([DIRECT_SPIN_CAP_US, DIRECT_SPIN_CAP_US]);
      for (let i = 0; i < 40; i++) spin.record(30, true);
      expect(spin.budgetUs()).to.be.greaterThan(0);
    });

    it("a number is a fixed budget; 0 and 'auto' on one CPU make no direct calls", () => {
      expect(new DirectSpin(300, 2).budgetUs()).to.equal(300);
      for (const spin of [new DirectSpin(0, 2), new DirectSpin('auto', 1)]) {
        expect(spin.goesDirect).to.equal(false);
        expect(spin.budgetUs()).to.equal(0);
      }
    });
  });

  describe('TurnaroundSpin', () => {
    it("polls 4x the caller's recent turnaround, at least the floor and at most the cap", () => {
      const spin = new TurnaroundSpin(WORKER_SPIN_CAP_US);
      expect(spin.budgetUs()).to.equal(4 * WORKER_SPIN_MIN_US);
      for (let i = 0; i < 60; i++) spin.record(3);
      // A loop of single commands comes back within µs: the floor.
      expect(spin.budgetUs()).to.equal(WORKER_SPIN_MIN_US);
      for (let i = 0; i < 60; i++) spin.record(100);
      expect(spin.budgetUs()).to.be.within(390, 400);
      // A pipeline's build-and-append takes a few hundred µs: the cap.
      for (let i = 0; i < 60; i++) spin.record(300);
      expect(spin.budgetUs()).to.equal(WORKER_SPIN_CAP_US);
    });

    it('stops polling while the caller keeps coming back after the budget, and a long pause fades fast', () => {
      const spin = new TurnaroundSpin(WORKER_SPIN_CAP_US);
      for (let i = 0; i < 6; i++) spin.record(1_000_000);
      expect(spin.budgetUs()).to.equal(0);
      for (let i = 0; i < 3; i++) spin.record(5);
      expect(spin.budgetUs()).to.equal(WORKER_SPIN_CAP_US);
      // Counted as 2 x the cap, 6 pauses of a second leave the average near 1000 µs, not near a second.
      for (let i = 0; i < 40; i++) spin.record(5);
      expect(spin.budgetUs()).to.equal(WORKER_SPIN_MIN_US);
    });

    it('a cap of 0 never polls', () => {
      const spin = new TurnaroundSpin(0);
      spin.record(1);
      expect(spin.budgetUs()).to.equal(0);
    });
  });

  describe('spinUntil', () => {
    it('returns true at once when the word already holds (or no longer holds) the value', () => {
      const words = new Int32Array(new SharedArrayBuffer(8));
      words[1] = 7;
      expect(spinUntil(words, 1, 7, true, 0)).to.equal(true);
      expect(spinUntil(words, 1, 7, true, 100)).to.equal(true);
      expect(spinUntil(words, 1, 6, false, 0)).to.equal(true);
      expect(spinUntil(words, 1, 6, false, 100)).to.equal(true);
    });

    it('gives up after its budget', () => {
      const words = new Int32Array(new SharedArrayBuffer(8));
      expect(spinUntil(words, 0, 1, true, 0)).to.equal(false);
      expect(spinUntil(words, 0, 0, false, 0)).to.equal(false);
      const start = performance.now();
      expect(spinUntil(words, 0, 1, true, 2000)).to.equal(false);
      const elapsedUs = (performance.now() - start) * 1000;
      expect(elapsedUs).to.be.within(2000, 50_000);
    });
  });
});
