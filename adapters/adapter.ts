/**
 * The event-loop adapter: everything the engine needs from the outside world — sockets, one-shot
 * timers, a "run after this callback" hook and a clock. hiredis attaches a context to an event
 * library through a few hooks (`addRead`, `addWrite`, `scheduleTimer`, ...); this is the same idea in
 * JavaScript terms, one level higher: the adapter moves bytes, the engine speaks RESP.
 *
 * `NodeAdapter` (`adapters/node.ts`) is the default, on `net`/`tls` sockets and Node timers.
 * Write your own to run the client on another loop, an in-memory network or a virtual clock. The
 * engine relies on every guarantee written below; an adapter that breaks one breaks the client's
 * promise that each command gets exactly one outcome.
 *
 * This file only declares types: it must stay importable by any code, so it takes nothing but types
 * from Node.
 *
 * @module
 */
import type { ConnectionOptions } from 'node:tls';

/**
 * TLS settings for one connection: Node's `tls.connect` options without the parts the adapter owns
 * (where to connect, which socket, how reads are delivered). `servername` (SNI) defaults to the host
 * when the host is a name rather than an IP address.
 */
export type TlsOptions = Omit<ConnectionOptions, 'host' | 'port' | 'path' | 'socket' | 'onread'>;

/** Where and how to open one connection. */
export interface ConnectAddress {
  /** An IPv4 or IPv6 address (without brackets) or a host name. A name may resolve to both families. */
  host: string;
  /** TCP port. */
  port: number;
  /** Speak TLS with these options; plain TCP when absent. */
  tls?: TlsOptions | undefined;
  /**
   * Connect timeout in milliseconds, covering name resolution, the TCP connect and the TLS handshake,
   * i.e. everything before {@link TransportEvents.onConnect}. 0 means no timeout.
   */
  timeoutMs: number;
}

/**
 * Why a transport closed, in hiredis' terms: `code` is hiredis' `err` and `message` its `errstr`.
 *
 * The codes are those of `lib/errors.ts`:
 * - `REDIS_ERR_IO` (1) for socket errors, with the C library's `strerror()` wording:
 *   `'Connection refused'`, `'Connection reset by peer'`, `'Connection timed out'`, ...; a failed TLS
 *   handshake or certificate check reads `'SSL_connect failed: <reason> (<code>)'`, a TLS failure after
 *   it (e.g. the server's alert refusing a client certificate) `'SSL error: <reason> (<code>)'`;
 * - `REDIS_ERR_EOF` (3), `'Server closed the connection'`, when the peer closed the connection;
 * - `REDIS_ERR_TIMEOUT` (6), `'Timeout'`, when {@link ConnectAddress.timeoutMs} passed before the
 *   connection was made (hiredis ≥ 1.1 wording for the async connect timeout);
 * - `REDIS_ERR_OTHER` (2) when the host name could not be resolved, as hiredis reports
 *   `getaddrinfo` failures (`'Name or service not known'`, ...).
 */
export interface TransportError {
  /** hiredis' `err`: one of the REDIS_ERR_* codes above. */
  readonly code: number;
  /** hiredis' `errstr`, in the wording above. */
  readonly message: string;
}

/**
 * What a transport tells the engine. The adapter guarantees:
 * - **Never re-entrant.** No event fires synchronously inside `connect()`, `write()`, `end()` or
 *   `destroy()`: events always come from the loop, so the engine never runs inside its own call.
 * - **Order.** `onConnect` fires at most once and before any `onData`.
 * - **Exactly one `onClose`** per transport, unless the engine calls `destroy()` first (then none).
 *   Nothing fires after `onClose`.
 */
export interface TransportEvents {
  /**
   * The connection is ready for traffic. For TLS: the handshake is done and the certificate checked
   * (unless the TLS options turn verification off).
   */
  onConnect(): void;
  /**
   * Bytes from the peer. `chunk` is only valid during this call — the adapter may read the next bytes
   * into the same memory (zero-copy reads into a reused buffer) — so copy whatever you keep.
   */
  onData(chunk: Uint8Array): void;
  /**
   * The transport is closed; it was never connected if `onConnect` did not fire. `error` is absent
   * only when the close was asked for with `end()` and nothing went wrong while ending.
   */
  onClose(error?: TransportError): void;
}

/** One connection, as returned by {@link EventLoopAdapter.connect}. */
export interface Transport {
  /**
   * Queues bytes for sending, in order. Allowed before `onConnect` (sent once connected). The engine
   * calls it once per tick with everything queued in that tick. The adapter may hold on to `bytes`
   * until they are on the wire (Node's sockets do), so the caller must not change them afterwards.
   * Ignored after `end()` or `destroy()`, and once the transport has closed.
   */
  write(bytes: Uint8Array): void;
  /**
   * Graceful close: bytes already written are flushed, then the connection is closed without waiting
   * for the peer (as hiredis closes its fd once its replies are drained). Until then `onConnect` and
   * `onData` may still fire; `onClose()` follows with no error unless an I/O error happens while
   * flushing. Calling it twice, or after `destroy()`, does nothing.
   */
  end(): void;
  /**
   * Immediate close: unsent bytes are dropped and **no further event fires, not even `onClose`** — the
   * caller already knows the transport is gone. Idempotent.
   */
  destroy(): void;
  /**
   * Optional: lending the socket to another thread of this process while the engine has nothing to
   * read or write on it (the blocking context's direct calls). The file descriptor of an open,
   * connected, plain-TCP socket with nothing unsent, or -1 when it cannot be lent now.
   */
  lendableFd?(): number;
  /** Stops reading (bytes stay in the kernel for the borrower); only after `lendableFd()` gave a descriptor. */
  pauseReads?(): void;
  /**
   * Reads again once the borrower is done. When reads were paused for more than `probeAfterMs` (-1: never
   * look), first looks for what came meanwhile: bytes are delivered as usual (from the loop); the peer's
   * close or an error is returned instead (undefined for EOF), and the transport is then closed without an
   * `onClose`. Null: the transport is open.
   */
  resumeReads?(probeAfterMs: number): TransportError | undefined | null;
}

/**
 * An opaque timer handle: whatever {@link EventLoopAdapter.setTimer} returned (never null or
 * undefined, so `null` can mean "no timer").
 */
export type TimerHandle = NonNullable<unknown>;

/**
 * A reusable timer handle in libuv's style (`uv_timer_t`): made once with its callback by
 * {@link EventLoopAdapter.createTimer}, then started, stopped and restarted at will. Like a one-shot
 * timer it never calls back synchronously, and a stopped timer never calls back.
 */
export interface Timer {
  /**
   * Starts the timer, or restarts it when it is active (`uv_timer_start`): the callback runs once
   * `timeoutMs` have passed (never earlier; 0: as soon as the loop allows), then every `repeatMs`
   * when that is not 0. A repeating timer is restarted before its callback runs, so the callback may
   * stop it. Throws a RangeError naming the argument when either is not a finite number >= 0.
   */
  start(timeoutMs: number, repeatMs?: number): void;
  /** Stops the timer (`uv_timer_stop`); stopping an inactive timer does nothing. */
  stop(): void;
  /**
   * `uv_timer_again`: restarts a repeating timer with its repeat interval as the timeout; does nothing
   * when the repeat is 0. Throws when the timer was never started (libuv's `UV_EINVAL`).
   */
  again(): void;
  /** Sets the repeat interval (ms, 0: none); it applies from the next firing or `again()`. */
  setRepeat(repeatMs: number): void;
  /** The repeat interval in ms (`uv_timer_get_repeat`). */
  readonly repeat: number;
  /** True from `start()` until the timer fires (a repeating one stays active) or is stopped. */
  readonly active: boolean;
  /** Milliseconds until the timer is due (`uv_timer_get_due_in`); 0 when due or inactive. */
  readonly dueIn: number;
  /** The timer no longer keeps the loop alive (`uv_unref`); it still fires. */
  unref(): void;
  /** The timer keeps the loop alive while active again (`uv_ref`, the default). */
  ref(): void;
  /** Whether the timer keeps the loop alive while active (`uv_has_ref`). */
  readonly hasRef: boolean;
}

/** The engine's view of an event loop. */
export interface EventLoopAdapter {
  /**
   * Starts opening a connection and returns at once. Failures — a bad address, a refused connect, an
   * invalid TLS option, the connect timeout — arrive later as `onClose(error)`; `connect` never throws
   * and never calls `events` synchronously.
   */
  connect(addr: ConnectAddress, events: TransportEvents): Transport;
  /** Calls `fn` once after `ms` milliseconds (0: as soon as the loop allows), never synchronously. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Cancels a timer that has not fired yet; a handle that fired or was cleared is ignored. */
  clearTimer(handle: TimerHandle): void;
  /**
   * Runs `fn` after the current callback (and the synchronous code it runs) returns, before the loop
   * waits for I/O again; callbacks run in the order they were deferred. The engine uses it to coalesce
   * writes: every command queued during one run of user code leaves in one write per node.
   */
  defer(fn: () => void): void;
  /** A monotonic clock in milliseconds (fractions allowed); only differences are meaningful. */
  now(): number;
  /**
   * Optional: a reusable {@link Timer} whose start and stop are cheap (the `TimerWheel` adapter's are
   * O(1) and cost no timer of the loop underneath). When an adapter has it, the engine gives every
   * pending command its own deadline timer instead of one deadline timer per link.
   */
  createTimer?(fn: () => void): Timer;
  /**
   * Optional: whether a timer from {@link setTimer} keeps the loop alive (libuv's `uv_ref` /
   * `uv_unref`; Node's `timeout.ref()` / `unref()`). Adapters whose loop has no such notion leave it
   * out. A handle that fired or was cleared is ignored.
   */
  refTimer?(handle: TimerHandle, ref: boolean): void;
}
