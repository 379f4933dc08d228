/**
 * One command on its way through the engine: its bytes or argv (kept for resends), where it goes, its
 * retries, and who receives its one outcome.
 */

import type { Redirect } from '../cluster/redirect.js';
import type { ClusterError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import type { ReplyBuilder } from '../resp/reply-builder.js';
import type { Connection, Pending } from './connection.js';
import type { LeaseWaiter } from './links.js';
import type { Session } from './session.js';

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
  onLeased(cmd: Command, link: Connection): void;
  onLeaseFailed(cmd: Command, err: ClusterError): void;
}

/** No slot: a command for one node. */
export const NO_SLOT = -1;

export class Command implements Pending, RetryBudget, LeaseWaiter {
  retries = 0;
  /** Where retries are counted (the policy decides): the command itself by default. */
  budget: RetryBudget = this;
  asking = false;
  /** Times it was routed again after a link that never connected. */
  reconnects = 0;
  /** Runs on a link of its own (a blocking command): leased for each attempt, returned after its reply. */
  dedicated = false;
  /** A WATCH session's command: on the session's link only. */
  session: Session | null = null;
  /** Read-only by the command table: readFrom may send it to a replica, and failoverWait may resend it. */
  readOnly = false;
  /** When failoverWait first held it (adapter clock), or -1. */
  heldSince = -1;
  /** Reply frames its bytes bring (a transaction: MULTI's, one per command, EXEC's). */
  frames = 1;
  /** Its own deadline on a link in ms (0: none), or -1 for the link's command timeout. */
  timeoutMs = -1;
  /** Builds its reply in place of the context's builder (typed methods), or null. */
  builder: ReplyBuilder | null = null;
  /** For a transaction or a dedicated command: the link of the current attempt, and the frames seen there. */
  link: Connection | null = null;
  seen = 0;
  /** For tracing: the node whose reply it got (`host:port`), and the MOVED/ASK redirects it followed. */
  node = '';
  redirects = 0;
  /** The first redirect a transaction's commands met while queued: followed once EXEC has answered. */
  queuedRedirect: Redirect | null = null;

  constructor(
    private readonly events: CommandEvents,
    readonly argv: readonly CommandArg[] | null,
    readonly raw: Uint8Array | null,
    readonly slot: number,
    /** For one node, or a pipelined command: a redirect is its reply, and it is never retried. */
    readonly direct: boolean,
    /** Who hears its outcome (failoverWait puts itself in front while the command is held or resent). */
    public receiver: Receiver,
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

  leased(link: Connection): void {
    this.events.onLeased(this, link);
  }

  leaseFailed(err: ClusterError): void {
    this.events.onLeaseFailed(this, err);
  }
}
