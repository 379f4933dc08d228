/**
 * The default adapter: Node's net/tls sockets and timers. Errors carry hiredis' wording so that
 * callbacks, events and the CLIs read as hiredis-cluster's do.
 */
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { REDIS_ERR_EOF, REDIS_ERR_IO, REDIS_ERR_TIMEOUT } from '../lib/errors.js';
import type {
  ConnectAddress,
  EventLoopAdapter,
  TimerHandle,
  Transport,
  TransportError,
  TransportEvents,
} from './adapter.js';

const TIMEOUT: TransportError = { code: REDIS_ERR_TIMEOUT, message: 'Timeout' };
const EOF: TransportError = { code: REDIS_ERR_EOF, message: 'Server closed the connection' };

/** A Node socket error in hiredis' words. */
export function transportError(err: NodeJS.ErrnoException): TransportError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return { code: REDIS_ERR_IO, message: 'Connection refused' };
    case 'ECONNRESET':
      return { code: REDIS_ERR_IO, message: 'Connection reset by peer' };
    case 'ETIMEDOUT':
      return { code: REDIS_ERR_IO, message: 'Connection timed out' };
    case 'EPIPE':
      return { code: REDIS_ERR_IO, message: 'Broken pipe' };
    default: {
      // AggregateError from autoSelectFamily: report the first attempt's reason.
      const inner = (err as { errors?: NodeJS.ErrnoException[] }).errors?.[0];
      if (inner !== undefined) return transportError(inner);
      return { code: REDIS_ERR_IO, message: err.code ? `${err.message} (${err.code})` : err.message };
    }
  }
}

class NodeTransport implements Transport {
  private readonly socket: Socket;
  private closed = false;
  private connected = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    address: ConnectAddress,
    private readonly events: TransportEvents,
  ) {
    const { host, port, tls } = address;
    // autoSelectFamily: 'localhost' reaches an IPv4-only server even where ::1 resolves first.
    const base = { host, port, autoSelectFamily: true, noDelay: true };
    this.socket =
      tls === undefined
        ? tcpConnect(base)
        : tlsConnect({
            ...tls,
            ...base,
            servername: tls.servername ?? (isIP(host) === 0 ? host : undefined),
          });
    const ready = tls === undefined ? 'connect' : 'secureConnect';
    this.socket.once(ready, () => {
      if (this.closed) return;
      this.clearTimer();
      this.connected = true;
      events.onConnect();
    });
    this.socket.on('data', (chunk: Buffer) => {
      if (!this.closed) events.onData(chunk);
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.close(transportError(err)));
    this.socket.on('end', () => {
      if (this.socket.writableEnded) this.close(undefined);
      else this.close(EOF);
    });
    this.socket.on('close', () =>
      this.close(this.connected ? EOF : { code: REDIS_ERR_IO, message: 'Connection closed' }),
    );
    if (address.timeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.close(TIMEOUT);
      }, address.timeoutMs);
    }
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  end(): void {
    if (!this.closed) this.socket.end();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    this.socket.destroy();
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  /** The one onClose: the first reason wins, the socket is released. */
  private close(error: TransportError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    this.socket.destroy();
    this.events.onClose(error);
  }
}

/** Node's own loop: net/tls sockets, setTimeout, process.nextTick, performance.now. */
export class NodeAdapter implements EventLoopAdapter {
  connect(address: ConnectAddress, events: TransportEvents): Transport {
    return new NodeTransport(address, events);
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    return setTimeout(fn, ms);
  }

  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }

  /** process.nextTick: after the caller's synchronous run, before any I/O — one write per tick. */
  defer(fn: () => void): void {
    process.nextTick(fn);
  }

  now(): number {
    return performance.now();
  }
}
