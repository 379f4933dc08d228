/**
 * The blocking context's requests to its worker: commands encoded into the channel's request area as one
 * batch (a routed command, a split command's parts, a blocking command, a transaction, a session's command,
 * a pipeline), control requests, and the answers read back and built into replies on this thread. Events
 * the worker sent with an answer are handed on before the call returns. Everything here throws; the
 * context keeps hiredis' err/errstr around it.
 */
import { NOT_BLOCKING } from '../cluster/blocking-commands.js';
import type { CommandTable } from '../cluster/command-keys.js';
import { joinParts } from '../cluster/multikey-join.js';
import type { MultiKeyReplies } from '../cluster/multikey-replies.js';
import { routeOf } from '../cluster/route.js';
import type { TransactionPlan } from '../cluster/transaction-plan.js';
import { ClusterError, otherError, REDIS_ERR_TIMEOUT } from '../errors.js';
import type { EngineEvent } from '../events.js';
import { buildReply, type ReplyBuilder } from '../resp/build.js';
import type { CommandArg } from '../resp/encode.js';
import {
  BatchWriter,
  BLOCKING,
  OP_BATCH,
  OP_HANDOVER,
  OP_SESSION_CLOSE,
  OP_SESSION_OPEN,
  READ_ONLY,
  ROUTED,
  readFailure,
  readResults,
  SESSION,
  TRANSACTION,
} from './batch.js';
import type { BlockingTransactionHost } from './blocking-transaction.js';
import { type CallerChannel, STATUS_ERROR, STATUS_OK, STATUS_TIMEOUT } from './channel.js';
import { type DirectCalls, HANDED } from './direct-call.js';

export class WorkerCalls implements BlockingTransactionHost {
  closed = false;
  /** The commands the context learned from the cluster, routed as the built-in ones. */
  commands: CommandTable | null = null;

  constructor(
    private readonly channel: CallerChannel,
    private readonly builder: ReplyBuilder,
    private readonly multiKey: MultiKeyReplies,
    /** The call timeout (ms, 0: none). */
    readonly callTimeout: number,
    private readonly onEvent: (event: EngineEvent) => void,
    /** Calls on lent links, or null when the caller never makes them. */
    private readonly direct: DirectCalls | null = null,
    /** readFrom sends read-only commands to replicas: the worker routes them (lent links are primaries'). */
    private readonly replicaReads = false,
  ) {}

  /** A writer for a new batch in the request area. */
  writer(): BatchWriter {
    if (this.closed) throw otherError('context closed');
    return new BatchWriter(this.channel.beginRequest(), (min, keep) => this.channel.growRequest(min, keep));
  }

  /**
   * One key-routed command; a cross-slot multi-key command goes as its parts in one batch. A blocking
   * command's call may take its own wait on top of `deadline` (none when it waits for ever).
   */
  run(argv: readonly CommandArg[], raw: Uint8Array | null, deadline = this.callTimeout): unknown {
    const { slot, plan, blockMs, readOnly } = routeOf(argv, this.commands);
    const writer = this.writer();
    const flags = readOnly ? READ_ONLY : 0;
    if (plan === null) {
      const blocking = blockMs !== NOT_BLOCKING;
      const kind = (blocking ? BLOCKING : ROUTED) | flags;
      if (raw !== null) writer.add(kind, slot, '', raw, blockMs);
      else writer.addArgv(kind, slot, '', argv, blockMs);
      const toReplica = readOnly && this.replicaReads;
      if (!blocking && !toReplica && this.direct !== null && this.channel.serving) {
        const direct = this.direct;
        const outcome = direct.call(slot, writer.area, writer.commandStart, writer.length, deadline);
        if (outcome >= 0) return buildReply(direct.buffer, 0, outcome, this.builder);
        if (outcome === HANDED) {
          const { index, written, read, failure } = direct.handed;
          writer.addHandover(index, written, failure, direct.buffer.subarray(0, read));
          return this.roundTrip(writer, false, false, deadline, OP_HANDOVER)[0];
        }
      }
      const wait = !blocking || deadline === 0 ? deadline : blockMs === 0 ? 0 : deadline + blockMs;
      return this.roundTrip(writer, false, false, wait)[0];
    }
    for (const part of plan.parts) writer.addArgv(ROUTED | flags, part.slot, '', part.argv);
    return joinParts(plan, this.roundTrip(writer, true), 0, this.multiKey.ops);
  }

  exec(plan: TransactionPlan, session: number): unknown {
    const { bytes, frames } = plan.finish();
    const writer = this.writer();
    writer.add(session < 0 ? TRANSACTION : SESSION, session < 0 ? plan.slot : session, '', bytes, frames);
    return this.roundTrip(writer)[0];
  }

  send(session: number, argv: readonly CommandArg[]): unknown {
    const writer = this.writer();
    writer.addArgv(SESSION, session, '', argv, 1);
    return this.roundTrip(writer)[0];
  }

  open(slot: number): number {
    this.channel.beginRequest(4).writeInt32LE(slot, 0);
    return this.control(OP_SESSION_OPEN, 4).readInt32LE(0);
  }

  close(session: number): void {
    if (this.closed) return;
    this.channel.beginRequest(4).writeInt32LE(session, 0);
    this.control(OP_SESSION_CLOSE, 4);
  }

  /**
   * One round trip of what `writer` holds (or `length` bytes already in the request area): a reply or
   * failure per command. Failures are thrown unless `keepFailures` (pipelines hand them out in order);
   * `parts` builds with the merge builder.
   */
  roundTrip(
    writer: { length: number; count: number },
    parts = false,
    keepFailures = false,
    deadline = this.callTimeout,
    opcode = OP_BATCH,
  ): unknown[] {
    const count = writer.count;
    const status = this.channel.call(opcode, writer.length, count, deadline);
    this.deliverEvents();
    // The worker still serves the call given up on (an update, a redirect) behind a board that says
    // otherwise: no direct call until it has answered one.
    if (this.direct !== null) this.direct.suspended = status === STATUS_TIMEOUT;
    if (status === STATUS_TIMEOUT) throw new ClusterError(REDIS_ERR_TIMEOUT, 'Timeout');
    if (status !== STATUS_OK) throw readFailure(this.channel.response());
    const results: unknown[] = new Array(count);
    let failure: ClusterError | null = null;
    const builder = parts ? this.multiKey.builder : this.builder;
    readResults(
      this.channel.responseArea,
      count,
      (area, start, end, i) => {
        results[i] = buildReply(area, start, end, builder);
      },
      (err, i) => {
        results[i] = err;
        failure ??= err;
      },
    );
    if (failure !== null && !keepFailures && !parts) throw failure;
    return results;
  }

  /** Runs a request without commands (within `deadline` ms, 0: none); returns its answer's bytes, a failure is thrown. */
  control(opcode: number, length: number, deadline = 0): Buffer {
    if (this.closed) throw otherError('context closed');
    const status = this.channel.call(opcode, length, 0, deadline);
    this.deliverEvents();
    if (status === STATUS_TIMEOUT) throw new ClusterError(REDIS_ERR_TIMEOUT, 'Timeout');
    if (status === STATUS_ERROR) throw readFailure(this.channel.response());
    return this.channel.response();
  }

  /** Events the worker raised during the call, on this thread, before the call returns. */
  private deliverEvents(): void {
    for (const value of this.channel.takeEvents()) this.onEvent(value as EngineEvent);
  }
}
