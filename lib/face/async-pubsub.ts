/**
 * The async face's pub/sub, a translation of the engine's subscriptions three ways: hiredis' (a subscribe
 * command's callback gets its confirmation, then every message, with its privdata), Node's (promises,
 * and `message` / `pmessage` / `smessage` events), and async iterators over a bounded queue that reports
 * what it dropped.
 */
import type { Engine } from '../engine/engine.js';
import { MessageQueue, type PubsubOverflow } from '../engine/message-queue.js';
import type { PubsubMessage, SubscriptionKind } from '../engine/subscriptions.js';
import { type ClusterError, otherError } from '../errors.js';
import { type PubsubCommand, pubsubNames, subscribeArgs } from './pubsub-input.js';

/** A hiredis-style callback and its privdata. */
interface Subscriber {
  fn: (reply: unknown, privdata: unknown) => void;
  privdata: unknown;
}

/** What the translation needs of its context. */
export interface PubsubHost {
  engine(): Engine;
  /** Emits a message event. */
  emitMessage(
    kind: PubsubMessage['kind'],
    channel: string,
    message: string,
    pattern: string | undefined,
  ): void;
  /** Calls a hiredis-style callback with a reply, or null and `err` set during the call. */
  callback(
    fn: (reply: unknown, privdata: unknown) => void,
    privdata: unknown,
    reply: unknown,
    err: ClusterError | null,
  ): void;
}

/** Options of messages(). */
export interface MessagesOptions {
  /** Most messages kept unread (default 10000); past it they are dropped and an overflow record says how many. */
  capacity?: number;
}

/** The reply a hiredis-style callback gets for a message, as hiredis shows it. */
function messageReply(m: PubsubMessage): string[] {
  return m.kind === 'pmessage' ? [m.kind, m.pattern!, m.channel, m.message] : [m.kind, m.channel, m.message];
}

const KIND: Readonly<Record<PubsubMessage['kind'], SubscriptionKind>> = {
  message: 'channel',
  pmessage: 'pattern',
  smessage: 'sharded',
};

/** An async iterator of messages over a bounded queue. */
class MessageReader implements AsyncIterableIterator<PubsubMessage | PubsubOverflow> {
  private readonly queue: MessageQueue;
  private waiter: ((result: IteratorResult<PubsubMessage | PubsubOverflow>) => void) | null = null;
  private ended = false;

  constructor(
    capacity: number,
    private readonly detach: (reader: MessageReader) => void,
  ) {
    this.queue = new MessageQueue(capacity);
  }

  push(message: PubsubMessage): void {
    const waiter = this.waiter;
    if (waiter === null) this.queue.push(message);
    else {
      this.waiter = null;
      waiter({ value: message, done: false });
    }
  }

  next(): Promise<IteratorResult<PubsubMessage | PubsubOverflow>> {
    const item = this.queue.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Stops reading: unread messages are dropped. */
  return(): Promise<IteratorResult<PubsubMessage | PubsubOverflow>> {
    this.end();
    this.queue.clear();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** No more messages will come (the context closed): what is queued is still read. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.detach(this);
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export class AsyncPubsub {
  /** hiredis-style subscriptions: per kind, per name, the callback that gets its messages. */
  private readonly subscribers: Record<SubscriptionKind, Map<string, Subscriber>> = {
    channel: new Map(),
    pattern: new Map(),
    sharded: new Map(),
  };
  private readonly readers = new Set<MessageReader>();

  constructor(private readonly host: PubsubHost) {}

  /** A message from the engine, to every way that listens. */
  message(kind: PubsubMessage['kind'], channel: string, message: string, pattern: string | undefined): void {
    this.host.emitMessage(kind, channel, message, pattern);
    const subscriber = this.subscribers[KIND[kind]].get(pattern ?? channel);
    if (subscriber === undefined && this.readers.size === 0) return;
    const m: PubsubMessage =
      pattern === undefined ? { kind, channel, message } : { kind, pattern, channel, message };
    if (subscriber !== undefined)
      this.host.callback(subscriber.fn, subscriber.privdata, messageReply(m), null);
    for (const reader of this.readers) reader.push(m);
  }

  /** subscribe() / psubscribe() / ssubscribe(): resolves once the server confirms every name. */
  subscribe(kind: SubscriptionKind, args: readonly unknown[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const { names, everyPrimary } = subscribeArgs(kind, args);
      const engine = this.host.engine();
      const refused = engine.subscribe(kind, names, everyPrimary, (err) =>
        err === null ? resolve() : reject(err),
      );
      if (refused !== null) reject(refused);
    });
  }

  /** unsubscribe() / punsubscribe() / sunsubscribe(): no names means all of that kind. */
  unsubscribe(kind: SubscriptionKind, args: readonly unknown[]): Promise<void> {
    try {
      const names = args.length === 0 ? null : pubsubNames(kind, args);
      for (const name of names ?? this.host.engine().subscriptions.names(kind))
        this.subscribers[kind].delete(name);
      this.host.engine().subscriptions.unsubscribe(kind, names);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * hiredis' way: a subscribe command's callback gets `[subscribe, name, count]` per name once confirmed,
   * then every message of those names; an unsubscribe command's callback gets `[unsubscribe, name, count]`
   * per name. Throws bad input; returns the refusal of a closing context.
   */
  command(
    command: PubsubCommand,
    args: readonly unknown[],
    fn: (reply: unknown, privdata: unknown) => void,
    privdata: unknown,
  ): ClusterError | null {
    const engine = this.host.engine();
    const kind = command.kind;
    const reply = command.name.toLowerCase();
    if (!command.subscribe) {
      const names = args.length === 0 ? engine.subscriptions.names(kind) : pubsubNames(kind, args);
      for (const name of names) this.subscribers[kind].delete(name);
      engine.subscriptions.unsubscribe(kind, names);
      const count = engine.subscriptions.names(kind).length;
      for (const name of names) this.host.callback(fn, privdata, [reply, name, count], null);
      return null;
    }
    const { names } = subscribeArgs(kind, args);
    for (const name of names) {
      const refused = engine.subscribe(kind, [name], false, (err) => {
        if (err !== null) {
          this.host.callback(fn, privdata, null, err);
          return;
        }
        this.subscribers[kind].set(name, { fn, privdata });
        this.host.callback(fn, privdata, [reply, name, engine.subscriptions.names(kind).length], null);
      });
      if (refused !== null) return refused;
    }
    return null;
  }

  /** An async iterator of every message from now on (see MessagesOptions). */
  messages(options: MessagesOptions = {}): AsyncIterableIterator<PubsubMessage | PubsubOverflow> {
    const capacity = options.capacity ?? 10000;
    if (!Number.isInteger(capacity) || capacity < 1)
      throw otherError(
        `Invalid messages option 'capacity': must be an integer >= 1, got ${String(capacity)}`,
      );
    const reader = new MessageReader(capacity, (r) => this.readers.delete(r));
    this.readers.add(reader);
    return reader;
  }

  /** The context closed: iterators end once read, hiredis-style subscriptions are forgotten. */
  close(): void {
    for (const reader of [...this.readers]) reader.end();
    for (const map of Object.values(this.subscribers)) map.clear();
  }
}
