/**
 * Serves a batch: the commands of one top-level blocking call (one command, the parts of a split multi-key
 * command, or a pipeline), routed in order through the dispatcher with the policy's rules. Each outcome
 * goes to the batch's sink by index as it comes; the batch is done once every command has its outcome and
 * no slot-map update begun during it is under way, so the events of that update travel with the answer (a
 * background refresh begun before the call does not hold it).
 */
import { blockingDeadline, NOT_BLOCKING } from '../cluster/blocking-commands.js';
import { type ClusterError, otherError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';
import { Command, NO_SLOT, type Receiver, type RetryBudget } from './command.js';
import type { Connection } from './connection.js';
import type { Dispatcher } from './dispatch.js';
import type { Adopted } from './lending.js';
import type { Policy } from './policy.js';
import type { Session } from './session.js';
import type { Topology } from './topology.js';

/** One command of a batch. */
export interface BatchItem {
  /** Its slot, for a routed command. */
  slot: number;
  /** "host:port" for a command to one node; '' for a routed one. */
  address: string;
  /** Whether a routed command follows redirects (a pipelined one does not, as in hiredis). */
  redirects: boolean;
  /** Counts its retries itself, as a single command does (a JavaScript batch), not in the policy's budget. */
  ownRetries?: boolean;
  /** A read-only command (readFrom may send it to a replica). */
  readOnly: boolean;
  /** A blocking command's wait in ms (it runs on a dedicated link), else NOT_BLOCKING. */
  blockMs: number;
  /** Reply frames its bytes bring: 1, or a transaction's. */
  frames: number;
  /** The WATCH session whose link it goes on, or null. A SESSION item whose session is gone has null and no slot. */
  session: Session | null;
  /** Its RESP bytes; left alone by their owner until the batch is answered (they are sent from here). */
  bytes: Uint8Array;
}

/** Where a batch's outcomes go. */
export interface BatchSink {
  /** Command `index`'s reply frame, valid only during the call. */
  reply(index: number, buf: Uint8Array, start: number, end: number): void;
  failure(index: number, err: ClusterError): void;
  /** Every command has its outcome and no update is under way. */
  done(): void;
}

class BatchRun implements Receiver, RetryBudget {
  retries = 0;
  remaining: number;

  constructor(
    private readonly batches: Batches,
    readonly sink: BatchSink,
    count: number,
    /** Updates started before the batch (Topology.updatesStarted): one of those does not hold its answer. */
    readonly updatesBefore: number,
  ) {
    this.remaining = count;
  }

  reply(cmd: Command, buf: Uint8Array, start: number, end: number): void {
    this.batches.dispatcher.pending--;
    if (!this.batches.isCurrent(this)) return;
    this.sink.reply(cmd.index, buf, start, end);
    this.settled();
  }

  fail(cmd: Command, err: ClusterError): void {
    this.batches.dispatcher.pending--;
    if (!this.batches.isCurrent(this)) return;
    this.sink.failure(cmd.index, err);
    this.settled();
  }

  /** A refusal at routing: the command was never counted. */
  refused(index: number, err: ClusterError): void {
    this.sink.failure(index, err);
    this.remaining--;
  }

  private settled(): void {
    this.remaining--;
    this.batches.settleSoon();
  }
}

/** The batches of one engine: one served at a time. */
export class Batches {
  /** The batch being served; a batch its caller gave up on is no longer current and its late outcomes are dropped. */
  private current: BatchRun | null = null;
  private settling = false;

  constructor(
    readonly dispatcher: Dispatcher,
    private readonly topology: Topology,
    private readonly policy: Policy,
    private readonly options: ResolvedOptions,
    /** Told after each batch is answered: what waited for the end of a call may run. */
    private readonly idle: () => void,
  ) {}

  isCurrent(run: BatchRun): boolean {
    return this.current === run;
  }

  /** A batch is being served (its caller waits). */
  get serving(): boolean {
    return this.current !== null;
  }

  /** Sends the commands in order; a command held for an update is waited for before the next is routed. */
  async serve(items: readonly BatchItem[], sink: BatchSink): Promise<void> {
    const run = new BatchRun(this, sink, items.length, this.topology.updatesStarted);
    this.current = run;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const cmd = this.command(item, run, i);
      if (cmd.slot === NO_SLOT) this.sendDirect(cmd, item, run, i);
      else {
        const held = this.start(cmd, run, i);
        if (held !== null) await held;
      }
    }
    this.settle();
  }

  /** A batch of one routed command its caller wrote on `link` itself (Engine.serveAdopted). */
  async adopt(item: BatchItem, link: Connection, adopted: Adopted, sink: BatchSink): Promise<void> {
    const run = new BatchRun(this, sink, 1, this.topology.updatesStarted);
    this.current = run;
    const cmd = this.command(item, run, 0);
    if (adopted.written >= 0) this.dispatcher.pending++;
    link.adopt(cmd, item.bytes, adopted, cmd.timeoutMs);
    const held = adopted.written < 0 ? this.start(cmd, run, 0) : null;
    if (held !== null) await held;
    this.settle();
  }

  private command(item: BatchItem, run: BatchRun, index: number): Command {
    const routed = item.address === '' && item.slot >= 0;
    const cmd = new Command(
      this.dispatcher,
      null,
      item.bytes,
      routed ? item.slot : NO_SLOT,
      !routed || !item.redirects,
      run,
      index,
      undefined,
      undefined,
    );
    cmd.budget = item.ownRetries ? cmd : this.policy.budgetOf(cmd, run);
    cmd.frames = item.frames;
    cmd.readOnly = item.readOnly;
    if (item.blockMs !== NOT_BLOCKING) {
      cmd.dedicated = true;
      cmd.timeoutMs = blockingDeadline(item.blockMs, this.options.commandTimeout, -1);
    }
    return cmd;
  }

  /** Routes a routed command: null once it is on its way or refused, or the update it is held for. */
  private start(cmd: Command, run: BatchRun, index: number): Promise<void> | null {
    const started = this.dispatcher.start(cmd);
    if (started instanceof Promise) return started;
    if (started !== null) run.refused(index, started);
    return null;
  }

  /** A command for one node, or for a WATCH session's link. */
  private sendDirect(cmd: Command, item: BatchItem, run: BatchRun, index: number): void {
    if (item.address !== '') {
      const at = item.address.lastIndexOf(':');
      const entry = this.topology.entry(item.address.slice(0, at), Number(item.address.slice(at + 1)), true);
      this.dispatcher.startOn(cmd, entry);
    } else if (item.session !== null) {
      cmd.session = item.session;
      this.dispatcher.startOn(cmd, item.session.entry);
    } else run.refused(index, otherError('the WATCH session is closed'));
  }

  /** The caller gave up on the current batch: its commands held for an owner end (unheard). */
  abandon(): void {
    const run = this.current;
    this.current = null;
    if (run !== null) this.dispatcher.dropHeld(run, otherError('the call was given up'));
  }

  /**
   * settle() once the engine's current step is over: a link that fails its commands reports its close right
   * after, and a frame may be followed in the same read by bytes that drop the link; the caller must see
   * those events with the reply, not one call later.
   */
  settleSoon(): void {
    if (this.settling) return;
    this.settling = true;
    queueMicrotask(() => {
      this.settling = false;
      this.settle();
    });
  }

  /** Reports the current batch done once every command has its outcome and no update it caused is on the way. */
  settle(): void {
    const run = this.current;
    if (run === null || run.remaining > 0) return;
    // An update the batch caused is waited for (its events go with the answer); a background one begun
    // before the batch is not.
    const topology = this.topology;
    if (topology.isUpdating && topology.updatesStarted > run.updatesBefore) return;
    this.current = null;
    run.sink.done();
    this.idle();
  }
}
