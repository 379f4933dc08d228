/**
 * Transactions and WATCH sessions on the async face. A transaction is built with `add()` and sent by
 * `exec()` as MULTI, its commands and EXEC in one write on the slot's link, so no other command can come
 * between them; `exec()` resolves with EXEC's array (each command's reply, an error reply as a ReplyError
 * value) or null when a watched key changed. A WATCH session holds a dedicated link of the keys' node:
 * reads and the transaction that follows run there alone; `exec()` or `release()` ends it.
 */
import { slotOfKeys, TransactionPlan } from '../cluster/transaction-plan.js';
import type { Engine } from '../engine/engine.js';
import type { Session } from '../engine/session.js';
import { type ClusterError, otherError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import { commandFromArgv, sessionCommandFromArgv } from './command-input.js';

/** What a transaction and a session need of their context. */
export interface TransactionHost {
  /** Leases a dedicated link of the node serving `slot` for a session. */
  open(slot: number): Promise<SessionHandle>;
  /** Sends a finished plan (on `session`'s link when given); the promise settles with EXEC's reply. */
  exec(plan: TransactionPlan, session: SessionHandle | null): Promise<unknown>;
  /** One command on the session's link. */
  send(session: SessionHandle, argv: readonly CommandArg[]): Promise<unknown>;
  /** Ends the session (UNWATCH, its link back to the pool). */
  close(session: SessionHandle): void;
}

/** The engine's session, opaque here. */
export type SessionHandle = object;

/** A transaction being built: `add()` its commands, then `exec()` once. */
export class Transaction {
  private readonly plan: TransactionPlan;
  private done = false;

  /** @internal Made by `multi()` of a context or a WATCH session. */
  constructor(
    private readonly host: TransactionHost,
    private readonly session: WatchSession | null,
  ) {
    this.plan = new TransactionPlan(session?.slot);
  }

  /** Queues a command; throws (adding nothing) when its keys hash to another slot than the others'. */
  add(command: string, ...args: CommandArg[]): this {
    if (this.done) throw otherError('the transaction was already sent');
    this.plan.add(commandFromArgv([command, ...args]));
    return this;
  }

  /** Sends MULTI, the commands and EXEC; resolves with EXEC's reply (null: a watched key changed). */
  exec(): Promise<unknown[] | null> {
    if (this.done) return Promise.reject(otherError('the transaction was already sent'));
    this.done = true;
    const result = this.host.exec(this.plan, this.session?.handle ?? null) as Promise<unknown[] | null>;
    if (this.session === null) return result;
    const session = this.session;
    return result.finally(() => session.release());
  }
}

/** A WATCH session: the keys' node's dedicated link, held until `exec()` of its transaction or `release()`. */
export class WatchSession {
  private released = false;

  /** @internal Made by `watch()` of a context. */
  constructor(
    private readonly host: TransactionHost,
    /** @internal */
    readonly handle: SessionHandle,
    /** The slot of the watched keys: the session's transaction must keep to it. */
    readonly slot: number,
  ) {}

  /** A command on the session's link (reads of the watched keys, more WATCH). */
  send(command: string, ...args: CommandArg[]): Promise<unknown> {
    if (this.released) return Promise.reject(otherError('the WATCH session is closed'));
    let argv: readonly CommandArg[];
    try {
      argv = sessionCommandFromArgv([command, ...args]);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.host.send(this.handle, argv);
  }

  /** The session's transaction: `exec()` sends it on the session's link and ends the session. */
  multi(): Transaction {
    return new Transaction(this.host, this);
  }

  /** Ends the session without a transaction: UNWATCH, and the link goes back to the pool. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.host.close(this.handle);
  }
}

/** Opens a WATCH session on the node of `keys` (one slot) and watches them there. */
export async function watchKeys(
  host: TransactionHost,
  keys: readonly (string | Uint8Array)[],
): Promise<WatchSession> {
  const argv = ['WATCH', ...keys];
  const slot = slotOfKeys(argv);
  const session = new WatchSession(host, await host.open(slot), slot);
  try {
    await session.send('WATCH', ...keys);
  } catch (err) {
    session.release();
    throw err;
  }
  return session;
}

/** Queues one command with the callback and data that settle its promise; the refusal, if any. */
type Queue = (fn: unknown, privdata: unknown) => ClusterError | null;

/**
 * Transactions and sessions on an engine: `promise(queue)` runs `queue` with the callback and data of a
 * new promise (the context's err/errstr bookkeeping around it) and returns that promise.
 */
export function engineTransactions(
  engine: () => Engine,
  promise: (queue: Queue) => Promise<unknown>,
): TransactionHost {
  return {
    open: (slot) =>
      new Promise((resolve, reject) => {
        const refused = engine().openSession(slot, (session, err) =>
          session ? resolve(session) : reject(err),
        );
        if (refused !== null) reject(refused);
      }),
    exec: (plan, session) =>
      promise((fn, privdata) => {
        const { bytes, frames } = plan.finish();
        return engine().submitTransaction(bytes, frames, plan.slot, session as Session | null, fn, privdata);
      }),
    send: (session, argv) =>
      promise((fn, privdata) => engine().submitOnSession(session as Session, argv, null, fn, privdata)),
    close: (session) => engine().closeSession(session as Session),
  };
}
