/**
 * The blocking context's worker as a class: requests from the channel, served by an engine with
 * hiredis-cluster's sync-API policy, answers and events back into the channel. Redirects, updates,
 * reconnects and timeouts happen in the engine without waking the caller; events reach the caller before
 * the answer they precede. The thread's entry (worker.ts) builds one; specs build it the same way over an
 * in-memory channel and a simulated network.
 */
import type { EventLoopAdapter } from '../../adapters/adapter.js';
import type { BatchSink } from '../engine/batch.js';
import { Engine, type EngineListener } from '../engine/engine.js';
import { SyncPolicy } from '../engine/policy.js';
import type { Session } from '../engine/session.js';
import type { PubsubMessage } from '../engine/subscriptions.js';
import { ClusterError, otherError } from '../errors.js';
import type { EngineEvent } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import {
  failureBytes,
  handoverIndex,
  OP_BATCH,
  OP_CONNECT,
  OP_DROP_LINKS,
  OP_GET_MESSAGE,
  OP_HANDOVER,
  OP_LINKS,
  OP_SESSION_CLOSE,
  OP_SESSION_OPEN,
  OP_SET_TIMEOUT,
  OP_SUBSCRIBE,
  OP_UNSUBSCRIBE,
  OP_UPDATE,
  readHandover,
} from './batch.js';
// Not the channel.js barrel: the caller's end has no business in the worker's bundle.
import { type ChannelRequest, STATUS_ERROR, STATUS_OK } from './channel-layout.js';
import type { LinkLender } from './link-lender.js';
import { ResultsWriter, readBatch } from './worker-batch.js';
import { WorkerPubsub } from './worker-pubsub.js';

/** What the host needs of its end of the channel (WorkerChannel in the thread). */
export interface HostChannel {
  /** The next request; null once the caller closes. */
  next(): Promise<ChannelRequest | null>;
  respond(req: ChannelRequest, status: number, body?: Uint8Array | string): boolean;
  /** Publishes the first `length` bytes written into the response area. */
  publish(req: ChannelRequest, status: number, length: number): boolean;
  /** The response area, at least `minBytes` long and holding its first `keepBytes`. */
  reserve(minBytes: number, keepBytes?: number): Buffer;
  /** Queues an event; the caller receives it with the next answer. */
  postEvent(value: unknown): void;
  close(): void;
}

export class WorkerHost implements BatchSink, EngineListener {
  /** The engine it serves with (its owner may look at its state, e.g. that nothing is left pending). */
  readonly engine: Engine;
  private readonly results: ResultsWriter;
  /** The batch request being served. */
  private request: ChannelRequest | null = null;
  /** Open WATCH sessions by id. */
  private readonly sessions = new Map<number, Session>();
  private nextSession = 1;
  private readonly pubsub: WorkerPubsub;

  constructor(
    private readonly channel: HostChannel,
    adapter: EventLoopAdapter,
    options: ResolvedOptions,
    policy = new SyncPolicy(),
    /** Lends idle command links to the caller (direct calls), or null. */
    private readonly lender: LinkLender | null = null,
  ) {
    this.results = new ResultsWriter((minBytes, keepBytes) => channel.reserve(minBytes, keepBytes));
    this.engine = new Engine(options, adapter, policy, this, null, lender);
    this.pubsub = new WorkerPubsub(channel, adapter, this.engine);
  }

  /**
   * Serves requests until the caller closes, then closes every link and the channel. `beforeClose` runs
   * before the close is acknowledged, told whether the host served commands: the thread's entry saves its
   * code cache then.
   */
  async run(beforeClose?: (servedCommands: boolean) => void): Promise<void> {
    for (;;) {
      const req = await this.channel.next();
      if (req === null) break;
      // A new request while a batch is unanswered means the caller gave up on it (its deadline passed).
      this.engine.abandonBatch();
      this.lender?.dropOrphans(req.opcode === OP_HANDOVER ? handoverIndex(req.body) : 0);
      await this.serve(req);
    }
    // The caller is gone: a batch still unanswered is one it gave up on, and nothing more is answered.
    this.engine.abandonBatch();
    this.engine.close(false, otherError('context closed'));
    beforeClose?.(this.request !== null);
    this.channel.close();
  }

  event(event: EngineEvent): void {
    this.channel.postEvent(event);
    this.lender?.suspend();
  }

  push(): void {}

  message(kind: PubsubMessage['kind'], channel: string, message: string, pattern: string | undefined): void {
    this.pubsub.message(
      pattern === undefined ? { kind, channel, message } : { kind, pattern, channel, message },
    );
  }

  reply(index: number, buf: Uint8Array, start: number, end: number): void {
    this.results.reply(index, buf, start, end);
  }

  failure(index: number, err: ClusterError): void {
    this.results.failure(index, err);
  }

  done(): void {
    this.lender?.sync(this.engine);
    this.channel.publish(this.request!, STATUS_OK, this.results.length);
  }

  private serve(req: ChannelRequest): Promise<void> | undefined {
    switch (req.opcode) {
      case OP_BATCH:
        this.request = req;
        this.results.begin(req.count);
        // Sent (and resent) straight from the request area: the caller leaves it alone until the answer,
        // and moves to a fresh area when it gives up on a call.
        return this.engine.serveBatch(readBatch(req.body, req.count, this.sessions), this);
      case OP_HANDOVER:
        return this.adopt(req);
      case OP_SESSION_OPEN:
        return this.openSession(req);
      case OP_SESSION_CLOSE: {
        const id = req.body.readInt32LE(0);
        const session = this.sessions.get(id);
        this.sessions.delete(id);
        this.channel.respond(req, STATUS_OK);
        if (session === undefined) return;
        // The next request waits until the link is back in the pool (UNWATCH answered): a lease right after
        // release() must find it free (the sync policy's leases never wait).
        return new Promise((resolve) => this.engine.closeSession(session, resolve));
      }
      case OP_CONNECT:
      case OP_UPDATE:
        return this.update(req);
      case OP_LINKS:
        this.channel.respond(req, STATUS_OK, JSON.stringify(this.engine.links()));
        return;
      case OP_SET_TIMEOUT:
        this.engine.setCommandTimeout(req.body.readInt32LE(0));
        this.channel.respond(req, STATUS_OK);
        return;
      case OP_SUBSCRIBE:
        return this.pubsub.subscribe(req);
      case OP_UNSUBSCRIBE:
        this.pubsub.unsubscribe(req);
        return;
      case OP_GET_MESSAGE:
        return this.pubsub.getMessage(req);
      case OP_DROP_LINKS:
        this.engine.dropLinks(otherError('links dropped'));
        this.channel.respond(req, STATUS_OK);
        return;
      default:
        this.channel.respond(req, STATUS_ERROR, failureBytes(otherError(`Unknown opcode ${req.opcode}`)));
    }
  }

  /** A command the caller started on a lent link: its link comes back and the engine adopts it. */
  private adopt(req: ChannelRequest): Promise<void> | undefined {
    const item = readBatch(req.body, 1, this.sessions)[0]!;
    const { index, adopted } = readHandover(
      req.body,
      item.bytes.byteOffset - req.body.byteOffset + item.bytes.length,
    );
    const link = this.lender?.takeHanded(index) ?? null;
    if (link === null) {
      this.channel.respond(req, STATUS_ERROR, failureBytes(otherError(`Link ${index} was not handed over`)));
      return;
    }
    this.request = req;
    this.results.begin(1);
    return this.engine.serveAdopted(item, link, adopted, this);
  }

  /** Answers the new session's id once it holds its link, or the failure. */
  private openSession(req: ChannelRequest): Promise<void> {
    return new Promise((resolve) => {
      const refused = this.engine.openSession(req.body.readInt32LE(0), (session, err) => {
        if (session === null) this.channel.respond(req, STATUS_ERROR, failureBytes(err!));
        else {
          const id = this.nextSession++;
          const answer = Buffer.alloc(4);
          answer.writeInt32LE(id, 0);
          // A caller that gave up meanwhile never learns the id: the session ends at once.
          if (this.channel.respond(req, STATUS_OK, answer)) this.sessions.set(id, session);
          else this.engine.closeSession(session);
        }
        resolve();
      });
      if (refused !== null) {
        this.channel.respond(req, STATUS_ERROR, failureBytes(refused));
        resolve();
      }
    });
  }

  private async update(req: ChannelRequest): Promise<void> {
    try {
      await this.engine.updateWithTemporaryLinks();
      this.lender?.sync(this.engine);
      this.channel.respond(req, STATUS_OK);
    } catch (err) {
      const failure = err instanceof ClusterError ? err : otherError(String(err));
      this.channel.respond(req, STATUS_ERROR, failureBytes(failure));
    }
  }
}
