import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import sinon from 'sinon';
import type { TimerHandle } from '../../../adapters/adapter.js';
import { ManualLoop } from '../../../adapters/manual.js';
import { NodeAdapter } from '../../../adapters/node.js';
import { TimerWheel, type WheelTimer, withTimerWheel } from '../../../adapters/timer-wheel.js';

/** A loop that an inner timer reaches late: its clock reads `lag` ms ahead of the manual clock. */
class LateLoop extends ManualLoop {
  lag = 0;

  override now(): number {
    return super.now() + this.lag;
  }
}

/** Runs a module in a child Node process; resolves with its exit time in ms and output. */
function runChild(source: string): Promise<{ ms: number; out: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', source],
      { cwd: fileURLToPath(new URL('../../../', import.meta.url)), timeout: 10_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve({ ms: performance.now() - started, out: stdout });
      },
    );
  });
}

describe('adapters/timer-wheel: TimerWheel', () => {
  let loop: ManualLoop;
  let wheel: TimerWheel;
  let fired: string[];

  beforeEach(() => {
    loop = new ManualLoop({ io: { connect: () => expect.fail('no connections here') } });
    wheel = new TimerWheel(loop);
    fired = [];
  });

  /** A timer that records `name@time` when it fires. */
  function timer(name: string, on: TimerWheel = wheel): WheelTimer {
    return on.createTimer(() => fired.push(`${name}@${loop.now()}`));
  }

  describe('handles', () => {
    it('start(ms): fires once, at its due time, never synchronously', () => {
      const t = timer('a');
      t.start(100);
      expect([t.active, fired]).to.deep.equal([true, []]);
      loop.advance(99);
      expect(fired).to.deep.equal([]);
      loop.advance(1);
      expect([t.active, fired]).to.deep.equal([false, ['a@100']]);
      loop.advance(1000);
      expect(fired).to.deep.equal(['a@100']);
    });

    it('never fires early: with 10 ms ticks a 15 ms timer fires at the 20 ms tick', () => {
      wheel = new TimerWheel(loop, { tickMs: 10 });
      loop.advance(3);
      timer('a').start(15); // due at 18: the first tick starting at or after it is 20
      loop.advance(16);
      expect(fired).to.deep.equal([]);
      loop.advance(1);
      expect(fired).to.deep.equal(['a@20']);
    });

    it('start(0) fires on the next pass of the loop, not inside start()', () => {
      timer('zero').start(0);
      expect(fired).to.deep.equal([]);
      loop.advance(1);
      expect(fired).to.deep.equal(['zero@1']);
    });

    it('stop(): a stopped timer never fires; stopping twice or an idle timer does nothing', () => {
      const t = timer('a');
      t.stop();
      t.start(10);
      t.stop();
      t.stop();
      loop.advance(100);
      expect([t.active, wheel.activeTimers, fired]).to.deep.equal([false, 0, []]);
    });

    it('start() on an active timer restarts it from now', () => {
      const t = timer('a');
      t.start(10);
      loop.advance(8);
      t.start(10);
      loop.advance(9);
      expect(fired).to.deep.equal([]);
      loop.advance(1);
      expect(fired).to.deep.equal(['a@18']);
    });

    it('fires in due order; timers due in one tick in the order they were started', () => {
      timer('c30').start(30);
      timer('a10').start(10);
      timer('b20').start(20);
      timer('x10').start(10);
      const restarted = timer('r10');
      restarted.start(10);
      timer('y10').start(10);
      restarted.start(10); // started again: now after y10
      loop.advance(100);
      expect(fired).to.deep.equal(['a10@10', 'x10@10', 'y10@10', 'r10@10', 'b20@20', 'c30@30']);
    });

    it('repeat: restarted before the callback, every repeatMs; setRepeat applies from the next firing', () => {
      const t = wheel.createTimer(() => {
        fired.push(`r@${loop.now()}`);
        if (fired.length === 2) t.setRepeat(20);
        if (fired.length === 4) t.stop();
        expect(t.active).to.equal(fired.length !== 4);
      });
      t.start(10, 5);
      expect(t.repeat).to.equal(5);
      loop.advance(100);
      expect(fired).to.deep.equal(['r@10', 'r@15', 'r@20', 'r@40']);
      expect(t.repeat).to.equal(20);
    });

    it('again(): restarts with the repeat as timeout; nothing without a repeat; throws before any start()', () => {
      const t = timer('a');
      expect(() => t.again()).to.throw(Error, 'Timer.again: the timer was never started');
      t.start(50);
      t.again(); // repeat 0: nothing changes
      loop.advance(50);
      expect(fired).to.deep.equal(['a@50']);
      t.setRepeat(7);
      t.again();
      loop.advance(7);
      loop.advance(7);
      expect(fired).to.deep.equal(['a@50', 'a@57', 'a@64']);
      t.stop();
    });

    it('dueIn counts down and reads 0 when inactive', () => {
      const t = timer('a');
      expect(t.dueIn).to.equal(0);
      t.start(100);
      loop.advance(30);
      expect(t.dueIn).to.equal(70);
      loop.advance(70);
      expect(t.dueIn).to.equal(0);
    });

    it('a callback that stops a timer due in the same tick stops it; one that starts a 0 ms timer does not spin', () => {
      const later = timer('later');
      const first = wheel.createTimer(() => {
        fired.push(`first@${loop.now()}`);
        later.stop();
        timer('again').start(0);
      });
      first.start(10);
      later.start(10);
      loop.advance(10);
      expect(fired).to.deep.equal(['first@10']);
      loop.advance(1);
      expect(fired).to.deep.equal(['first@10', 'again@11']);
    });

    it('timers longer than a revolution fire on time, after the short ones', () => {
      wheel = new TimerWheel(loop, { slots: 8 });
      timer('long').start(100);
      timer('short').start(3);
      timer('mid').start(17);
      loop.advance(200);
      expect(fired).to.deep.equal(['short@3', 'mid@17', 'long@100']);
    });

    it('an inner timer reached late (more than a revolution): every due timer fires once, in due order', () => {
      const late = new LateLoop();
      loop = late;
      wheel = new TimerWheel(late, { slots: 4 });
      for (const ms of [9, 2, 5, 2, 30]) timer(`t${ms}`).start(ms);
      late.lag = 20; // the loop was blocked: when the inner timer runs, 20 ms more have passed
      late.advance(2);
      expect(fired).to.deep.equal(['t2@22', 't2@22', 't5@22', 't9@22']);
      late.advance(8);
      expect(fired).to.have.length(5);
      expect(fired[4]).to.equal('t30@30');
    });

    it("timers started in one callback count from one reading of the clock (libuv's loop time)", () => {
      const late = new LateLoop();
      wheel = new TimerWheel(late);
      const first = timer('first');
      const same = timer('same callback');
      const next = timer('next callback');
      first.start(10);
      late.lag = 5; // the clock moves while the same callback runs on
      same.start(10);
      late.run(); // the callback is over: the next start reads the clock again
      next.start(10);
      expect([first.dueIn, same.dueIn, next.dueIn]).to.deep.equal([5, 5, 10]);
    });

    it('a callback that throws: the others of its tick still fire, then the error reaches the loop', () => {
      wheel
        .createTimer(() => {
          throw new Error('boom');
        })
        .start(5);
      timer('b').start(5);
      expect(() => loop.advance(5)).to.throw('boom');
      expect(fired).to.deep.equal(['b@5']);
      timer('c').start(1);
      loop.advance(1);
      expect(fired).to.deep.equal(['b@5', 'c@6']);
    });

    it('bad input: errors that name the argument', () => {
      const t = timer('a');
      expect(() => t.start(-1)).to.throw(
        RangeError,
        'Timer.start: timeoutMs must be a finite number >= 0, got -1',
      );
      expect(() => t.start(Number.NaN)).to.throw(RangeError, 'got NaN');
      expect(() => t.start(1, -5)).to.throw(
        RangeError,
        'Timer.start: repeatMs must be a finite number >= 0, got -5',
      );
      expect(() => t.setRepeat(Number.POSITIVE_INFINITY)).to.throw(RangeError, 'Timer.setRepeat: repeatMs');
      expect(() => new TimerWheel(loop, { slots: 3 })).to.throw(
        RangeError,
        'TimerWheel: slots must be a power of two from 1 to 2^24, got 3',
      );
      expect(() => new TimerWheel(loop, { tickMs: 0 })).to.throw(
        RangeError,
        'TimerWheel: tickMs must be a finite number > 0, got 0',
      );
      expect(t.active).to.equal(false);
    });
  });

  describe('the inner timer', () => {
    it('one inner timer for a million timeouts started and stopped, and for many armed at once', () => {
      const setTimer = sinon.spy(loop, 'setTimer');
      const clearTimer = sinon.spy(loop, 'clearTimer');
      const t = timer('a');
      for (let i = 0; i < 1_000_000; i++) {
        t.start(1000);
        t.stop();
      }
      expect([setTimer.callCount, clearTimer.callCount]).to.deep.equal([1, 0]);
      const many = Array.from({ length: 1000 }, (_, i) => timer(`m${i}`));
      for (const [i, m] of many.entries()) m.start(100 + (i % 50));
      expect(loop.timers).to.equal(1);
      loop.advance(1000);
      expect(fired).to.have.length(1000);
      expect(loop.timers).to.equal(0);
    });

    it('is re-armed only for a timer due earlier than it, and never left armed for nothing after firing', () => {
      const setTimer = sinon.spy(loop, 'setTimer');
      timer('a').start(100);
      timer('b').start(200);
      timer('c').start(150);
      expect(setTimer.callCount).to.equal(1);
      timer('d').start(50);
      expect([setTimer.callCount, loop.timers, loop.nextTimerAt]).to.deep.equal([2, 1, 50]);
      loop.advance(50);
      expect(loop.nextTimerAt).to.equal(100);
      loop.advance(150);
      expect(fired).to.deep.equal(['d@50', 'a@100', 'c@150', 'b@200']);
      expect([loop.timers, wheel.activeTimers]).to.deep.equal([0, 0]);
    });

    it("ref/unref: the inner timer keeps the loop alive only while a ref'd timer is active", () => {
      const t = timer('a');
      t.start(100);
      expect(loop.alive).to.equal(true);
      t.unref();
      expect(t.hasRef).to.equal(false);
      loop.run(); // the deferred check unrefs the inner timer
      expect(loop.alive).to.equal(false);
      t.ref();
      expect(loop.alive).to.equal(true);
      t.stop();
      loop.run();
      expect(loop.alive).to.equal(false);
      t.start(5);
      expect(loop.alive).to.equal(true);
      loop.advance(5);
      expect([fired, loop.alive]).to.deep.equal([['a@5'], false]);
    });
  });

  describe('as an adapter', () => {
    it('setTimer/clearTimer/refTimer are its timers; connect, defer and now are the inner adapter’s', () => {
      const handle: TimerHandle = wheel.setTimer(10, () => fired.push('set'));
      const cleared = wheel.setTimer(10, () => fired.push('cleared'));
      wheel.clearTimer(cleared);
      wheel.clearTimer({}); // not ours: ignored
      wheel.refTimer(handle, false);
      wheel.defer(() => fired.push(`deferred@${wheel.now()}`));
      loop.advance(10);
      wheel.clearTimer(handle); // fired: ignored
      expect(fired).to.deep.equal(['deferred@0', 'set']);
    });

    it('withTimerWheel: wraps only when asked and when the adapter has no reusable timers yet', () => {
      const node = new NodeAdapter();
      expect(withTimerWheel(node, undefined)).to.equal(node);
      const wrapped = withTimerWheel(node, { tickMs: 2 });
      expect(wrapped).to.be.instanceOf(TimerWheel);
      expect((wrapped as TimerWheel).tickMs).to.equal(2);
      expect(withTimerWheel(wrapped, {})).to.equal(wrapped);
    });
  });

  describe("over Node's loop", () => {
    it('fires each timer no earlier than its due time, in due order', async () => {
      const node = new TimerWheel(new NodeAdapter());
      const lateness: number[] = [];
      const order: number[] = [];
      await new Promise<void>((resolve) => {
        const started = performance.now();
        for (const ms of [30, 5, 20, 1, 10, 0]) {
          node.setTimer(ms, () => {
            lateness.push(performance.now() - started - ms);
            order.push(ms);
            if (order.length === 6) resolve();
          });
        }
      });
      expect(order).to.deep.equal([0, 1, 5, 10, 20, 30]);
      for (const late of lateness) expect(late).to.be.at.least(0);
    });

    const wheelModule = JSON.stringify(new URL('../../../adapters/timer-wheel.js', import.meta.url).href);
    const nodeModule = JSON.stringify(new URL('../../../adapters/node.js', import.meta.url).href);
    const prelude = `import { TimerWheel } from ${wheelModule}; import { NodeAdapter } from ${nodeModule};
      const wheel = new TimerWheel(new NodeAdapter());`;

    it('an active timer keeps the process alive until it fires', async () => {
      const { ms, out } = await runChild(`${prelude} wheel.setTimer(300, () => console.log('fired'));`);
      expect(out).to.equal('fired\n');
      expect(ms).to.be.at.least(300);
    });

    it("stopped or unref'd timers let the process exit at once", async () => {
      const { ms, out } = await runChild(`${prelude}
        const stopped = wheel.createTimer(() => console.log('stopped fired'));
        stopped.start(5000); stopped.stop();
        const unrefd = wheel.createTimer(() => console.log('unrefd fired'));
        unrefd.start(5000); unrefd.unref();
        console.log('done');`);
      expect(out).to.equal('done\n');
      expect(ms).to.be.below(4000);
    });
  });
});
