/**
 * The blocking face's pub/sub, caller side: subscribe / psubscribe / ssubscribe and their un... forms as
 * requests to the worker (a subscribe returns once the server confirmed it), and getMessage(timeoutMs),
 * which blocks until a message is there or the time is up. Messages that arrive between calls wait in
 * the worker's bounded queue (worker-pubsub.ts).
 */
import type { PubsubOverflow } from '../engine/message-queue.js';
import type { PubsubMessage, SubscriptionKind } from '../engine/subscriptions.js';
import { otherError } from '../errors.js';
import { pubsubNames, subscribeArgs } from '../face/pubsub-input.js';
import { OP_GET_MESSAGE, OP_SUBSCRIBE, OP_UNSUBSCRIBE } from './batch.js';
import type { CallerChannel } from './channel.js';
import type { WorkerCalls } from './worker-calls.js';
import type { PubsubRequest } from './worker-pubsub.js';

/** The longest getMessage wait (ms): a 32-bit signed count. */
const MAX_WAIT_MS = 2 ** 31 - 1;

export class BlockingPubsub {
  constructor(
    private readonly channel: CallerChannel,
    private readonly calls: WorkerCalls,
  ) {}

  subscribe(kind: SubscriptionKind, args: readonly unknown[]): void {
    const { names, everyPrimary } = subscribeArgs(kind, args);
    this.request(OP_SUBSCRIBE, { kind, names, everyPrimary }, this.calls.callTimeout);
  }

  unsubscribe(kind: SubscriptionKind, args: readonly unknown[]): void {
    const names = args.length === 0 ? null : pubsubNames(kind, args);
    this.request(OP_UNSUBSCRIBE, { kind, names, everyPrimary: false }, 0);
  }
  getMessage(timeoutMs: number): PubsubMessage | PubsubOverflow | null {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_WAIT_MS)
      throw otherError(
        `Invalid timeout: must be an integer from 0 to ${MAX_WAIT_MS} ms, got ${String(timeoutMs)}`,
      );
    this.channel.beginRequest(4).writeInt32LE(timeoutMs, 0);
    const answer = this.calls.control(OP_GET_MESSAGE, 4);
    return answer.length === 0
      ? null
      : (JSON.parse(answer.toString('utf8')) as PubsubMessage | PubsubOverflow);
  }

  private request(opcode: number, body: PubsubRequest, deadline: number): void {
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    this.channel.beginRequest(bytes.length).set(bytes);
    this.calls.control(opcode, bytes.length, deadline);
  }
}
