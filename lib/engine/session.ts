/**
 * A WATCH session: a dedicated link of one node, held by its user from the first WATCH until it is closed,
 * so the watched keys, and the transaction that follows, live on a link nobody else writes on. Closing
 * sends UNWATCH and gives the link back to the pool once that is answered (a link that failed is dropped).
 */
import { type ClusterError, otherError } from '../errors.js';
import type { Connection, Pending } from './connection.js';
import type { LeaseWaiter } from './links.js';
import type { NodeEntry, Topology } from './topology.js';

export class Session implements LeaseWaiter {
  /** The session's link once leased; null after close. */
  link: Connection | null = null;
  private closed = false;

  constructor(
    readonly entry: NodeEntry,
    private readonly topology: Topology,
    /** Told once: the link is there (null), or why there will be none. */
    private readonly opened: (err: ClusterError | null) => void,
  ) {}

  /** Why a command cannot run on the session now, or null. */
  get unusable(): ClusterError | null {
    if (this.closed) return otherError('the WATCH session is closed');
    if (this.link === null || !this.link.usable)
      return otherError(`the WATCH session's link to ${this.entry.addr} closed`);
    return null;
  }

  leased(link: Connection): void {
    if (this.closed) {
      this.topology.release(link);
      return;
    }
    this.link = link;
    this.opened(null);
  }

  leaseFailed(err: ClusterError): void {
    this.opened(err);
  }

  /** Ends the session: UNWATCH, then the link goes back to the pool; `returned` is told once it is there. */
  close(returned: () => void = () => {}): void {
    const link = this.link;
    this.closed = true;
    this.link = null;
    if (link === null || !link.usable) {
      if (link !== null) this.topology.release(link);
      returned();
      return;
    }
    const topology = this.topology;
    const unwatched: Pending = {
      onFrame: (l) => {
        topology.release(l);
        returned();
      },
      onFail: returned,
    };
    link.send(['UNWATCH'], unwatched);
  }
}
