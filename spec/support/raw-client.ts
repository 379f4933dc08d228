/**
 * A bare socket plus our codec, for specs that talk to a real server without the client library: send an
 * argv, await its one reply. Replies are plain values (`plainReplies`); an error reply resolves to a
 * `ReplyError`. Calls may overlap: replies are matched to calls in order, as Redis sends them.
 */
import type { Buffer } from 'node:buffer';
import net from 'node:net';
import tls from 'node:tls';
import { buildReply, PushReply } from '../../lib/resp/build.js';
import { type CommandArg, encodeArgv } from '../../lib/resp/encode.js';
import { RespReader } from '../../lib/resp/reader.js';

export interface RawClientOptions {
  host: string;
  port: number;
  /** Speak TLS with these options (ca, cert, key, ...); plain TCP when absent. */
  tls?: tls.ConnectionOptions;
  /** Bound on connecting and on each call; 5000 ms by default. */
  timeoutMs?: number;
}

interface Pending {
  resolve(reply: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class RawClient {
  private readonly socket: net.Socket;
  private readonly timeoutMs: number;
  private readonly reader = new RespReader();
  private readonly pending: Pending[] = [];
  private failure: Error | null = null;
  /** Set to a list to keep frames that come with no call waiting (a subscribed link's), else they fail the link. */
  unsolicited: unknown[] | null = null;

  private constructor(socket: net.Socket, timeoutMs: number) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Connects (and completes the TLS handshake when asked); rejects with the socket's error, e.g. a TLS
   * verification failure whose `code` is OpenSSL's reason. */
  static connect(options: RawClientOptions): Promise<RawClient> {
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ ...options.tls, host: options.host, port: options.port })
        : net.connect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${options.host}:${options.port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      socket.once('error', onError);
      socket.once(options.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new RawClient(socket, timeoutMs));
      });
    });
  }

  /** Sends one command and resolves with its reply. */
  call(argv: readonly CommandArg[]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`no reply to ${String(argv[0])} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.push({ resolve, reject, timer });
      this.socket.write(encodeArgv(argv));
    });
  }

  /** Closes the connection and waits until the socket is gone. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) {
        resolve();
        return;
      }
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  private onData(chunk: Buffer): void {
    const reader = this.reader;
    reader.feed(chunk);
    try {
      for (;;) {
        const frameEnd = reader.next();
        if (frameEnd < 0) return;
        const reply = buildReply(reader.buffer, reader.start, frameEnd);
        // Out-of-band push frames (RESP3) never answer a call.
        if (reply instanceof PushReply) continue;
        const next = this.pending.shift();
        if (!next && this.unsolicited !== null) {
          this.unsolicited.push(reply);
          continue;
        }
        if (!next) throw new Error('reply without a pending call');
        clearTimeout(next.timer);
        next.resolve(reply);
      }
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const call of this.pending.splice(0)) {
      clearTimeout(call.timer);
      call.reject(error);
    }
    this.socket.destroy();
  }
}
