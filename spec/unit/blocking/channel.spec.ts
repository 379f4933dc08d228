import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import {
  CallerChannel,
  type ChannelOptions,
  STATUS_ERROR,
  STATUS_OK,
  STATUS_TIMEOUT,
} from '../../../lib/blocking/channel.js';
import { ClusterError, REDIS_ERR_OTHER } from '../../../lib/errors.js';
import {
  type EchoWorkerData,
  OP_BLOCK,
  OP_CLOSE_SELF,
  OP_ECHO,
  OP_ECHO_LATER,
  OP_ERROR,
  OP_EVENTS,
  OP_EXIT,
  OP_FAIL,
  OP_HEADER,
  OP_REPEAT,
  OP_SLEEP_ECHO,
  OP_STALE_FIRST,
  OP_THROW,
} from '../../support/echo-worker.js';

const ECHO_WORKER = new URL('../../support/echo-worker.js', import.meta.url);
const CHANNEL_MODULE = new URL('../../../lib/blocking/channel.js', import.meta.url);
/** The module that imports a worker's entry (named in Node's "Cannot find module" error). */
const ENTRY_IMPORTER = new URL('../../../lib/blocking/worker-channel.js', import.meta.url);

/** Blocks this thread (as a busy caller would be) without spinning. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The worker's exit code. Not events.once(): that rejects on an 'error' event, which a worker dying of an
 * uncaught exception emits or not depending on whether its report beats the caller's terminate(); the failed
 * call has already said why, and the channel listens for 'error' itself.
 */
function exitCode(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once('exit', resolve));
}

function thrown(fn: () => unknown): ClusterError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    return err as ClusterError;
  }
  expect.fail('did not throw');
}

describe('blocking/channel', () => {
  const open: CallerChannel[] = [];

  function channel(options: ChannelOptions & { data?: EchoWorkerData } = {}): CallerChannel {
    const ch = new CallerChannel(ECHO_WORKER, options);
    open.push(ch);
    return ch;
  }

  afterEach(() => {
    for (const ch of open.splice(0)) ch.close();
  });

  /** Sends `body` with `opcode`; returns the status. */
  function send(ch: CallerChannel, opcode: number, body: Uint8Array | string, timeoutMs = 0): number {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    ch.beginRequest(bytes.length).set(bytes);
    return ch.call(opcode, bytes.length, 1, timeoutMs);
  }

  function u32(n: number, rest: Uint8Array | string = ''): Buffer {
    const head = Buffer.alloc(4);
    head.writeUInt32LE(n, 0);
    return Buffer.concat([head, typeof rest === 'string' ? Buffer.from(rest) : rest]);
  }

  describe('round trips', () => {
    it('echoes exact bytes, empty and binary', () => {
      const ch = channel();
      expect(send(ch, OP_ECHO, 'hello')).to.equal(STATUS_OK);
      expect(ch.responseText()).to.equal('hello');
      expect(ch.responseLength).to.equal(5);
      expect(send(ch, OP_ECHO, '')).to.equal(STATUS_OK);
      expect(ch.responseLength).to.equal(0);
      const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      expect(send(ch, OP_ECHO, binary)).to.equal(STATUS_OK);
      expect(Buffer.compare(ch.response(), binary)).to.equal(0);
      expect(ch.responseArea.subarray(0, 256).equals(binary)).to.equal(true);
      expect(ch.lastRoundTripUs).to.be.greaterThan(0);
    });

    it('hands the worker the request header as the caller wrote it', () => {
      const ch = channel();
      ch.beginRequest(7).write('payload');
      expect(ch.call(OP_HEADER, 7, 3, 1500, -5)).to.equal(STATUS_OK);
      expect(JSON.parse(ch.responseText())).to.deep.equal({
        opcode: OP_HEADER,
        count: 3,
        flags: -5,
        timeoutMs: 1500,
        length: 7,
      });
      expect(ch.call(OP_HEADER, 0)).to.equal(STATUS_OK);
      expect(JSON.parse(ch.responseText())).to.deep.equal({
        opcode: OP_HEADER,
        count: 1,
        flags: 0,
        timeoutMs: 0,
        length: 0,
      });
    });

    it('passes an error status with its message', () => {
      const ch = channel();
      expect(send(ch, OP_ERROR, 'ERR something went wrong')).to.equal(STATUS_ERROR);
      expect(ch.responseText()).to.equal('ERR something went wrong');
    });

    it('delivers events posted by the worker with the response, in order', () => {
      const ch = channel();
      expect(ch.takeEvents()).to.deep.equal([]);
      expect(send(ch, OP_EVENTS, u32(3))).to.equal(STATUS_OK);
      expect(ch.responseText()).to.equal('ok');
      expect(ch.takeEvents()).to.deep.equal([{ i: 0 }, { i: 1 }, { i: 2 }]);
      expect(ch.takeEvents()).to.deep.equal([]);
    });

    it('answers 100 000 calls in sequence, each with its own reply', function () {
      this.timeout(60_000);
      const ch = channel();
      let mismatches = 0;
      for (let i = 0; i < 100_000; i++) {
        ch.beginRequest(4).writeUInt32LE(i, 0);
        if (ch.call(OP_ECHO, 4) !== STATUS_OK || ch.response().readUInt32LE(0) !== i) mismatches++;
      }
      expect(mismatches).to.equal(0);
    });

    it('answers while the worker already waits for the next request, whether it polls or sleeps by then', function () {
      this.timeout(60_000);
      // The caller comes back after 0..200 µs: within the worker's 50 µs poll (no notify needed) or after it
      // went to sleep on the waiter it registered while the answer was pending (notify needed).
      const ch = channel();
      let mismatches = 0;
      for (let i = 0; i < 20_000; i++) {
        const until = performance.now() + ((i * 7919) % 200) / 1000;
        while (performance.now() < until);
        ch.beginRequest(4).writeUInt32LE(i, 0);
        if (ch.call(OP_ECHO_LATER, 4) !== STATUS_OK || ch.response().readUInt32LE(0) !== i) mismatches++;
      }
      expect(mismatches).to.equal(0);
    });

    it('works with spinning off', () => {
      const ch = channel({ spin: 0 });
      for (let i = 0; i < 200; i++) {
        expect(send(ch, OP_ECHO, `call ${i}`)).to.equal(STATUS_OK);
        expect(ch.responseText()).to.equal(`call ${i}`);
      }
    });
  });

  describe('timeouts and stale replies', () => {
    it('returns TIMEOUT at the deadline; a late reply that lands before the next call is not taken for its reply', () => {
      const ch = channel();
      ch.waitReady();
      const start = performance.now();
      expect(send(ch, OP_SLEEP_ECHO, u32(150, 'late'), 40)).to.equal(STATUS_TIMEOUT);
      const elapsed = performance.now() - start;
      expect(elapsed).to.be.within(39, 140);
      pause(250); // the worker publishes 'late' meanwhile
      expect(send(ch, OP_ECHO, 'next', 2000)).to.equal(STATUS_OK);
      expect(ch.responseText()).to.equal('next');
    });

    it('a late reply that arrives during the next call is discarded', () => {
      const ch = channel();
      expect(send(ch, OP_SLEEP_ECHO, u32(100, 'late'), 30)).to.equal(STATUS_TIMEOUT);
      expect(send(ch, OP_ECHO, 'next')).to.equal(STATUS_OK);
      expect(ch.responseText()).to.equal('next');
      expect(send(ch, OP_ECHO, 'after')).to.equal(STATUS_OK);
      expect(ch.responseText()).to.equal('after');
    });

    it('a response published under an older sequence number does not end the call', () => {
      const ch = channel();
      expect(send(ch, OP_ECHO, 'first')).to.equal(STATUS_OK);
      expect(send(ch, OP_STALE_FIRST, 'real reply')).to.equal(STATUS_OK);
      expect(ch.responseText()).to.equal('real reply');
    });

    it('keeps the abandoned request bytes intact for the worker after a timeout', () => {
      const ch = channel();
      const before = ch.beginRequest(16);
      expect(send(ch, OP_SLEEP_ECHO, u32(80, 'abandoned'), 20)).to.equal(STATUS_TIMEOUT);
      const after = ch.beginRequest(16);
      expect(after.buffer).to.not.equal(before.buffer);
      after.write('overwrite!!!!');
      pause(150);
      expect(send(ch, OP_ECHO, 'x')).to.equal(STATUS_OK);
      expect(before.toString('utf8', 4, 13)).to.equal('abandoned');
    });
  });

  describe('growth', () => {
    const TEN_MB = 10 * 1024 * 1024;

    it('echoes 10 MB both ways, then small calls again', function () {
      this.timeout(30_000);
      const ch = channel();
      const big = randomBytes(TEN_MB);
      expect(ch.beginRequest().length).to.equal(512 * 1024);
      expect(send(ch, OP_ECHO, big)).to.equal(STATUS_OK);
      expect(ch.responseLength).to.equal(TEN_MB);
      expect(ch.response().equals(big)).to.equal(true);
      expect(ch.beginRequest().length).to.equal(16 * 1024 * 1024);
      expect(ch.responseArea.length).to.equal(16 * 1024 * 1024);
      expect(send(ch, OP_ECHO, 'small')).to.equal(STATUS_OK);
      expect(ch.responseText()).to.equal('small');
    });

    it('grows only the response area for a 10 MB reply to a small request', function () {
      this.timeout(30_000);
      const ch = channel({ bufferBytes: 4096 });
      expect(send(ch, OP_REPEAT, Buffer.concat([u32(TEN_MB), Buffer.from([0x5a])]))).to.equal(STATUS_OK);
      expect(ch.responseLength).to.equal(TEN_MB);
      expect(ch.response().every((b) => b === 0x5a)).to.equal(true);
      expect(ch.beginRequest().length).to.equal(2048);
      expect(send(ch, OP_ECHO, 'small')).to.equal(STATUS_OK);
      expect(ch.responseText()).to.equal('small');
    });

    it('growRequest keeps the bytes already encoded', () => {
      const ch = channel({ bufferBytes: 256 });
      const area = ch.beginRequest();
      expect(area.length).to.equal(128);
      area.write('head:');
      const grown = ch.growRequest(1000, 5);
      expect(grown.length).to.equal(1024);
      grown.write('tail', 5);
      expect(ch.call(OP_ECHO, 9)).to.equal(STATUS_OK);
      expect(ch.responseText()).to.equal('head:tail');
    });

    it('grows on both sides many times in a row without losing a reply', () => {
      const ch = channel({ bufferBytes: 128 });
      for (let size = 100; size <= 100_000; size *= 10) {
        const payload = randomBytes(size);
        expect(send(ch, OP_ECHO, payload)).to.equal(STATUS_OK);
        expect(ch.response().equals(payload)).to.equal(true);
      }
    });

    it('rejects a request beyond the channel limit, and a length outside the area', () => {
      const ch = channel();
      expect(thrown(() => ch.beginRequest(2 ** 31)).message).to.equal(
        'Request of 2147483648 bytes exceeds the channel limit of 2147483647 bytes',
      );
      expect(thrown(() => ch.call(OP_ECHO, 512 * 1024 + 1)).message).to.equal(
        'Invalid request length 524289: the request area holds 524288 bytes',
      );
      expect(thrown(() => ch.call(0, 0)).message).to.equal(
        'Invalid opcode 0: expected an integer from 1 to 2147483647',
      );
      expect(thrown(() => ch.call(OP_ECHO, 0, 1, -1)).message).to.equal(
        'Invalid timeout -1: expected whole ms >= 0',
      );
      expect(thrown(() => ch.call(OP_ECHO, 0, 1.5)).message).to.equal(
        'Invalid count 1.5 or flags 0: expected 32-bit integers, count >= 0',
      );
    });
  });

  describe('a worker that dies', () => {
    function expectDeath(
      ch: CallerChannel,
      opcode: number,
      body: Uint8Array | string,
      message: string,
      withinMs: number,
    ) {
      ch.waitReady();
      const start = performance.now();
      const err = thrown(() => send(ch, opcode, body));
      expect(performance.now() - start).to.be.below(withinMs);
      expect(err.code).to.equal(REDIS_ERR_OTHER);
      expect(err.message).to.equal(message);
      // The channel stays dead: the next call fails at once with the same error.
      const again = thrown(() => send(ch, OP_ECHO, 'x'));
      expect(again.message).to.equal(message);
    }

    it('by throwing: the call fails at once with the error', async () => {
      const ch = channel();
      expectDeath(ch, OP_THROW, '', 'Worker thread died: Error: boom', 1000);
      expect(await exitCode(ch.worker)).to.equal(1);
    });

    it("run as the thread's main script (mainScript): it serves, and a throw fails the call at once", async () => {
      const ch = channel({ mainScript: true });
      expect(send(ch, OP_ECHO, 'as main script')).to.equal(STATUS_OK);
      expect(ch.responseText()).to.equal('as main script');
      expectDeath(ch, OP_THROW, '', 'Worker thread died: Error: boom', 1000);
      expect(await exitCode(ch.worker)).to.equal(1);
    });

    it('by process.exit(): the call fails at once with the exit code', () => {
      const ch = channel();
      expectDeath(ch, OP_EXIT, '', 'Worker thread died: exited with code 3', 1000);
    });

    it('by blocking its event loop: the call fails when the heartbeat stops', () => {
      const ch = channel({ heartbeatTimeoutMs: 300 });
      expectDeath(ch, OP_BLOCK, u32(2000), 'Worker thread died: no heartbeat for 300 ms', 700);
    });

    it('by closing the channel on its own: the call fails', () => {
      const ch = channel();
      expectDeath(ch, OP_CLOSE_SELF, '', 'Worker thread closed the channel', 1000);
    });

    it('by failing to load its module: readiness fails with the error', () => {
      const ch = channel({ data: { throwAtLoad: true } });
      const err = thrown(() => ch.waitReady());
      expect(err.message).to.equal('Worker thread died: Error: load failure');
      expect(thrown(() => send(ch, OP_ECHO, 'x')).message).to.equal(
        'Worker thread died: Error: load failure',
      );
    });

    it('by declaring itself dead: the call fails with its reason', () => {
      const ch = channel();
      expectDeath(ch, OP_FAIL, 'engine gave up', 'Worker thread died: engine gave up', 1000);
    });

    it('while the caller is idle: the next call fails', async () => {
      const ch = channel();
      expect(send(ch, OP_ECHO, 'x')).to.equal(STATUS_OK);
      await ch.worker.terminate();
      expect(thrown(() => send(ch, OP_ECHO, 'x')).message).to.equal('Worker thread died: exited with code 1');
    });

    it('by a missing entry file: readiness fails naming the file', () => {
      const missing = new URL('./no-such-worker.js', ECHO_WORKER);
      const ch = new CallerChannel(missing);
      open.push(ch);
      expect(thrown(() => ch.waitReady()).message).to.equal(
        `Worker thread died: Error: Cannot find module '${fileURLToPath(missing)}' imported from ${fileURLToPath(ENTRY_IMPORTER)}`,
      );
    });
  });

  describe('readiness', () => {
    it('the first call blocks until the worker serves', () => {
      const ch = channel({ data: { startDelayMs: 300 } });
      const start = performance.now();
      expect(send(ch, OP_ECHO, 'first')).to.equal(STATUS_OK);
      expect(performance.now() - start).to.be.at.least(300);
      expect(ch.responseText()).to.equal('first');
    });

    it('fails after the ready timeout and stops the worker', async () => {
      const ch = channel({ readyTimeoutMs: 300, data: { neverReady: true } });
      const start = performance.now();
      expect(thrown(() => ch.waitReady()).message).to.equal('Worker thread not ready after 300 ms');
      expect(performance.now() - start).to.be.within(299, 600);
      expect(thrown(() => send(ch, OP_ECHO, 'x')).message).to.equal('Worker thread not ready after 300 ms');
      // Stopped: terminate() gives exit code 1, or 0 when the thread had not finished starting (a loaded
      // machine can take longer than the 300 ms to start one).
      const [code] = await once(ch.worker, 'exit');
      expect(code).to.be.oneOf([0, 1]);
    });

    it('an explicit waitReady() returns once the worker is ready', () => {
      const ch = channel();
      expect(thrown(() => ch.waitReady(Number.NaN)).message).to.equal(
        'Invalid ready timeout NaN: expected ms >= 0',
      );
      ch.waitReady();
      ch.waitReady();
      expect(send(ch, OP_ECHO, 'x')).to.equal(STATUS_OK);
    });
  });

  describe('close', () => {
    it('the worker acknowledges, exits with code 0, and later calls fail', async () => {
      const ch = channel();
      expect(send(ch, OP_ECHO, 'x')).to.equal(STATUS_OK);
      const exited = once(ch.worker, 'exit');
      const start = performance.now();
      ch.close();
      expect(performance.now() - start).to.be.below(200);
      const [code] = await exited;
      expect(code).to.equal(0);
      expect(thrown(() => send(ch, OP_ECHO, 'x')).message).to.equal('Channel is closed');
      ch.close();
    });

    it('a channel closed before its worker is ready terminates it', async () => {
      const ch = channel({ data: { startDelayMs: 5000 } });
      const exited = once(ch.worker, 'exit');
      const start = performance.now();
      ch.close();
      await exited;
      expect(performance.now() - start).to.be.below(1000);
    });

    it('a script that never calls close() still exits', () => {
      const script = `
        import { CallerChannel } from ${JSON.stringify(CHANNEL_MODULE.href)};
        const ch = new CallerChannel(new URL(${JSON.stringify(ECHO_WORKER.href)}));
        ch.beginRequest(2).write('hi');
        ch.call(${OP_ECHO}, 2);
        console.log(ch.responseText());
      `;
      const start = performance.now();
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        timeout: 10_000,
        encoding: 'utf8',
      });
      expect(child.error).to.equal(undefined);
      expect(child.stderr).to.equal('');
      expect(child.stdout).to.equal('hi\n');
      expect(child.status).to.equal(0);
      expect(performance.now() - start).to.be.below(5000);
    });
  });

  describe('options', () => {
    it('names a bad option', () => {
      expect(thrown(() => new CallerChannel(ECHO_WORKER, { heartbeatTimeoutMs: 50 })).message).to.equal(
        "Invalid option 'heartbeatTimeoutMs': expected an integer from 100 to 2147483647, got 50",
      );
    });
  });
});
