/**
 * The default adapter: Node's `net`/`tls` sockets, `setTimeout`, `process.nextTick` and
 * `process.hrtime()`. Socket errors carry hiredis' wording, so callbacks, events and the CLIs read
 * as hiredis-cluster's do.
 */

import { readSync } from 'node:fs';
import { isIP, type LookupFunction, type Socket, connect as tcpConnect } from 'node:net';
import { getSystemErrorMap } from 'node:util';
import { monotonicMs } from '../lib/clock.js';
import { REDIS_ERR_EOF, REDIS_ERR_IO, REDIS_ERR_OTHER, REDIS_ERR_TIMEOUT } from '../lib/errors.js';
import type {
  ConnectAddress,
  EventLoopAdapter,
  TimerHandle,
  Transport,
  TransportError,
  TransportEvents,
} from './adapter.js';

let tlsModule: typeof import('node:tls') | undefined;

/**
 * node:tls on first use: loading it costs a new context (and its worker) ~5 ms even when no link uses TLS.
 * Not through createRequire: node:module brings the ES module loader into the worker, another ~2 ms.
 */
function loadTls(): typeof import('node:tls') {
  tlsModule ??= process.getBuiltinModule('node:tls');
  return tlsModule;
}

/** Size of the one read buffer an adapter shares between its sockets. */
const READ_BUFFER_SIZE = 64 * 1024;

const TIMEOUT: TransportError = { code: REDIS_ERR_TIMEOUT, message: 'Timeout' };
const EOF: TransportError = { code: REDIS_ERR_EOF, message: 'Server closed the connection' };
/** What a probe of a paused socket reads at once; more is read as usual once reads resume. */
const PROBE_BYTES = 16 * 1024;

/** glibc's strerror() for the errors a client socket meets, where it differs from libuv's wording. */
const STRERROR: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ECONNABORTED: 'Software caused connection abort',
  EPIPE: 'Broken pipe',
};

/** getaddrinfo failures: hiredis reports gai_strerror() with REDIS_ERR_OTHER. */
const GAI_STRERROR: Readonly<Record<string, string>> = {
  ENOTFOUND: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
};

/** Errors that only say "this address family is not usable here". */
const FAMILY_ERRORS = new Set(['EADDRNOTAVAIL', 'ENETUNREACH', 'EAFNOSUPPORT']);

type NodeError = Error & {
  code?: string;
  errno?: number;
  syscall?: string;
  library?: string;
  reason?: string;
  errors?: unknown[];
};

/**
 * A Node socket error in hiredis' words. `handshaking` marks a TLS connection whose handshake has not
 * finished: a non-system error there is a handshake or certificate failure.
 */
export function transportError(err: NodeError, handshaking = false): TransportError {
  if (Array.isArray(err.errors) && err.errors.length > 0) {
    // autoSelectFamily tried several addresses: report the first that says more than "no such family".
    const errors = err.errors as NodeError[];
    return transportError(errors.find((e) => !FAMILY_ERRORS.has(e.code ?? '')) ?? errors[0]!, handshaking);
  }
  const code = err.code ?? '';
  const gai = GAI_STRERROR[code];
  if (gai !== undefined) return { code: REDIS_ERR_OTHER, message: gai };
  if (handshaking && err.syscall === undefined) {
    // OpenSSL's own errors carry a short `reason`; Node's verification errors say it in `message`.
    const reason = err.library !== undefined && err.reason !== undefined ? err.reason : err.message;
    return {
      code: REDIS_ERR_IO,
      message: `SSL_connect failed: ${code === '' ? reason : `${reason} (${code})`}`,
    };
  }
  if (err.library !== undefined && err.reason !== undefined) {
    // OpenSSL after the handshake, e.g. a TLS 1.3 server's alert refusing our client certificate: its
    // message carries a pointer and a source path; the reason and the code say it all.
    return { code: REDIS_ERR_IO, message: `SSL error: ${err.reason} (${code})` };
  }
  const known = STRERROR[code];
  if (known !== undefined) return { code: REDIS_ERR_IO, message: known };
  if (typeof err.errno === 'number') {
    // Any other system error: libuv's text, capitalised like strerror().
    const text = getSystemErrorMap().get(err.errno)?.[1];
    if (text !== undefined)
      return { code: REDIS_ERR_IO, message: text.charAt(0).toUpperCase() + text.slice(1) };
  }
  return { code: REDIS_ERR_IO, message: err.message };
}

enum State {
  Connecting,
  Open,
  Ending,
  Closed,
}

class NodeTransport implements Transport {
  private state = State.Connecting;
  private connected = false;
  private error: TransportError | undefined;
  private timer: NodeJS.Timeout | null = null;
  /** Null only when connect() threw; onClose(error) is then on its way. */
  private readonly socket: Socket | null = null;
  private readonly isTls: boolean;
  /** When reads were last paused (performance.now()). */
  private pausedAt = 0;

  constructor(
    addr: ConnectAddress,
    private readonly events: TransportEvents,
    readBuffer: Buffer,
    lookup: LookupFunction | undefined,
  ) {
    const { host, port, tls } = addr;
    this.isTls = tls !== undefined;
    const onread = {
      // Reads land in the adapter's one buffer: libuv never reads two sockets at once, and onData's
      // chunk is only valid during the call.
      buffer: readBuffer,
      callback: (nread: number, buf: Uint8Array): boolean => {
        if (this.state !== State.Closed) this.events.onData(buf.subarray(0, nread));
        return true;
      },
    };
    // autoSelectFamily (happy eyeballs): 'localhost' reaches an IPv4-only server where ::1 resolves first.
    const base = { host, port, autoSelectFamily: true, onread, ...(lookup === undefined ? {} : { lookup }) };
    let socket: Socket;
    try {
      socket =
        tls === undefined
          ? tcpConnect(base)
          : loadTls().connect({
              ...tls,
              ...base,
              servername: tls.servername ?? (isIP(host) === 0 ? host : undefined),
            });
    } catch (err) {
      // A bad port or TLS option throws here; the contract says failures arrive as onClose, from the loop.
      const error = transportError(err as NodeError);
      process.nextTick(() => this.finish(error));
      return;
    }
    this.socket = socket;
    socket.setNoDelay(true);
    socket.once(this.isTls ? 'secureConnect' : 'connect', () => this.handleConnect());
    socket.on('error', (err: NodeError) => {
      this.error ??= transportError(err, this.isTls && !this.connected);
    });
    socket.on('close', () => this.handleClose());
    if (addr.timeoutMs > 0) this.timer = setTimeout(() => this.handleTimeout(), addr.timeoutMs);
  }

  write(bytes: Uint8Array): void {
    // An empty write would still make a TLS socket run its read loop; there is nothing to send anyway.
    if ((this.state === State.Connecting || this.state === State.Open) && bytes.length > 0)
      this.socket?.write(bytes);
  }

  end(): void {
    if (this.state !== State.Connecting && this.state !== State.Open) return;
    this.state = State.Ending;
    // Flush, send FIN, then close without waiting for the peer: hiredis close()s once its replies are in.
    this.socket?.destroySoon();
  }

  destroy(): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.clearTimer();
    this.socket?.destroy();
  }

  lendableFd(): number {
    const socket = this.socket;
    if (this.isTls || this.state !== State.Open || socket === null || socket.writableLength > 0) return -1;
    // libuv's TCP handle knows its descriptor; Node has no public accessor for it.
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : -1;
  }

  /** With `onread`, pause() and resume() stop and restart libuv's reads at once (no stream buffering). */
  pauseReads(): void {
    this.pausedAt = performance.now();
    this.socket?.pause();
  }

  resumeReads(probeAfterMs: number): TransportError | undefined | null {
    const socket = this.socket!;
    // A paused socket hears nothing: a close the peer made meanwhile is found here, before the engine
    // writes on it, as it would have been found had the socket been read all along.
    if (probeAfterMs >= 0 && performance.now() - this.pausedAt >= probeAfterMs) {
      const fd = this.lendableFd();
      // Not the shared read buffer: another link's chunk may be being read from it right now.
      const probe = Buffer.allocUnsafe(PROBE_BYTES);
      try {
        const n = fd < 0 ? -1 : readSync(fd, probe, 0, probe.length, null);
        if (n > 0) {
          const chunk = probe.subarray(0, n);
          process.nextTick(() => {
            if (this.state !== State.Closed) this.events.onData(chunk);
          });
        } else if (n === 0) {
          this.destroy();
          return undefined;
        }
      } catch (err) {
        if ((err as NodeError).code !== 'EAGAIN') {
          this.destroy();
          return transportError(err as NodeError);
        }
      }
    }
    socket.resume();
    return null;
  }

  private handleConnect(): void {
    if (this.state === State.Closed) return;
    this.clearTimer();
    this.connected = true;
    if (this.state === State.Connecting) this.state = State.Open;
    this.events.onConnect();
  }

  private handleTimeout(): void {
    this.timer = null;
    if (!this.connected) this.finish(TIMEOUT);
  }

  private handleClose(): void {
    // An error wins; a close we asked for is clean; any other close means the peer went away.
    this.finish(this.error ?? (this.state === State.Ending ? undefined : EOF));
  }

  /** The one onClose (none once destroy() was called). */
  private finish(error: TransportError | undefined): void {
    if (this.state === State.Closed) return;
    this.state = State.Closed;
    this.clearTimer();
    this.socket?.destroy();
    this.events.onClose(error);
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}

/** Options of {@link NodeAdapter}. */
export interface NodeAdapterOptions {
  /** Name resolution for every connection (Node's `dns.lookup` by default), e.g. a custom resolver. */
  lookup?: LookupFunction;
}

/**
 * Node's own loop: `net`/`tls` sockets over IPv4 and IPv6, `setTimeout` timers, `process.nextTick`
 * for deferred work and `process.hrtime()` as the clock (lib/clock.ts).
 *
 * Sockets have Nagle's algorithm off and stay referenced (an open connection keeps the process alive,
 * as in hiredis, until the client is disconnected or freed). Plain and TLS sockets read into one
 * 64 KiB buffer that the adapter reuses for every read.
 */
export class NodeAdapter implements EventLoopAdapter {
  private readonly lookup: LookupFunction | undefined;
  private readBuffer: Buffer | null = null;

  constructor(options: NodeAdapterOptions = {}) {
    this.lookup = options.lookup;
  }

  connect(addr: ConnectAddress, events: TransportEvents): Transport {
    this.readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_SIZE);
    return new NodeTransport(addr, events, this.readBuffer, this.lookup);
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    return setTimeout(fn, ms);
  }

  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }

  /** `timeout.ref()` / `timeout.unref()`: an unref'd timer does not keep the process alive. */
  refTimer(handle: TimerHandle, ref: boolean): void {
    const timeout = handle as NodeJS.Timeout;
    if (ref) timeout.ref();
    else timeout.unref();
  }

  /**
   * `process.nextTick`: it runs once the current callback's synchronous code is done and before the
   * loop polls for I/O, so every command queued in one run of user code goes out in one write, at the
   * lowest latency. Promise-based user code that sends, awaits and sends again within one microtask
   * drain still shares one write; `queueMicrotask` would flush at every `await`, and `setImmediate`
   * would wait for a whole loop turn.
   */
  defer(fn: () => void): void {
    process.nextTick(fn);
  }

  now(): number {
    return monotonicMs();
  }
}
