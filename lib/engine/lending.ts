/**
 * Lending idle command links to a borrower on another thread: the blocking context's caller writes a
 * command on the socket and reads its reply itself, with no hand-off to the worker that owns the link.
 *
 * A command link with nothing pending and nothing to send pauses its reads and is lent; the engine takes it
 * back before it sends, ends or closes it. The borrower either gives it back as it found it (the reply was
 * an ordinary one) or hands over what it started, which the engine adopts (see {@link Adopted}).
 */
import type { TransportError } from '../../adapters/adapter.js';
import type { Connection } from './connection.js';

export interface Lender {
  /** `link` is idle with its reads paused; the borrower may use `fd` until the link is reclaimed. */
  lend(link: Connection, fd: number): void;
  /**
   * The engine needs `link` again: true once the borrower can no longer touch it, false while the borrower
   * holds it or has handed over a command the engine has not adopted yet (ask again later).
   */
  reclaim(link: Connection): boolean;
}

/** What the borrower did on a link before it handed a command over. */
export interface Adopted {
  /** Bytes of the command that are on the wire; -1: none, and the link is not to be used for it. */
  written: number;
  /** Reply bytes it read (an incomplete frame, or a frame it leaves to the engine: an error, a push). */
  read: Uint8Array;
  /** What the socket said: an I/O error, `undefined` for the peer's close (EOF), null for nothing. */
  failure: TransportError | undefined | null;
}
