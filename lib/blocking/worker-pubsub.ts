/**
 * The worker's side of the blocking face's pub/sub: subscribe and unsubscribe requests go to the engine,
 * messages wait in a bounded queue (its overflow reported in place) until the caller asks for the next,
 * and a getMessage request with none waiting is answered by the first message or when its time is up.
 */
import type { EventLoopAdapter, TimerHandle } from '../../adapters/adapter.js';
import type { Engine } from '../engine/engine.js';
import { MessageQueue, type PubsubOverflow } from '../engine/message-queue.js';
import type { PubsubMessage, SubscriptionKind } from '../engine/subscriptions.js';
import { failureBytes } from './batch.js';
import { type ChannelRequest, STATUS_ERROR, STATUS_OK } from './channel-layout.js';
import type { HostChannel } from './worker-host.js';

/** Messages kept for the caller between getMessage calls; past it they are dropped and counted. */
export const MESSAGE_QUEUE_CAPACITY = 10_000;

/** A subscribe or unsubscribe request's body. */
export interface PubsubRequest {
  kind: SubscriptionKind;
  /** null: every subscription of the kind (unsubscribe). */
  names: string[] | null;
  everyPrimary: boolean;
}

export class WorkerPubsub {
  private readonly queue = new MessageQueue(MESSAGE_QUEUE_CAPACITY);
  private waiting: { req: ChannelRequest; timer: TimerHandle; done: () => void } | null = null;

  constructor(
    private readonly channel: HostChannel,
    private readonly adapter: EventLoopAdapter,
    private readonly engine: Engine,
  ) {}

  message(message: PubsubMessage): void {
    if (this.waiting === null) this.queue.push(message);
    else this.answer(message);
  }

  subscribe(req: ChannelRequest): Promise<void> {
    const { kind, names, everyPrimary } = JSON.parse(req.body.toString('utf8')) as PubsubRequest;
    return new Promise((resolve) => {
      const refused = this.engine.subscribe(kind, names ?? [], everyPrimary, (err) => {
        if (err === null) this.channel.respond(req, STATUS_OK);
        else this.channel.respond(req, STATUS_ERROR, failureBytes(err));
        resolve();
      });
      if (refused !== null) {
        this.channel.respond(req, STATUS_ERROR, failureBytes(refused));
        resolve();
      }
    });
  }

  unsubscribe(req: ChannelRequest): void {
    const { kind, names } = JSON.parse(req.body.toString('utf8')) as PubsubRequest;
    this.engine.subscriptions.unsubscribe(kind, names);
    this.channel.respond(req, STATUS_OK);
  }

  /** The next message, or the first to come within the request's time (i32 ms). */
  getMessage(req: ChannelRequest): Promise<void> | undefined {
    const next = this.queue.shift();
    const waitMs = req.body.readInt32LE(0);
    if (next !== undefined || waitMs <= 0) {
      this.respond(req, next ?? null);
      return;
    }
    return new Promise((done) => {
      const timer = this.adapter.setTimer(waitMs, () => this.answer(null));
      this.waiting = { req, timer, done };
    });
  }

  private answer(message: PubsubMessage | null): void {
    const waiting = this.waiting!;
    this.waiting = null;
    this.adapter.clearTimer(waiting.timer);
    this.respond(waiting.req, message);
    waiting.done();
  }

  private respond(req: ChannelRequest, record: PubsubMessage | PubsubOverflow | null): void {
    this.channel.respond(req, STATUS_OK, record === null ? '' : JSON.stringify(record));
  }
}
