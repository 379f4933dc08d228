/**
 * Tracing on `node:diagnostics_channel`, as ioredis and node-redis publish: TracingChannels
 * `hircluster:command`, `hircluster:batch` and `hircluster:connect` (start / end / asyncStart / asyncEnd /
 * error, Node's conventions), and the plain channel `hircluster:slotmap`. Nothing is built unless someone
 * subscribes: every call site checks `hasSubscribers` first. Argument values are never published.
 */
import dc from 'node:diagnostics_channel';
import type { FanOutRequest } from '../cluster/fan-out-plan.js';
import type { Command } from '../engine/command.js';
import { ClusterError, ReplyError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import { commandFromBytes } from './command-input.js';

/** Which context published: the async face, or the blocking face (published on the caller's thread). */
export type TraceFace = 'async' | 'blocking';

/** The context of one command on `hircluster:command`; the same object travels through its events. */
export interface CommandTrace {
  /** The command's name as given, upper-cased (`GET`); never its arguments. */
  command: string;
  /** The context that sent it. */
  face: TraceFace;
  /** The slot it was routed by; -1 for a command to one node or a split multi-key command. */
  slot: number;
  /**
   * `host:port` of the node that answered (or failed). Async: known from asyncStart on. Blocking: the
   * slot's owner in the caller's slot map, known at start (the worker's redirects are not seen).
   */
  node?: string;
  /** Async only, from asyncStart on: retries counted for it (redirects, TRYAGAIN, link failures). */
  retries?: number;
  /** Async only, from asyncStart on: MOVED and ASK redirects it followed. */
  redirects?: number;
  /** Its reply; an error reply or a failure is `error` instead. */
  result?: unknown;
  /** Its failure or error reply, published on `error`. */
  error?: unknown;
}

/** The context of one `batch()` on `hircluster:batch` (each command in it is also on `hircluster:command`). */
export interface BatchTrace {
  /** The context that sent it. */
  face: TraceFace;
  /** How many commands. */
  size: number;
  /** Each command's outcome, in order. */
  result?: unknown;
  /** Set only if the batch itself failed (a command's error is its outcome). */
  error?: unknown;
}

/** The context of one `connect()` on `hircluster:connect`. */
export interface ConnectTrace {
  /** The context connecting. */
  face: TraceFace;
  /** The seed nodes, `host:port`. */
  nodes: readonly string[];
  /** Why it failed. */
  error?: unknown;
}

/** A message on `hircluster:slotmap`: a new slot map was installed. */
export interface SlotmapTrace {
  /** The context that installed it. */
  face: TraceFace;
  /** The context's slot-map version after it (1 for the first). */
  version: number;
  /** Primaries in the new map. */
  nodes: number;
}

export const commandChannel = dc.tracingChannel<unknown, CommandTrace>('hircluster:command');
export const batchChannel = dc.tracingChannel<unknown, BatchTrace>('hircluster:batch');
export const connectChannel = dc.tracingChannel<unknown, ConnectTrace>('hircluster:connect');
export const slotmapChannel = dc.channel('hircluster:slotmap');

/** A command's trace context: its name from `argv` (or its pre-encoded bytes), never its arguments. */
export function commandTrace(
  face: TraceFace,
  argv: readonly CommandArg[] | null,
  raw: Uint8Array | null,
  slot: number,
): CommandTrace {
  const name = argv?.[0] ?? commandFromBytes(raw!)[0]!;
  return { command: String(name).toUpperCase(), face, slot };
}

/** An async command's privdata while traced: the caller's privdata and the trace context. */
export class TracedCall {
  constructor(
    readonly privdata: unknown,
    readonly context: CommandTrace,
  ) {}
}

/** Publishes `start` for an async command; submit it with the returned TracedCall as its privdata. */
export function startCall(context: CommandTrace, privdata: unknown): TracedCall {
  commandChannel.start.publish(context);
  return new TracedCall(privdata, context);
}

/** The synchronous part of an async command is over: `error` if it was refused, then `end`. */
export function endCall(call: TracedCall, refused: ClusterError | null): ClusterError | null {
  if (refused !== null) {
    call.context.error = refused;
    commandChannel.error.publish(call.context);
  }
  commandChannel.end.publish(call.context);
  return refused;
}

/** An async command's outcome: fills in where it went, publishes `error` (if any), then `asyncStart`. */
export function settleCall(call: TracedCall, cmd: Command, reply: unknown, err: ClusterError | null): void {
  const context = call.context;
  const node = cmd.node !== '' ? cmd.node : err?.address;
  if (node !== undefined) context.node = node;
  context.retries = cmd.budget.retries;
  context.redirects = cmd.redirects;
  settleTrace(context, err ?? reply);
}

/**
 * A fan-out's trace context (sendTo, sendEach, a keyless command by its tips): one command however many
 * nodes it goes to, with a node and slot only when it goes to one.
 */
export function fanOutTrace(face: TraceFace, requests: readonly FanOutRequest[]): CommandTrace {
  const one = requests.length === 1 ? requests[0]! : null;
  const name = String(requests[0]?.argv[0] ?? '').toUpperCase();
  const context: CommandTrace = { command: name, face, slot: one?.slot ?? -1 };
  if (one !== null && one.address !== '') context.node = one.address;
  return context;
}

/** An async command's outcome (a reply, or a ReplyError or ClusterError value): `error` if any, then `asyncStart`. */
export function settleTrace(context: CommandTrace, value: unknown): void {
  outcome(commandChannel, context, value);
  commandChannel.asyncStart.publish(context);
}

/** Runs a blocking call between `start` and `end`, publishing `error` for a throw or an error reply. */
export function traceSync<C extends { result?: unknown; error?: unknown }, T>(
  channel: dc.TracingChannel<unknown, C>,
  context: C,
  call: () => T,
): T {
  channel.start.publish(context);
  try {
    const result = call();
    outcome(channel, context, result);
    return result;
  } catch (err) {
    context.error = err;
    channel.error.publish(context);
    throw err;
  } finally {
    channel.end.publish(context);
  }
}

/** Records a reply or failure on `context`; a failure or an error reply is published on `error`. */
function outcome<C extends { result?: unknown; error?: unknown }>(
  channel: dc.TracingChannel<unknown, C>,
  context: C,
  value: unknown,
): void {
  if (value instanceof ClusterError || value instanceof ReplyError) {
    context.error = value;
    channel.error.publish(context);
  } else context.result = value;
}

/** `hircluster:slotmap`, when someone listens. */
export function publishSlotmap(face: TraceFace, version: number, nodes: number): void {
  if (slotmapChannel.hasSubscribers) slotmapChannel.publish({ face, version, nodes } satisfies SlotmapTrace);
}
