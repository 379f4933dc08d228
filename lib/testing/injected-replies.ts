/**
 * Replies a test queued with `MockCluster.replyNext()`: the next matching commands get them instead of
 * running (TRYAGAIN, CLUSTERDOWN, a malformed frame, anything). Each queued reply is used once, in order.
 */
import type { MockReply } from './mock-reply.js';

/** One queued reply and the commands it may answer. */
export interface Injection {
  /** Only on this node (its id); null: on whichever node sees a matching command first. */
  readonly node: string | null;
  /**
   * Upper-case command name (`GET`, or `CLUSTER SLOTS` for a subcommand), `*` for any command, or null
   * for any command that has keys (the usual target of a fault).
   */
  readonly command: string | null;
  readonly reply: MockReply;
}

export class InjectedReplies {
  private queue: Injection[] = [];

  /** Replies waiting for their command. */
  get pending(): number {
    return this.queue.length;
  }

  add(injections: readonly Injection[]): void {
    this.queue.push(...injections);
  }

  /** Forgets every queued reply. */
  clear(): void {
    this.queue = [];
  }

  /** The first queued reply matching this command on this node, removed from the queue. */
  take(node: string, name: string, subcommand: string, hasKeys: boolean): MockReply | undefined {
    const index = this.queue.findIndex(
      (i) =>
        (i.node === null || i.node === node) &&
        (i.command === null
          ? hasKeys
          : i.command === '*' || i.command === name || i.command === `${name} ${subcommand}`),
    );
    if (index < 0) return undefined;
    return this.queue.splice(index, 1)[0]!.reply;
  }
}
