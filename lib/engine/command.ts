/**
 * One command on its way through the engine: its bytes or argv (kept for resends), where it goes, its
 * retries, and who receives its one outcome.
 */
import type { ClusterError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import type { Connection, Pending } from './connection.js';

/** Counts cluster retries: a command's own, or shared by the commands of one top-level call. */
export interface RetryBudget {
  retries: number;
}

/** Receives the one outcome of each command it is given. */
export interface Receiver {
  /** The reply frame `buf[start..end)`, valid only during the call. */
  reply(cmd: Command, buf: Uint8Array, start: number, end: number): void;
  fail(cmd: Command, err: ClusterError): void;
}

/** What a command's link reports, handed on by the dispatcher. */
export interface CommandEvents {
  onFrame(cmd: Command, link: Connection, buf: Uint8Array, start: number, end: number): void;
  onFail(cmd: Command, link: Connection, err: ClusterError | null): void;
}

/** No slot: a command for one node. */
export const NO_SLOT = -1;

export class Command implements Pending, RetryBudget {
  retries = 0;
  /** Where retries are counted (the policy decides): the command itself by default. */
  budget: RetryBudget = this;
  asking = false;
  /** Times it was routed again after a link that never connected. */
  reconnects = 0;

  constructor(
    private readonly events: CommandEvents,
    readonly argv: readonly CommandArg[] | null,
    readonly raw: Uint8Array | null,
    readonly slot: number,
    /** For one node, or a pipelined command: a redirect is its reply, and it is never retried. */
    readonly direct: boolean,
    readonly receiver: Receiver,
    /** Its place among its receiver's commands (a batch's index, a split command's part). */
    readonly index: number,
    /** The caller's callback and data: the receiver's business. */
    readonly fn: unknown,
    readonly privdata: unknown,
  ) {}

  onFrame(link: Connection, buf: Uint8Array, start: number, end: number): void {
    this.events.onFrame(this, link, buf, start, end);
  }

  onFail(link: Connection, err: ClusterError | null): void {
    this.events.onFail(this, link, err);
  }
}
