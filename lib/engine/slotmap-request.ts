/**
 * One slot-map request to one node (CLUSTER SLOTS, NODES or SHARDS): the reply read into a SlotMap, every
 * failure naming the node, and the update timeout. That timeout counts from when the link is open (the
 * connect has its own) and ends the attempt with 'Timeout', so a node that accepts and never answers
 * cannot hold an update: the link is closed when nothing else waits on it, else it is left to the
 * commands on it (their own deadlines apply) and the late reply is ignored.
 */
import type { EventLoopAdapter, TimerHandle } from '../../adapters/adapter.js';
import { parseSlotMapReply, type SlotMap, slotMapCommand } from '../cluster/slotmap.js';
import { atNode, ClusterError, otherError, REDIS_ERR_OTHER, REDIS_ERR_TIMEOUT } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { buildReply, plainReplies } from '../resp/build.js';
import type { Connection, ConnectionEvents, Pending } from './connection.js';
import { errorText } from './handshake.js';

const MINUS = 0x2d; // '-'
const BANG = 0x21; // '!'

/**
 * How a request ends, once: the node's map, or why not (naming the node); both null when its link was
 * closed on request (the update is dropped, nothing failed).
 */
export type SlotmapOutcome = (link: Connection, map: SlotMap | null, err: ClusterError | null) => void;

export class SlotmapRequest implements Pending {
  /** True once the node answered (a map, or a reply that is none). */
  answered = false;
  private link: Connection | null = null;
  private timer: TimerHandle | null = null;
  private settled = false;

  constructor(
    private readonly adapter: EventLoopAdapter,
    private readonly options: ResolvedOptions,
    private readonly outcome: SlotmapOutcome,
  ) {}

  /** Sends the request on `link`; its update timeout starts now when the link is open, else at connected(). */
  sendOn(link: Connection): void {
    this.link = link;
    link.send(slotMapCommand(this.options), this);
    if (link.isConnected) this.startTimer(link);
  }

  /** `link` connected: the request's update timeout starts when it is the request's link. */
  connected(link: Connection): void {
    if (link === this.link) this.startTimer(link);
  }

  onFrame(link: Connection, buf: Uint8Array, start: number, end: number): void {
    if (this.settled) return; // the reply to a request that timed out
    this.settle();
    this.answered = true;
    let map: SlotMap;
    try {
      if (buf[start] === MINUS || buf[start] === BANG) throw otherError(errorText(buf, start, end));
      map = parseSlotMapReply(buildReply(buf, start, end, plainReplies), link.host, this.options);
    } catch (err) {
      const failure = err instanceof ClusterError ? err : otherError(String(err));
      this.outcome(link, null, atNode(failure, link.addr));
      return;
    }
    this.outcome(link, map, null);
  }

  onFail(link: Connection, err: ClusterError | null): void {
    if (this.settled) return;
    this.settle();
    this.outcome(link, null, err === null ? null : atNode(err, link.addr));
  }

  private startTimer(link: Connection): void {
    const ms = this.options.updateTimeout;
    if (this.settled || this.timer !== null || ms === 0) return;
    this.timer = this.adapter.setTimer(ms, () => {
      this.timer = null;
      const err = new ClusterError(REDIS_ERR_TIMEOUT, 'Timeout', link.addr);
      // Closing fails the request through onFail; a link other commands wait on is theirs to keep.
      if (link.onlyAwaits(this)) link.destroy(err);
      else this.onFail(link, err);
    });
  }

  private settle(): void {
    this.settled = true;
    if (this.timer !== null) this.adapter.clearTimer(this.timer);
    this.timer = null;
  }
}

/**
 * A node's slot map, asked on a temporary link of its own (hiredis' blocking update) that `open(events)`
 * opens to it; the link is closed once the request ends.
 */
export function askOnTemporaryLink(
  adapter: EventLoopAdapter,
  options: ResolvedOptions,
  open: (events: ConnectionEvents) => Connection,
): Promise<SlotMap> {
  return new Promise((resolve, reject) => {
    const request = new SlotmapRequest(adapter, options, (link, map, err) => {
      link.destroy(null);
      if (map !== null) resolve(map);
      else reject(err ?? new ClusterError(REDIS_ERR_OTHER, 'connection closed', link.addr));
    });
    request.sendOn(open({ onConnect: (link) => request.connected(link), onClose() {}, onPush() {} }));
  });
}
