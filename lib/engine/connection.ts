/**
 * One link to one node: handshake, coalesced writes, the FIFO of pending replies and the
 * per-command deadline. It knows frames, not replies: each complete frame goes to the pending
 * entry at the head of the FIFO, push frames go to the owner instead.
 */
import type { ConnectionOptions } from 'node:tls';
import type { EventLoopAdapter, Transport, TransportError } from '../../adapters/adapter.js';
import {
  atNode,
  ClusterError,
  protocolError,
  REDIS_ERR_EOF,
  REDIS_ERR_PROTOCOL,
  REDIS_ERR_TIMEOUT,
} from '../errors.js';
import { type CommandArg, CommandWriter } from '../resp/encode.js';
import { RespReader } from '../resp/reader.js';
import type { RespLimits } from '../resp/scan.js';
import { type CommandDeadlines, commandDeadlines } from './deadlines.js';
import { Fifo } from './fifo.js';
import { type HandshakeSettings, HandshakeStep, sendHandshake } from './handshake.js';
import type { Adopted, Lender } from './lending.js';
import { NO_PROBE, Parking, PROBE_AFTER_PAUSE, PROBE_ALWAYS } from './link-parking.js';

/** An entry waiting for one reply frame on a link. */
export interface Pending {
  /** The reply frame `buf[start..end)`; the bytes are valid only during the call. */
  onFrame(link: Connection, buf: Uint8Array, start: number, end: number): void;
  /** The link failed before the reply came; `err` null means the node left the cluster. */
  onFail(link: Connection, err: ClusterError | null): void;
}

/** What the owner of a link hears from it. */
export interface ConnectionEvents {
  /** The transport connected (handshake replies may still be on the way). */
  onConnect(link: Connection): void;
  /**
   * The link closed; `err` null: closed on request. A link that never connected reports this before
   * its pending entries fail, a connected one after (hiredis' callback order).
   */
  onClose(link: Connection, err: ClusterError | null, connected: boolean): void;
  /** A RESP3 push frame (never a command's reply). */
  onPush(link: Connection, buf: Uint8Array, start: number, end: number): void;
}

export interface ConnectionSettings extends HandshakeSettings {
  host: string;
  port: number;
  tls: ConnectionOptions | undefined;
  connectTimeout: number;
  commandTimeout: number;
  limits: RespLimits;
  /** The failure of a connect that timed out; null keeps the transport's. */
  connectTimeoutError: ClusterError | null;
}

enum State {
  Connecting,
  Open,
  Ending,
  Closed,
}

const PUSH = 0x3e; // '>'

export class Connection {
  readonly host: string;
  readonly port: number;
  readonly addr: string;
  /** The node's availability zone as its HELLO reply named it; '' when unknown. */
  zone = '';
  /** Round trip of the handshake's first reply in ms; -1 until measured. */
  rttMs = -1;
  private connectedAt = 0;
  private state = State.Connecting;
  private connected = false;
  private readonly transport: Transport;
  private readonly writer = new CommandWriter();
  private flushScheduled = false;
  private readonly flushNow = () => this.flush();
  /** Entries waiting for a reply, in the order the replies come. */
  private readonly fifo = new Fifo<Pending>();
  private commandTimeout: number;
  private readonly deadlines: CommandDeadlines;
  private readonly reader: RespReader;
  private readonly connectTimeoutError: ClusterError | null;
  /** Why the link closed (null: on request), whether the server (not this side) closed it, and idle. */
  private closeError: ClusterError | null = null;
  private closedByPeer = false;
  private idleAtClose = false;
  /** Lending while idle, for a link that has a lender (a blocking context's command links), else null. */
  private readonly parking: Parking | null;
  /**
   * A subscriber link: frames no entry waits for (messages, RESP2 arrays included, and confirmations) go
   * to onPush, and its subscribe commands are sent with sendUnanswered.
   */
  subscriber = false;

  constructor(
    private readonly adapter: EventLoopAdapter,
    settings: ConnectionSettings,
    private readonly events: ConnectionEvents,
    lender: Lender | null = null,
  ) {
    this.parking =
      lender === null ? null : new Parking(lender, this, adapter, (probe) => this.resumed(probe));
    this.host = settings.host;
    this.port = settings.port;
    this.addr = `${settings.host}:${settings.port}`;
    this.commandTimeout = settings.commandTimeout;
    this.reader = new RespReader(settings.limits);
    this.connectTimeoutError = settings.connectTimeoutError;
    this.deadlines = commandDeadlines(adapter, () =>
      this.destroy(new ClusterError(REDIS_ERR_TIMEOUT, 'Timeout', this.addr)),
    );
    sendHandshake(this, settings);
    this.transport = adapter.connect(
      { host: settings.host, port: settings.port, tls: settings.tls, timeoutMs: settings.connectTimeout },
      {
        onConnect: () => this.handleConnect(),
        onData: (chunk) => this.handleData(chunk),
        onClose: (error) => this.handleClose(error),
      },
    );
  }

  /** True until the link is closing or closed: it still takes commands. */
  get usable(): boolean {
    return this.state === State.Connecting || this.state === State.Open;
  }

  /** True once the transport has connected. */
  get isConnected(): boolean {
    return this.connected && this.state !== State.Closed;
  }

  /** True once the transport has connected, even after it closed (hiredis: connect vs I/O failure). */
  get everConnected(): boolean {
    return this.connected;
  }

  /** True once the server closed it, or the connection failed, while it was open and idle. */
  get closedIdle(): boolean {
    return this.state === State.Closed && this.closedByPeer && this.idleAtClose && this.closeError !== null;
  }

  /** A handshake reply came: the first one times the round trip. */
  handshakeAnswered(): void {
    if (this.rttMs < 0) this.rttMs = this.adapter.now() - this.connectedAt;
  }

  /** Entries waiting for a reply. */
  get pendingCount(): number {
    return this.fifo.length;
  }

  /** True when nothing but `pending` (and the handshake) waits for a reply: closing the link fails no command. */
  onlyAwaits(pending: Pending): boolean {
    for (let i = 0; i < this.fifo.length; i++) {
      const entry = this.fifo.at(i);
      if (entry !== pending && !(entry instanceof HandshakeStep)) return false;
    }
    return true;
  }

  /**
   * Queues one command; it leaves with everything else queued in this tick. `frames`: the replies its
   * bytes bring, all for `pending` (a transaction's); `timeoutMs`: its own deadline, -1 for the link's.
   */
  send(argv: readonly CommandArg[], pending: Pending, frames = 1, timeoutMs = -1): void {
    const parking = this.parking;
    if (
      parking?.lent &&
      !parking.takeBack(PROBE_AFTER_PAUSE, () => this.send(argv, pending, frames, timeoutMs))
    )
      return;
    this.writer.writeArgv(argv);
    this.enqueue(pending, frames, timeoutMs);
  }

  /** Queues one pre-encoded command (see send). */
  sendRaw(bytes: Uint8Array, pending: Pending, frames = 1, timeoutMs = -1): void {
    const parking = this.parking;
    if (
      parking?.lent &&
      !parking.takeBack(PROBE_AFTER_PAUSE, () => this.sendRaw(bytes, pending, frames, timeoutMs))
    )
      return;
    this.writer.writeRaw(bytes);
    this.enqueue(pending, frames, timeoutMs);
  }

  /** Queues a command whose answers come unasked, as onPush frames (a subscriber link's commands). */
  sendUnanswered(argv: readonly CommandArg[]): void {
    if (this.state === State.Closed) return;
    this.writer.writeArgv(argv);
    this.scheduleFlush();
  }

  /**
   * Takes over a command the borrower wrote on this lent link (the lender has taken the link back): its
   * bytes past `adopted.written` still go out, the reply bytes already read come first, then what the
   * socket said. `adopted.written` -1: nothing went out, and the link only takes the socket's news.
   */
  adopt(pending: Pending, bytes: Uint8Array, adopted: Adopted, timeoutMs = -1): void {
    const parking = this.parking!;
    parking.lent = false;
    this.resumed(NO_PROBE);
    if (adopted.written >= 0) {
      if (this.state === State.Closed) this.enqueue(pending, 1, timeoutMs);
      else {
        this.track(pending, 1, timeoutMs);
        if (adopted.written < bytes.length) this.transport.write(bytes.subarray(adopted.written));
      }
    }
    if (adopted.read.length > 0 && this.state !== State.Closed) this.handleData(adopted.read);
    // Reading the bytes may have lent the link again; its borrower waits for this answer, so it comes back.
    if (
      adopted.failure !== null &&
      this.state !== State.Closed &&
      (!parking.lent || parking.takeBack(NO_PROBE))
    ) {
      this.transport.destroy();
      this.handleClose(adopted.failure);
    }
    parking.release();
  }

  /** The borrower handed the link over and its hand-over was lost: what is on the wire is unknown, so it closes. */
  dropHandedOver(err: ClusterError): void {
    this.parking!.lent = false;
    this.destroy(err);
    this.parking!.release();
  }

  /** Applies a new command timeout to this link (hiredis applies it live). */
  setCommandTimeout(ms: number): void {
    this.commandTimeout = ms;
    if (this.state !== State.Closed) this.deadlines.retime(ms);
  }

  /** Graceful close: replies still pending are delivered first, then the link ends. */
  end(): void {
    if (!this.usable) return;
    if (this.parking?.lent && !this.parking.takeBack(NO_PROBE, () => this.end())) return;
    this.state = State.Ending;
    if (this.pendingCount === 0) this.finishEnd();
    else this.flush();
  }

  /** Immediate close: every pending entry fails with `err` (null: its node left the cluster). */
  destroy(err: ClusterError | null): void {
    if (this.state === State.Closed) return;
    // The borrower may be using the socket: it is closed once it is given back (a closed descriptor's
    // number could be reused by another socket under the borrower's hands).
    const parking = this.parking;
    if (!parking?.lent || parking.takeBack(NO_PROBE, () => this.transport.destroy()))
      this.transport.destroy();
    this.close(err);
  }

  /** Lends the link when it has nothing to do. */
  private park(): void {
    // A frame begun in the reader (a push split across reads) would leave its tail to the borrower.
    const parking = this.parking!;
    if (this.state !== State.Open || this.writer.length > 0 || parking.waiting || this.reader.pending > 0)
      return;
    const fd = this.transport.lendableFd?.() ?? -1;
    if (fd < 0) return;
    this.transport.pauseReads!();
    parking.lend(fd);
  }

  /**
   * A lent link is taken back before the engine routes a command to it: a close its node made while it was
   * lent (and not read) is found now, so the policy sees a link closed while idle, as without lending.
   * `always`: look even when it was lent only briefly (detectIdleClose: every close counts).
   */
  wake(always: boolean): void {
    if (this.parking?.lent) this.parking.takeBack(always ? PROBE_ALWAYS : PROBE_AFTER_PAUSE);
  }

  /** The link is back from its borrower: reads resume; a close found first (`probe`) closes it. */
  private resumed(probe: number): void {
    if (this.state === State.Closed) return;
    const news = this.transport.resumeReads!(probe);
    if (news !== null) this.handleClose(news);
  }

  /** A method, not a field test, because callbacks run from deliver() may close the link. */
  private closed(): boolean {
    return this.state === State.Closed;
  }

  private enqueue(pending: Pending, frames: number, timeoutMs: number): void {
    if (this.state === State.Closed) {
      // Written on a link the server closed while it was idle: the write meets the close (hiredis' sync API).
      const err = this.closeError;
      this.adapter.defer(() => pending.onFail(this, err));
      return;
    }
    this.track(pending, frames, timeoutMs);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled && this.state === State.Open) {
      this.flushScheduled = true;
      this.adapter.defer(this.flushNow);
    }
  }

  /** `pending` waits for `frames` replies, with its deadline. */
  private track(pending: Pending, frames: number, timeoutMs: number): void {
    const timeout = timeoutMs < 0 ? this.commandTimeout : timeoutMs;
    for (let i = 0; i < frames; i++) {
      this.fifo.push(pending);
      this.deadlines.added(timeout);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if ((this.state !== State.Open && this.state !== State.Ending) || this.writer.length === 0) return;
    this.transport.write(this.writer.take());
  }

  /** Nothing is pending any more: hiredis frees the link at once, its disconnect callback included. */
  private finishEnd(): void {
    this.flush();
    if (this.connected) this.transport.end();
    else this.transport.destroy();
    this.close(null);
  }

  private handleConnect(): void {
    if (this.state === State.Closed) return;
    this.connected = true;
    this.connectedAt = this.adapter.now();
    if (this.state === State.Connecting) this.state = State.Open;
    this.events.onConnect(this);
    this.flush();
  }

  private handleData(chunk: Uint8Array): void {
    if (this.state === State.Closed) return;
    const reader = this.reader;
    reader.feed(chunk);
    for (;;) {
      let end: number;
      // The try stays in this loop: a call around reader.next() costs ~10% of the read path.
      try {
        end = reader.next();
      } catch (err) {
        this.failOnBytes(err);
        return;
      }
      if (end < 0) break;
      this.deliver(reader.buffer, reader.start, end);
      if (this.closed()) return;
    }
    if (this.parking !== null && this.fifo.length === 0 && !this.parking.lent) this.park();
  }

  /** The link fails on bytes the scanner refused. */
  private failOnBytes(err: unknown): void {
    // The scanner names the place in the frame; the node is named here, where it is known.
    const message = err instanceof Error ? err.message : String(err);
    this.destroy(new ClusterError(REDIS_ERR_PROTOCOL, `${message} (from ${this.addr})`, this.addr));
  }

  private deliver(buf: Uint8Array, start: number, end: number): void {
    if (this.reader.frameType === PUSH || (this.subscriber && this.fifo.length === 0)) {
      this.events.onPush(this, buf, start, end);
      return;
    }
    if (this.fifo.length === 0) {
      this.destroy(protocolError(`a reply arrived with no command waiting (from ${this.addr})`, this.addr));
      return;
    }
    const pending = this.fifo.shift();
    this.deadlines.removed();
    pending.onFrame(this, buf, start, end);
    if (this.state === State.Ending && this.pendingCount === 0) this.finishEnd();
  }

  private handleClose(error: TransportError | undefined): void {
    if (this.state === State.Closed) return;
    this.closedByPeer = this.connected;
    if (
      error !== undefined &&
      error.code === REDIS_ERR_TIMEOUT &&
      !this.connected &&
      this.connectTimeoutError !== null
    ) {
      this.close(atNode(this.connectTimeoutError, this.addr));
    } else if (error !== undefined) this.close(new ClusterError(error.code, error.message, this.addr));
    else if (this.state === State.Ending && this.pendingCount === 0) this.close(null);
    else this.close(new ClusterError(REDIS_ERR_EOF, 'Server closed the connection', this.addr));
  }

  private close(err: ClusterError | null): void {
    this.state = State.Closed;
    this.closeError = err;
    this.idleAtClose = this.fifo.length === 0;
    this.deadlines.clear();
    const pending = this.fifo.drain();
    this.reader.reset();
    this.writer.reset();
    // hiredis' order: a failed connect reports the connect callback before the NULL replies; a
    // disconnect runs the NULL replies first, then the disconnect callback.
    if (!this.connected) this.events.onClose(this, err, false);
    for (const entry of pending) entry.onFail(this, err);
    if (this.connected) this.events.onClose(this, err, true);
  }
}
