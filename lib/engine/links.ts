/**
 * The dedicated links of one node: links a single user holds alone while the link has state the node's
 * shared command link must never have — a blocking command waiting, a WATCH session. A bounded pool: a
 * link goes back idle once it is clean (its user's last reply is in), a lease past the bound waits for a
 * returned link (or fails at once, as the policy says), and a link that failed or closed is forgotten.
 */
import { type ClusterError, otherError } from '../errors.js';
import type { Connection } from './connection.js';
import { Fifo } from './fifo.js';

/** Waits for a dedicated link. */
export interface LeaseWaiter {
  leased(link: Connection): void;
  /** No link will come: the node left, or the context closed. */
  leaseFailed(err: ClusterError): void;
}

export class DedicatedLinks {
  /** Every open dedicated link, leased or idle. */
  private readonly links = new Set<Connection>();
  private readonly idle: Connection[] = [];
  private readonly waiting = new Fifo<LeaseWaiter>();

  constructor(
    /** Most dedicated links the node may have at once. */
    private readonly max: number,
    /** Opens a new dedicated link to the node (same handshake as every link). */
    private readonly open: () => Connection,
  ) {}

  /** Links open, and of those leased. */
  get counts(): { dedicated: number; leased: number } {
    return { dedicated: this.links.size, leased: this.links.size - this.idle.length };
  }

  /**
   * Hands `waiter` a link of its own: an idle one, a new one, or the next one returned — unless it may not
   * `wait`: then, with every link leased, it fails at once (naming the node, `addr`).
   */
  lease(waiter: LeaseWaiter, wait: boolean, addr: string): void {
    let link = this.idle.pop();
    while (link !== undefined && !link.usable) link = this.idle.pop();
    if (link !== undefined) waiter.leased(link);
    else if (this.links.size < this.max) waiter.leased(this.opened());
    else if (wait) this.waiting.push(waiter);
    else
      waiter.leaseFailed(
        otherError(`all dedicated links to ${addr} are in use (maxDedicatedLinks ${this.max})`),
      );
  }

  /** Its user is done with `link`: back to the pool when it is clean, else closed and forgotten. */
  release(link: Connection): void {
    if (!this.links.has(link)) return;
    if (!link.usable || link.pendingCount > 0) {
      link.destroy(null);
      return;
    }
    if (this.waiting.length > 0) this.waiting.shift().leased(link);
    else this.idle.push(link);
  }

  /** `link` closed (whoever held it hears from its own pending entries): a waiter may get a new one. */
  closed(link: Connection): void {
    if (!this.links.delete(link)) return;
    const at = this.idle.indexOf(link);
    if (at >= 0) this.idle.splice(at, 1);
    if (this.waiting.length > 0 && this.links.size < this.max) this.waiting.shift().leased(this.opened());
  }

  /** True for one of these links. */
  has(link: Connection): boolean {
    return this.links.has(link);
  }

  /** Closes every link (gracefully: leased ones after their replies) and fails the waiters with `err`. */
  closeAll(graceful: boolean, err: ClusterError | null, waitersErr: ClusterError): void {
    for (const waiter of this.waiting.drain()) waiter.leaseFailed(waitersErr);
    for (const link of [...this.links]) {
      if (graceful) link.end();
      else link.destroy(err);
    }
  }

  setCommandTimeout(ms: number): void {
    for (const link of this.links) link.setCommandTimeout(ms);
  }

  private opened(): Connection {
    const link = this.open();
    this.links.add(link);
    return link;
  }
}
