/**
 * The blocking context's worker: owns the links and runs the engine with hiredis-cluster's sync-API
 * policy. It serves the channel one request at a time; redirects, updates, reconnects and timeouts
 * happen here without waking the caller, and events reach the caller before the reply they precede.
 */
import { NodeAdapter } from '../../adapters/node.js';
import { withTimerWheel } from '../../adapters/timer-wheel.js';
import type { CommandOwner, RetryBudget } from '../engine/dispatch.js';
import { Dispatcher } from '../engine/dispatch.js';
import { Topology, type TopologyEvents } from '../engine/topology.js';
import { ClusterError, otherError } from '../errors.js';
import {
  failureBytes,
  OP_BATCH,
  OP_CONNECT,
  OP_DROP_LINKS,
  OP_SET_TIMEOUT,
  OP_UPDATE,
  ResultsWriter,
  readBatch,
  TO_NODE,
} from './batch.js';
// Not the channel.js barrel: the caller's end has no business in the worker's bundle.
import { type ChannelRequest, STATUS_ERROR, STATUS_OK } from './channel-layout.js';
import { WorkerChannel } from './worker-channel.js';
import type { WorkerEvent } from './worker-events.js';
import { fromWorkerOptions, type WorkerOptions } from './worker-options.js';

const channel = new WorkerChannel();
const options = fromWorkerOptions(channel.data as WorkerOptions);
const adapter = withTimerWheel(new NodeAdapter(), options.timerWheel);

function post(event: WorkerEvent): void {
  channel.postEvent(event);
}

/** The current batch's results, written into the response area as they arrive. */
const results = new ResultsWriter((minBytes, keepBytes) => channel.reserve(minBytes, keepBytes));

/**
 * The batch being served: one result per command, published once all are in and no update runs. A batch
 * the caller gave up on (its deadline passed) is no longer current: its late results are dropped.
 */
class Batch implements RetryBudget {
  retries = 0;
  remaining: number;

  constructor(
    readonly req: ChannelRequest,
    count: number,
  ) {
    this.remaining = count;
  }

  frame(index: number, buf: Uint8Array, start: number, end: number): void {
    if (current !== this) return;
    results.reply(index, buf, start, end);
    this.remaining--;
    settleSoon();
  }

  fail(index: number, err: ClusterError): void {
    if (current !== this) return;
    results.failure(index, err);
    this.remaining--;
    settleSoon();
  }
}

let current: Batch | null = null;
let settling = false;

/**
 * settle() once the engine's current step is over: a link that fails its commands reports its close
 * right after, and a frame may be followed in the same read by bytes that drop the link; the caller
 * must see those events with the reply, not one call later.
 */
function settleSoon(): void {
  if (settling) return;
  settling = true;
  queueMicrotask(() => {
    settling = false;
    settle();
  });
}

/** Publishes the current batch once every command has its outcome and no update is on the way. */
function settle(): void {
  const batch = current;
  if (batch === null || batch.remaining > 0 || topology.isUpdating) return;
  current = null;
  channel.publish(batch.req, STATUS_OK, results.length);
}

const events: TopologyEvents = {
  slotmapUpdated: (version) => {
    post({ type: 'slotmap-updated', version, nodes: topology.map!.nodes });
    settle();
  },
  ready: () => post({ type: 'ready' }),
  updateFailed: () => settle(),
  nodeAdded: (node) => post({ type: 'node-added', node }),
  nodeRemoved: (node) => post({ type: 'node-removed', node }),
  linkConnected: (link) => post({ type: 'connect', host: link.host, port: link.port }),
  linkClosed: (link, err, connected) =>
    post({
      type: connected ? 'disconnect' : 'connect-error',
      host: link.host,
      port: link.port,
      code: err?.code ?? 0,
      message: err?.message ?? '',
    }),
  push: () => {},
};

const topology = new Topology(options, adapter, events, true);
// Each command's budget is its batch and `fn` its index there, so the late replies of a batch the
// caller gave up on (its deadline passed) land in that batch, which is never published.
const owner: CommandOwner = {
  frame: (cmd, buf, start, end) => (cmd.budget as Batch).frame(cmd.fn as number, buf, start, end),
  complete: (cmd, _reply, err) => (cmd.budget as Batch).fail(cmd.fn as number, err ?? otherError('no reply')),
};
const dispatcher = new Dispatcher(options, adapter, topology, owner, true);

async function update(req: ChannelRequest): Promise<void> {
  try {
    await topology.updateWithTemporaryLinks();
    channel.respond(req, STATUS_OK);
  } catch (err) {
    channel.respond(req, STATUS_ERROR, failureBytes(asClusterError(err)));
  }
}

function asClusterError(err: unknown): ClusterError {
  return err instanceof ClusterError ? err : otherError(String(err));
}

/** Sends every command of a batch; an unserved slot first gets a blocking update (hiredis' sync API). */
async function batch(req: ChannelRequest): Promise<void> {
  const commands = readBatch(req.body, req.count);
  const batch = new Batch(req, commands.length);
  current = batch;
  results.begin(commands.length);
  for (let i = 0; i < commands.length; i++) {
    const command = commands[i]!;
    // Sent (and resent) straight from the request area: the caller leaves it alone until the answer,
    // and moves to a fresh area when it gives up on a call.
    const bytes = command.bytes;
    if (command.kind === TO_NODE) {
      const at = command.address.lastIndexOf(':');
      const entry = topology.entry(command.address.slice(0, at), Number(command.address.slice(at + 1)), true);
      dispatcher.submitBytes(entry, bytes, -1, true, batch, i);
      continue;
    }
    if (topology.map === null) {
      batch.fail(i, otherError('slotmap not available'));
      continue;
    }
    let entry = topology.ownerOf(command.slot);
    if (entry === undefined) {
      await topology.updateWithTemporaryLinks().catch(() => {});
      entry = topology.ownerOf(command.slot);
    }
    if (entry === undefined) batch.fail(i, otherError('slot not served by any node'));
    else dispatcher.submitBytes(entry, bytes, command.slot, command.kind !== 0, batch, i);
  }
  settle();
}

async function serve(req: ChannelRequest): Promise<void> {
  switch (req.opcode) {
    case OP_BATCH:
      return batch(req);
    case OP_CONNECT:
    case OP_UPDATE:
      return update(req);
    case OP_SET_TIMEOUT: {
      const ms = req.body.readInt32LE(0);
      options.commandTimeout = ms;
      for (const entry of topology.entries.values()) entry.link?.setCommandTimeout(ms);
      channel.respond(req, STATUS_OK);
      return;
    }
    case OP_DROP_LINKS:
      topology.closeLinks(false, otherError('links dropped'));
      channel.respond(req, STATUS_OK);
      return;
    default:
      channel.respond(req, STATUS_ERROR, failureBytes(otherError(`Unknown opcode ${req.opcode}`)));
  }
}

/** Serves requests until the caller closes; a failure ends the thread, and the channel's death watch reports it. */
async function serveUntilClosed(): Promise<void> {
  for (;;) {
    const req = await channel.next();
    if (req === null) break;
    // A new request while a batch is unanswered means the caller gave up on it (its deadline passed).
    current = null;
    await serve(req);
  }
  topology.shutdown = true;
  topology.closeLinks(false, otherError('context closed'));
  channel.close();
}

// Not top-level await: the worker ships as a CommonJS bundle (scripts/bundle-worker.mjs), which has none.
void serveUntilClosed();
