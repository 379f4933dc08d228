import net from 'node:net';
import { expect } from 'chai';
import type { Transport, TransportEvents } from '../../../adapters/adapter.js';
import { ManualLoop } from '../../../adapters/manual.js';
import { REDIS_ERR_EOF, REDIS_ERR_IO, REDIS_ERR_TIMEOUT } from '../../../lib/errors.js';
import { sleep, until } from '../../support/async-helpers.js';
import { TransportLog } from '../../support/transport-log.js';

/** An inner adapter whose connections never connect; it records what the loop does to them. */
function silentIo(log: string[]) {
  return {
    connect: (addr: { host: string; port: number; timeoutMs: number }): Transport => {
      log.push(`connect ${addr.host}:${addr.port} timeout ${addr.timeoutMs}`);
      return {
        write: () => log.push('write'),
        end: () => log.push('end'),
        destroy: () => log.push('destroy'),
      };
    },
  };
}

/** A loop over silentIo(log) that hands the spec the inner transport's events, to play the socket. */
function withInnerEvents(log: string[]) {
  let inner: TransportEvents | undefined;
  const loop = new ManualLoop({
    io: {
      connect: (addr, events) => {
        inner = events;
        return silentIo(log).connect(addr);
      },
    },
  });
  return { loop, inner: () => inner! };
}

describe('adapters/manual: ManualLoop', () => {
  describe('timers, defer and the clock', () => {
    it('nothing runs until run() or advance(); run() counts the callbacks it ran', async () => {
      const loop = new ManualLoop();
      const ran: string[] = [];
      loop.setTimer(0, () => ran.push('timer'));
      loop.defer(() => ran.push('deferred'));
      await sleep(20);
      expect([ran, loop.queued, loop.timers, loop.alive]).to.deep.equal([[], 1, 1, true]);
      expect(loop.run()).to.equal(2);
      expect([ran, loop.alive]).to.deep.equal([['deferred', 'timer'], false]);
    });

    it('the clock moves only in advance(); timers fire in due order at their due time, ties in set order', () => {
      const loop = new ManualLoop({ startMs: 1000 });
      const ran: string[] = [];
      const at = (name: string) => () => ran.push(`${name}@${loop.now()}`);
      loop.setTimer(30, at('c'));
      loop.setTimer(10, at('a'));
      loop.setTimer(10, at('b'));
      loop.setTimer(-5, at('now')); // negative: due at once
      expect(loop.nextTimerAt).to.equal(1000);
      expect(loop.run()).to.equal(1);
      loop.advance(29);
      expect([ran, loop.now()]).to.deep.equal([['now@1000', 'a@1010', 'b@1010'], 1029]);
      loop.advance(1);
      expect(ran.at(-1)).to.equal('c@1030');
      expect(loop.nextTimerAt).to.equal(undefined);
    });

    it('clearTimer cancels; a fired, cleared or foreign handle is ignored', () => {
      const loop = new ManualLoop();
      const ran: string[] = [];
      const fired = loop.setTimer(1, () => ran.push('fired'));
      const cleared = loop.setTimer(2, () => ran.push('cleared'));
      loop.clearTimer(cleared);
      loop.clearTimer(cleared);
      loop.clearTimer({});
      expect(loop.timers).to.equal(1);
      loop.advance(5);
      loop.clearTimer(fired);
      expect([ran, loop.timers]).to.deep.equal([['fired'], 0]);
    });

    it('defer: after the current callback, before the next event, in order', () => {
      const loop = new ManualLoop();
      const ran: string[] = [];
      loop.setTimer(0, () => {
        ran.push('timer 1');
        loop.defer(() => {
          ran.push('deferred 1');
          loop.defer(() => ran.push('deferred 3'));
        });
        loop.defer(() => ran.push('deferred 2'));
      });
      loop.setTimer(0, () => ran.push('timer 2'));
      loop.run();
      expect(ran).to.deep.equal(['timer 1', 'deferred 1', 'deferred 2', 'deferred 3', 'timer 2']);
    });

    it('a timer set during run() waits for the next run(): a 0 ms timer that re-arms itself cannot spin', () => {
      const loop = new ManualLoop();
      let count = 0;
      const tick = () => {
        count++;
        loop.setTimer(0, tick);
      };
      loop.setTimer(0, tick);
      expect([loop.run(), loop.run(), loop.run(), count]).to.deep.equal([1, 1, 1, 3]);
      expect(() => loop.advance(1)).to.throw('ManualLoop.advance: 1000000 runs without the clock moving');
    });

    it('refTimer: an unref’d timer does not keep the loop alive, and still fires', () => {
      const loop = new ManualLoop();
      let fired = false;
      const handle = loop.setTimer(10, () => {
        fired = true;
      });
      loop.refTimer(handle, false);
      expect(loop.alive).to.equal(false);
      loop.refTimer(handle, true);
      expect(loop.alive).to.equal(true);
      loop.refTimer(handle, false);
      loop.advance(10);
      expect(fired).to.equal(true);
    });

    it('a callback that throws: the error reaches the owner and the loop goes on', () => {
      const loop = new ManualLoop();
      const ran: string[] = [];
      loop.setTimer(0, () => {
        throw new Error('boom');
      });
      loop.setTimer(0, () => ran.push('next'));
      expect(() => loop.run()).to.throw('boom');
      expect(loop.run()).to.equal(1);
      expect(ran).to.deep.equal(['next']);
    });

    it('bad use: clear errors', () => {
      const loop = new ManualLoop();
      expect(() => loop.advance(-1)).to.throw(
        RangeError,
        'ManualLoop.advance: ms must be a finite number >= 0, got -1',
      );
      expect(() => loop.setTimer(Number.NaN, () => {})).to.throw(
        RangeError,
        'ManualLoop.setTimer: ms must be a number',
      );
      expect(() => new ManualLoop({ startMs: Number.NaN })).to.throw(RangeError, 'ManualLoop: startMs');
      loop.setTimer(0, () => loop.run());
      expect(() => loop.run()).to.throw('ManualLoop.run: called from inside a callback of this loop');
    });
  });

  describe('connections', () => {
    it('real sockets: events wait in the queue until run(), with the bytes copied', async () => {
      const server = net.createServer((socket) => {
        socket.write('+hello\r\n');
        socket.on('data', (chunk) => {
          socket.write(chunk);
          socket.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const loop = new ManualLoop();
        const events = new TransportLog();
        const port = (server.address() as net.AddressInfo).port;
        const transport = loop.connect({ host: '127.0.0.1', port, timeoutMs: 1000 }, events);
        expect(loop.connections).to.equal(1);
        await until(() => loop.queued >= 2, 'queued socket events');
        expect(events.seen).to.deep.equal([]);
        loop.run();
        expect(events.seen).to.deep.equal(['connect', 'data:+hello\r\n']);
        transport.write(Buffer.from('*1\r\n$4\r\nPING\r\n'));
        await until(() => loop.queued >= 2, 'queued socket events');
        loop.run();
        expect(events.seen.slice(2)).to.deep.equal([
          'data:*1\r\n$4\r\nPING\r\n',
          `close:${REDIS_ERR_EOF} Server closed the connection`,
        ]);
        expect([loop.connections, loop.timers, loop.alive]).to.deep.equal([0, 0, false]);
      } finally {
        server.close();
      }
    });

    it("a refused connect arrives as onClose from the loop: 'Connection refused'", async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      await new Promise((resolve) => server.close(resolve));
      const loop = new ManualLoop();
      const events = new TransportLog();
      loop.connect({ host: '127.0.0.1', port, timeoutMs: 0 }, events);
      await until(() => loop.queued > 0, 'the refusal');
      loop.run();
      expect(events.seen).to.deep.equal([`close:${REDIS_ERR_IO} Connection refused`]);
    });

    it("the connect timeout runs on the loop's clock: 'Timeout', and the inner transport is destroyed", () => {
      const log: string[] = [];
      const loop = new ManualLoop({ io: silentIo(log) });
      const events = new TransportLog();
      loop.connect({ host: 'node-a', port: 7000, timeoutMs: 50 }, events);
      expect(log).to.deep.equal(['connect node-a:7000 timeout 0']);
      loop.advance(49);
      expect([events.seen, loop.alive]).to.deep.equal([[], true]);
      loop.advance(1);
      expect(events.seen).to.deep.equal([`close:${REDIS_ERR_TIMEOUT} Timeout`]);
      expect(log.at(-1)).to.equal('destroy');
      expect([loop.connections, loop.alive]).to.deep.equal([0, false]);
    });

    it('destroy(): queued events of that transport are dropped, nothing fires, not even onClose', () => {
      const log: string[] = [];
      const { loop, inner } = withInnerEvents(log);
      const events = new TransportLog();
      const transport = loop.connect({ host: 'node-a', port: 7000, timeoutMs: 50 }, events);
      inner().onConnect();
      inner().onData(Buffer.from('+OK\r\n'));
      transport.destroy();
      transport.destroy();
      inner().onClose({ code: REDIS_ERR_IO, message: 'late' });
      loop.advance(100);
      expect(events.seen).to.deep.equal([]);
      expect(log).to.deep.equal(['connect node-a:7000 timeout 0', 'destroy']);
      expect([loop.connections, loop.alive]).to.deep.equal([0, false]);
    });

    it('write() and end() go straight to the inner transport; onData gets a copy of the chunk', () => {
      const log: string[] = [];
      const { loop, inner } = withInnerEvents(log);
      const events = new TransportLog();
      const transport = loop.connect({ host: 'node-a', port: 7000, timeoutMs: 0 }, events);
      transport.write(Buffer.from('x'));
      const chunk = Buffer.from('+OK\r\n');
      inner().onConnect();
      inner().onData(chunk);
      chunk.fill(0); // the inner adapter reuses its read buffer
      transport.end();
      inner().onClose();
      loop.run();
      expect(log.slice(1)).to.deep.equal(['write', 'end']);
      expect(events.seen).to.deep.equal(['connect', 'data:+OK\r\n', 'close']);
    });
  });
});
