/**
 * The decisions in which hiredis-cluster's two APIs differ (reference §1.10), as two objects the engine
 * asks at each such point: `AsyncPolicy` (redisClusterAsync*, the async face) and `SyncPolicy`
 * (redisClusterCommand and the pipeline calls, the blocking face's worker). What "the sync API does when X"
 * is read here, nowhere else.
 */
import { ClusterError, nodeLeftCluster, REDIS_ERR_IO, REDIS_ERR_OTHER } from '../errors.js';
import type { Command, RetryBudget } from './command.js';
import type { Connection } from './connection.js';
import type { NodeEntry, Topology, TopologyPolicy } from './topology.js';

/** The engine's moves on one command, for a policy to choose from. */
export interface CommandSteps {
  /** Ends the command with `err`. */
  fail(cmd: Command, err: ClusterError): void;
  /** Counts one retry against the command's budget; past it the command fails (err 100) and this says false. */
  countRetry(cmd: Command): boolean;
  /** Sends the command to its slot's owner as the map says now; fails it when the slot has none. */
  reroute(cmd: Command): void;
  /** Sends the command again on `link` while that still takes commands, else reroutes it. */
  resend(cmd: Command, link: Connection): void;
}

export interface Policy extends TopologyPolicy {
  /** A routed command came before any slot map (it is refused with 'slotmap not available'). */
  noSlotmap(topology: Topology): void;
  /**
   * A routed command's slot has no owner: an update to wait for, after which the owner is looked up once
   * more, or null to refuse the command now ('slot not served by any node').
   */
  unserved(topology: Topology): Promise<void> | null;
  /** Where a command of `batch` (one top-level blocking call) counts its retries. */
  budgetOf(cmd: Command, batch: RetryBudget): RetryBudget;
  /** The command's link failed with `err` before its reply came. */
  linkFailed(
    cmd: Command,
    link: Connection,
    err: ClusterError,
    steps: CommandSteps,
    topology: Topology,
  ): void;
  /** The command's node (its link `link`) left the slot map before its reply came. */
  nodeLeft(cmd: Command, link: Connection, steps: CommandSteps): void;
  /** A MOVED patched the slot: how the whole map is refreshed. */
  moved(topology: Topology, link: Connection): void;
  /** TRYAGAIN or CLUSTERDOWN, no backoff configured: where the command goes again (a retry is counted). */
  tryAgain(cmd: Command, link: Connection, steps: CommandSteps): void;
  /** A new command was sent to `entry`'s node. */
  written(topology: Topology, entry: NodeEntry): void;
  /** True while an update is owed to the next command written (see written()). */
  updateDue(): boolean;
}

/** hiredis' sync API words a connect timeout as an I/O error (each link adds its address). */
const SYNC_CONNECT_TIMEOUT = new ClusterError(REDIS_ERR_IO, 'Connection timed out');

/** hiredis-cluster's async API. */
export class AsyncPolicy implements Policy {
  readonly connectTimeoutError = null;
  readonly leaseWaits = true;

  noSlotmap(topology: Topology): void {
    topology.throttledUpdate();
  }

  unserved(topology: Topology): null {
    topology.throttledUpdate();
    return null;
  }

  budgetOf(cmd: Command): RetryBudget {
    return cmd;
  }

  /** The command fails; a node still in the map gets a throttled update (one that left asks for none). */
  linkFailed(
    cmd: Command,
    link: Connection,
    err: ClusterError,
    steps: CommandSteps,
    topology: Topology,
  ): void {
    steps.fail(cmd, err);
    if (topology.entries.has(link.addr)) topology.throttledUpdate();
  }

  nodeLeft(cmd: Command, link: Connection, steps: CommandSteps): void {
    steps.fail(cmd, nodeLeftCluster(link.addr));
  }

  moved(topology: Topology, link: Connection): void {
    topology.throttledUpdate(link);
  }

  tryAgain(cmd: Command, link: Connection, steps: CommandSteps): void {
    steps.resend(cmd, link);
  }

  /** hiredis' async API sees the close at once: the next command opens a new link. */
  keepsIdleClose(): boolean {
    return false;
  }

  /** hiredis-cluster #252: a failed update is retried at once through another node (bounded). */
  updateFailed(topology: Topology): void {
    topology.retryUpdate();
  }

  written(): void {}

  updateDue(): boolean {
    return false;
  }
}

/**
 * hiredis-cluster's sync API. Updates run between commands: one is made due by a failure and pipelined
 * right after the next command; an unserved slot or a link that never connected gets a blocking update
 * on temporary links. Retries count per top-level call.
 */
export class SyncPolicy implements Policy {
  readonly connectTimeoutError = SYNC_CONNECT_TIMEOUT;
  /**
   * Its one caller holds its WATCH sessions while it calls: a lease past the bound would wait for a link only
   * that caller can return (a watch() that never returns, or a pop sent after its call timed out).
   */
  readonly leaseWaits = false;
  /** The map version when an update became due (hiredis' need_update_route), or -1. */
  private updateDueAt = -1;

  constructor(
    /** The `detectIdleClose` option: reconnect a link the server closed while idle before writing on it. */
    private readonly detectIdleClose = false,
  ) {}

  /** hiredis' sync API learns of an idle link's close when it next writes on it (the option: before). */
  keepsIdleClose(): boolean {
    return !this.detectIdleClose;
  }

  noSlotmap(): void {}

  unserved(topology: Topology): Promise<void> {
    return topology.updateWithTemporaryLinks().catch(() => {});
  }

  budgetOf(_cmd: Command, batch: RetryBudget): RetryBudget {
    return batch;
  }

  /**
   * A link that never connected: one blocking update, then the command goes to its slot's owner once more.
   * Otherwise (an I/O error, a second failure, a command for one node) it fails and an update is due.
   */
  linkFailed(
    cmd: Command,
    link: Connection,
    err: ClusterError,
    steps: CommandSteps,
    topology: Topology,
  ): void {
    if (link.everConnected || cmd.reconnects > 0 || cmd.direct) {
      this.updateDueAt = topology.version;
      steps.fail(cmd, err);
      return;
    }
    cmd.reconnects++;
    topology.updateWithTemporaryLinks().then(
      () => steps.reroute(cmd),
      () => steps.fail(cmd, err),
    );
  }

  /**
   * The sync API never loses a routed command to an update (updates run between its commands, and the old
   * node would answer MOVED): it goes to its slot's new owner, as one more retry. A ToNode or pipelined
   * command fails, with an error code.
   */
  nodeLeft(cmd: Command, link: Connection, steps: CommandSteps): void {
    if (cmd.direct) steps.fail(cmd, nodeLeftCluster(link.addr, REDIS_ERR_OTHER));
    else if (steps.countRetry(cmd)) steps.reroute(cmd);
  }

  /** The update goes on the redirecting link at once, not throttled. */
  moved(topology: Topology, link: Connection): void {
    topology.update(link);
  }

  tryAgain(cmd: Command, _link: Connection, steps: CommandSteps): void {
    steps.reroute(cmd);
  }

  /** The next command asks again. */
  updateFailed(topology: Topology): void {
    this.updateDueAt = topology.version;
  }

  /** A due update (unless a map came meanwhile) is pipelined right after the command, on the node's link. */
  written(topology: Topology, entry: NodeEntry): void {
    if (this.updateDueAt < 0) return;
    const due = this.updateDueAt === topology.version;
    this.updateDueAt = -1;
    if (due) topology.update(topology.linkOf(entry));
  }

  updateDue(): boolean {
    return this.updateDueAt >= 0;
  }
}
