/**
 * Transactions and WATCH sessions on the blocking face (the async face's, lib/face/async-transaction.ts,
 * returning values instead of promises). A transaction's MULTI, commands and EXEC are one command of one
 * batch: one round trip of the bridge. A session is a dedicated link the worker holds for it, by id.
 */
import { slotOfKeys, TransactionPlan } from '../cluster/transaction-plan.js';
import { otherError, ReplyError } from '../errors.js';
import { commandFromArgv, sessionCommandFromArgv } from '../face/command-input.js';
import type { CommandArg } from '../resp/encode.js';

/** The JavaScript calls throw an error reply (as `cc.send`), where the hiredis calls return it as a value. */
function replyOrThrow(reply: unknown): unknown {
  if (reply instanceof ReplyError) throw reply;
  return reply;
}

/** What a transaction and a session need of their context; each call is one round trip. */
export interface BlockingTransactionHost {
  /** Sends a finished plan (on session `session`'s link, or routed when -1); EXEC's reply. */
  exec(plan: TransactionPlan, session: number): unknown;
  /** One command on the session's link; its reply. */
  send(session: number, argv: readonly CommandArg[]): unknown;
  /** Leases a dedicated link of the node serving `slot`; the session's id. */
  open(slot: number): number;
  close(session: number): void;
}

/** A transaction being built: `add()` its commands, then `exec()` once. */
export class BlockingTransaction {
  private readonly plan: TransactionPlan;
  private done = false;

  /** @internal Made by `multi()` of a context or a WATCH session. */
  constructor(
    private readonly host: BlockingTransactionHost,
    private readonly session: BlockingWatchSession | null,
  ) {
    this.plan = new TransactionPlan(session?.slot);
  }

  /** Queues a command; throws (adding nothing) when its keys hash to another slot than the others'. */
  add(command: string, ...args: CommandArg[]): this {
    if (this.done) throw otherError('the transaction was already sent');
    this.plan.add(commandFromArgv([command, ...args]));
    return this;
  }

  /** Sends MULTI, the commands and EXEC in one round trip; EXEC's reply (null: a watched key changed). */
  exec(): unknown[] | null {
    if (this.done) throw otherError('the transaction was already sent');
    this.done = true;
    try {
      return replyOrThrow(this.host.exec(this.plan, this.session?.id ?? -1)) as unknown[] | null;
    } finally {
      this.session?.release();
    }
  }
}

/** A WATCH session: a dedicated link of the keys' node, held until `exec()` of its transaction or `release()`. */
export class BlockingWatchSession {
  private released = false;

  /** @internal Made by `watch()` of a context. */
  constructor(
    private readonly host: BlockingTransactionHost,
    /** @internal The worker's id of the session. */
    readonly id: number,
    /** The slot of the watched keys: the session's transaction must keep to it. */
    readonly slot: number,
  ) {}

  /** A command on the session's link; its reply (an error reply is thrown as a ReplyError, as `cc.send`). */
  send(command: string, ...args: CommandArg[]): unknown {
    if (this.released) throw otherError('the WATCH session is closed');
    return replyOrThrow(this.host.send(this.id, sessionCommandFromArgv([command, ...args])));
  }

  /** The session's transaction: `exec()` sends it on the session's link and ends the session. */
  multi(): BlockingTransaction {
    return new BlockingTransaction(this.host, this);
  }

  /** Ends the session without a transaction: UNWATCH, and the link goes back to the pool. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.host.close(this.id);
  }
}

/** Opens a WATCH session on the node of `keys` (one slot) and watches them there. */
export function watchKeysBlocking(
  host: BlockingTransactionHost,
  keys: readonly (string | Uint8Array)[],
): BlockingWatchSession {
  const argv = ['WATCH', ...keys];
  const slot = slotOfKeys(argv);
  const session = new BlockingWatchSession(host, host.open(slot), slot);
  try {
    session.send('WATCH', ...keys);
  } catch (err) {
    session.release();
    throw err;
  }
  return session;
}
