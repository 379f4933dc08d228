/** Pub/sub specs: collecting a context's messages and waiting for them, bounded in time. */
import type { AsyncClusterContext } from '../../lib/async-context.js';
import type { PubsubMessage } from '../../lib/engine/subscriptions.js';

/** Every message event of `acc`, as PubsubMessage records, in order. */
export class Received {
  readonly list: PubsubMessage[] = [];

  constructor(acc: AsyncClusterContext) {
    acc.on('message', (channel, message) => this.list.push({ kind: 'message', channel, message }));
    acc.on('pmessage', (pattern, channel, message) =>
      this.list.push({ kind: 'pmessage', pattern, channel, message }),
    );
    acc.on('smessage', (channel, message) => this.list.push({ kind: 'smessage', channel, message }));
  }

  /** Resolves once `count` messages are in; rejects after `timeoutMs` naming what came. */
  async wait(count: number, timeoutMs = 5000): Promise<PubsubMessage[]> {
    const until = Date.now() + timeoutMs;
    while (this.list.length < count) {
      if (Date.now() > until)
        throw new Error(`waited ${timeoutMs} ms for ${count} messages, got ${JSON.stringify(this.list)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.list;
  }
}

/** Retries `check` until it passes, for at most `timeoutMs` (a subscription moving takes a moment). */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
