/**
 * The worker's end of the blocking context's channel in memory, for specs that drive the real WorkerHost
 * on the simulated network: the spec is the caller (`call()` hands a request over and resolves with its
 * answer), requests and answers keep the channel's byte layouts (lib/blocking/batch.ts).
 */
import { BatchWriter, OP_BATCH } from '../../lib/blocking/batch.js';
import type { ChannelRequest } from '../../lib/blocking/channel-layout.js';
import type { HostChannel } from '../../lib/blocking/worker-host.js';

/** A command of a batch: its kind (ROUTED, ROUTED_NO_REDIRECT, TO_NODE), its slot or "host:port", its argv. */
export type BatchCommand = [kind: number, target: number | string, argv: readonly string[]];

export interface MemoryAnswer {
  status: number;
  /** The response area; its first `length` bytes are the answer. */
  area: Buffer;
  length: number;
  /** Events posted since the last answer, in order. */
  events: unknown[];
}

export class MemoryChannel implements HostChannel {
  closed = false;
  private area = Buffer.alloc(1024);
  private seq = 0;
  private events: unknown[] = [];
  private waiting: ((req: ChannelRequest | null) => void) | null = null;
  private queued: (ChannelRequest | null)[] = [];
  private answer: ((answer: MemoryAnswer) => void) | null = null;

  /** Hands a request to the worker; resolves with its answer. */
  call(opcode: number, body: Buffer = Buffer.alloc(0), count = 0): Promise<MemoryAnswer> {
    const req: ChannelRequest = { seq: ++this.seq, opcode, count, flags: 0, timeoutMs: 0, body };
    return new Promise((resolve) => {
      this.answer = resolve;
      this.hand(req);
    });
  }

  /** Hands a batch of commands to the worker, encoded as the blocking context encodes them. */
  callBatch(commands: readonly BatchCommand[]): Promise<MemoryAnswer> {
    let area = Buffer.alloc(64);
    const writer = new BatchWriter(area, (minBytes, keepBytes) => {
      const grown = Buffer.alloc(minBytes * 2);
      area.copy(grown, 0, 0, keepBytes);
      area = grown;
      return grown;
    });
    for (const [kind, target, argv] of commands) {
      writer.addArgv(kind, typeof target === 'number' ? target : -1, String(target), argv);
    }
    return this.call(OP_BATCH, area.subarray(0, writer.length), commands.length);
  }

  /** Hands the worker one pre-encoded command of `kind` with its target and extra word (batch.ts). */
  callRaw(kind: number, target: number, bytes: Uint8Array, extra: number): Promise<MemoryAnswer> {
    const writer = new BatchWriter(Buffer.alloc(64 + bytes.length), () => {
      throw new Error('the area was sized for the command');
    });
    writer.add(kind, target, '', bytes, extra);
    return this.call(OP_BATCH, (writer as unknown as { area: Buffer }).area.subarray(0, writer.length), 1);
  }

  /**
   * The caller closes: next() says null. The real channel's close is a request of its own, so a call left
   * unanswered (one the caller gave up on) can no longer be answered.
   */
  closeFromCaller(): void {
    this.seq++;
    this.hand(null);
  }

  next(): Promise<ChannelRequest | null> {
    const req = this.queued.shift();
    if (req !== undefined) return Promise.resolve(req);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  respond(req: ChannelRequest, status: number, body?: Uint8Array | string): boolean {
    const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body as Uint8Array);
    this.reserve(bytes.length).set(bytes);
    return this.publish(req, status, bytes.length);
  }

  publish(req: ChannelRequest, status: number, length: number): boolean {
    if (req.seq !== this.seq || this.answer === null) return false;
    const answer = this.answer;
    this.answer = null;
    const events = this.events;
    this.events = [];
    answer({ status, area: this.area, length, events });
    return true;
  }

  reserve(minBytes: number, keepBytes = 0): Buffer {
    if (minBytes > this.area.length) {
      const grown = Buffer.alloc(Math.max(minBytes, this.area.length * 2));
      this.area.copy(grown, 0, 0, keepBytes);
      this.area = grown;
    }
    return this.area;
  }

  postEvent(value: unknown): void {
    this.events.push(structuredClone(value));
  }

  close(): void {
    this.closed = true;
  }

  private hand(req: ChannelRequest | null): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting !== null) waiting(req);
    else this.queued.push(req);
  }
}
