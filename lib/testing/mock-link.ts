/**
 * One client connection to a mock node: reads RESP commands, runs them one after another and sends the
 * replies in order, each after the node's reply delay. A stalled node keeps reading but runs nothing
 * until it resumes; then the backlog runs.
 */
import type { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { parseCommand } from '../resp/parse-command.js';
import { RespReader } from '../resp/reader.js';
import type { MockReply } from './mock-reply.js';
import { executeCommand, type LinkState, type NodeContext } from './node-commands.js';
import { encodeReply } from './reply-encoder.js';

/** What a link needs from its node. */
export interface LinkHost {
  readonly context: NodeContext;
  /** Commands wait (unread by the node) while true. */
  readonly stalled: boolean;
  /** Each reply leaves this many ms after its command ran. */
  readonly delayMs: number;
  /** Called with every command before it runs (the command history). */
  record(argv: readonly Buffer[]): void;
  /** The link closed. */
  forget(link: MockLink): void;
}

let linkCount = 0;

export class MockLink {
  readonly state: LinkState;
  private readonly reader = new RespReader();
  private pumping = false;
  private closed = false;
  /** Replies waiting for their time to leave, in order. */
  private readonly out: { bytes: Buffer; at: number }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private endAfterReplies = false;

  constructor(
    private readonly socket: Socket,
    private readonly host: LinkHost,
  ) {
    this.state = {
      id: ++linkCount,
      authenticated: false,
      resp: 2,
      asking: false,
      readonly: false,
      multi: null,
      multiFailed: false,
      quit: false,
      pubsub: {
        node: host.context.node,
        channels: new Set(),
        patterns: new Set(),
        sharded: new Set(),
        // A message goes out after the replies already queued, as on a real link.
        deliver: (bytes) => this.send({ raw: bytes }),
        resp: () => this.state.resp,
      },
    };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      this.reader.feed(chunk);
      void this.pump();
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Runs the commands that have arrived, unless the node is stalled. */
  async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && !this.host.stalled && !this.endAfterReplies) {
        let argv: Buffer[] | null;
        try {
          argv = this.nextCommand();
        } catch (err) {
          this.send({ error: `ERR Protocol error: ${(err as Error).message}` });
          this.endAfterReplies = true;
          break;
        }
        if (argv === null) break;
        this.host.record(argv);
        const result = executeCommand(this.host.context, this.state, argv);
        this.send(result instanceof Promise ? await result : result);
        if (this.state.quit) this.endAfterReplies = true;
      }
    } finally {
      this.pumping = false;
    }
    this.flush();
  }

  /** Closes the connection at once: unsent replies are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.socket.destroy();
    this.host.context.pubsub.forget(this.state.pubsub);
    this.host.forget(this);
  }

  /** The next complete command, or null when it has not fully arrived. */
  private nextCommand(): Buffer[] | null {
    const reader = this.reader;
    const end = reader.next();
    return end < 0 ? null : parseCommand(reader.buffer.subarray(reader.start, end));
  }

  private send(reply: MockReply): void {
    if (this.closed) return;
    let bytes: Buffer;
    try {
      bytes = encodeReply(reply, this.state.resp);
    } catch (err) {
      bytes = encodeReply({ error: `ERR ${(err as Error).message}` }, this.state.resp);
    }
    this.out.push({ bytes, at: Date.now() + this.host.delayMs });
    this.flush();
  }

  /** Writes the replies whose time has come, in order; waits for the next one. */
  private flush(): void {
    if (this.closed || this.timer !== null) return;
    const now = Date.now();
    while (this.out.length > 0 && this.out[0]!.at <= now) this.socket.write(this.out.shift()!.bytes);
    if (this.out.length > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.out[0]!.at - now);
    } else if (this.endAfterReplies && !this.pumping) {
      this.closed = true;
      this.socket.end();
      this.host.forget(this);
    }
  }
}
