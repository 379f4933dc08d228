/**
 * Outcomes as built reply values, for owners on the engine's own thread (the async face): each reply frame
 * is built with the context's reply builder; a split multi-key command's parts are built with the merge
 * builder and joined (lib/cluster/multikey-join.ts) into the one reply of their command.
 */

import type { MultiKeyPlan } from '../cluster/multikey.js';
import { PartJoin } from '../cluster/multikey-join.js';
import { type MultiKeyReplies, multiKeyReplies } from '../cluster/multikey-replies.js';
import { ClusterError, otherError } from '../errors.js';
import { buildReply, type ReplyBuilder } from '../resp/build.js';
import type { Command, Receiver } from './command.js';
import type { Dispatcher } from './dispatch.js';

/** Receives the one outcome of each top-level command as a value. */
export interface CommandOwner {
  complete(cmd: Command, reply: unknown, err: ClusterError | null): void;
}

export class ValueOutcomes implements Receiver {
  /** How the parts of split commands are built and merged. */
  readonly multiKey: MultiKeyReplies;

  constructor(
    private readonly owner: CommandOwner,
    private readonly builder: ReplyBuilder,
    private readonly dispatcher: Dispatcher,
  ) {
    this.multiKey = multiKeyReplies(builder);
  }

  reply(cmd: Command, buf: Uint8Array, start: number, end: number): void {
    this.complete(cmd, buildReply(buf, start, end, cmd.builder ?? this.builder), null);
  }

  fail(cmd: Command, err: ClusterError): void {
    this.complete(cmd, null, err);
  }

  complete(cmd: Command, reply: unknown, err: ClusterError | null): void {
    this.dispatcher.pending--;
    this.owner.complete(cmd, reply, err);
  }
}

/** The parts of one split command: their outcomes joined into the top command's one outcome. */
export class SplitCommand implements Receiver {
  private readonly join: PartJoin;
  private readonly multiKey: MultiKeyReplies;

  constructor(
    plan: MultiKeyPlan,
    readonly top: Command,
    private readonly outcomes: ValueOutcomes,
  ) {
    this.multiKey = top.builder === null ? outcomes.multiKey : multiKeyReplies(top.builder);
    this.join = new PartJoin(plan, this.multiKey.ops);
  }

  reply(cmd: Command, buf: Uint8Array, start: number, end: number): void {
    if (this.join.reply(cmd.index, buildReply(buf, start, end, this.multiKey.builder))) this.finish();
  }

  fail(_cmd: Command, err: ClusterError): void {
    if (this.join.fail(err)) this.finish();
  }

  private finish(): void {
    let merged: unknown;
    try {
      merged = this.join.result();
    } catch (err) {
      this.outcomes.complete(this.top, null, err instanceof ClusterError ? err : otherError(String(err)));
      return;
    }
    this.outcomes.complete(this.top, merged, null);
  }
}
