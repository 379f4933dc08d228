/**
 * The EventLoopAdapter interface: how the async engine reaches the outside world (sockets, timers,
 * deferral, a clock). hiredis attaches a context to ae, libev, libuv... through a few hooks; this is
 * the same idea in JavaScript. Write one to drive hircluster from your own loop.
 *
 * Guarantees an adapter must give the engine:
 * - Events never fire synchronously inside `connect()`, `write()`, `end()` or `destroy()`: always
 *   later, from the loop, so the engine is never re-entered.
 * - `onConnect` fires at most once, before any `onData`.
 * - `onClose` fires exactly once per transport, unless the engine called `destroy()` first (the
 *   engine knows then); after `onClose` or `destroy()` no event fires.
 * - `end()` closes gracefully: queued bytes are written, then the transport closes and `onClose()`
 *   fires without an error once the peer has closed too.
 * - The chunk given to `onData` is valid only during the call (adapters may reuse one read buffer).
 */
import type { ConnectionOptions } from 'node:tls';

/** TLS settings for a link: Node's TLS options without the address. */
export type TlsOptions = Omit<ConnectionOptions, 'host' | 'port' | 'socket' | 'path'>;

/** Where and how to connect. */
export interface ConnectAddress {
  host: string;
  port: number;
  /** When set, the link speaks TLS with these options. */
  tls?: TlsOptions | undefined;
  /** Connect (and TLS handshake) timeout in ms; 0 waits for the OS. */
  timeoutMs: number;
}

/** Why a transport closed, in hiredis' words. */
export interface TransportError {
  /** REDIS_ERR_IO, REDIS_ERR_EOF or REDIS_ERR_TIMEOUT (lib/errors.ts). */
  code: number;
  /** e.g. "Connection refused", "Timeout", "Server closed the connection", "Connection reset by peer". */
  message: string;
}

/** What a transport tells the engine. */
export interface TransportEvents {
  onConnect(): void;
  onData(chunk: Uint8Array): void;
  onClose(error?: TransportError): void;
}

/** One byte stream to a node. */
export interface Transport {
  /** Queues bytes (the engine writes once per tick). The adapter may keep `bytes`: it is not reused. */
  write(bytes: Uint8Array): void;
  /** Graceful close (see the guarantees above). */
  end(): void;
  /** Immediate close; no event fires afterwards. */
  destroy(): void;
}

/** An opaque timer handle. */
export type TimerHandle = unknown;

export interface EventLoopAdapter {
  connect(address: ConnectAddress, events: TransportEvents): Transport;
  /** A one-shot timer. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /** Runs `fn` after the current callback and its synchronous work: coalesces a tick's writes. */
  defer(fn: () => void): void;
  /** Milliseconds on a monotonic clock. */
  now(): number;
}
