/**
 * Both faces of the engine on the simulated network (spec/support/sim-network.ts), driven the same way so
 * that one case list can run against each. The async face is an AsyncClusterContext on the network's
 * loop. The blocking face is the real WorkerHost (the sync policy) over an in-memory channel, with this
 * module as its caller: it routes a command, sends a cross-slot multi-key command as its parts in one
 * batch and joins their replies, as BlockingClusterContext does on its thread. Outcomes read as text:
 * a reply as JSON (an error reply as `-text`), a failure as `code message`.
 *
 * Everything runs on the virtual clock (sim-drive.ts' drive()), so no step waits in real time.
 */
import { type AsyncCallback, AsyncClusterContext } from '../../lib/async-context.js';
import { OP_CONNECT, ROUTED, readFailure, readResults, TO_NODE } from '../../lib/blocking/batch.js';
import { STATUS_OK } from '../../lib/blocking/channel-layout.js';
import { joinParts } from '../../lib/cluster/multikey-join.js';
import { multiKeyReplies } from '../../lib/cluster/multikey-replies.js';
import { routeOf } from '../../lib/cluster/route.js';
import { ClusterError, ReplyError } from '../../lib/errors.js';
import { type ClusterOptions, resolveOptions } from '../../lib/options.js';
import { buildReply, plainReplies, type ReplyBuilder } from '../../lib/resp/build.js';
import { type BatchCommand, type MemoryAnswer, MemoryChannel } from './memory-channel.js';
import { RecordingHost } from './recording-host.js';
import { drive } from './sim-drive.js';
import type { SimNetwork, SimNode } from './sim-network.js';

export type FaceName = 'async' | 'sync';
export const FACES: readonly FaceName[] = ['async', 'sync'];

/** Virtual time one step of a spec may take before it counts as stuck. */
const LIMIT_MS = 60_000;

/** A reply or failure as text: JSON, `-text` for an error reply, `code message` for a failure. */
export function shown(reply: unknown, err: ClusterError | null): string {
  if (err !== null) return `${err.code} ${err.message}`;
  if (reply instanceof ReplyError) return `-${reply.message}`;
  return JSON.stringify(reply);
}

/** A call's result (a reply, or a ClusterError) as text. */
function shownResult(result: unknown): string {
  return result instanceof ClusterError ? shown(null, result) : shown(result, null);
}

/** The commands a node received, without the link: 'GET foo', 'CLUSTER SLOTS'. */
export function heard(node: SimNode): string[] {
  return node.history.filter((e) => e.kind === 'command').map((e) => e.argv!.join(' '));
}

/** A command of a call: key-routed argv, or argv for the node at `node` ("host:port"). */
export type Call = readonly string[] | { node: string; argv: readonly string[] };

/** Commands on their way: their outcomes once every one came, else null. */
export type Sent = () => string[] | null;

/** One face on the simulated network, as its caller sees it. */
export interface SimFace {
  readonly name: FaceName;
  readonly net: SimNetwork;
  /** The virtual time the last connect(), run() or batch() took. */
  readonly took: number;
  /** The initial slot map: '' once installed, else the failure (async: on a kept link; sync: blocking). */
  connect(): Promise<string>;
  /** One command, a cross-slot multi-key one split (on the blocking face: one call); its outcome. */
  run(argv: readonly string[]): Promise<string>;
  /**
   * Commands, none of them split, at once: on the async face submitted together, on the blocking face one
   * call (a batch, as a split command's parts go). Their outcomes, in order.
   */
  batch(...calls: Call[]): Promise<string[]>;
  /** As batch(), without running the network. */
  send(...calls: Call[]): Sent;
  /** Frees the context (async) or closes the channel (sync), and runs the loop until nothing is left. */
  close(): Promise<void>;
}

type Options = Omit<ClusterOptions, 'adapter'>;

/** A face on `net`, not yet connected; node choice is deterministic (random 0: the first candidate). */
export function openFace(name: FaceName, net: SimNetwork, options: Options): SimFace {
  return name === 'async' ? new AsyncFace(net, options) : new SyncFace(net, options);
}

/** Runs the network until `sent` has its outcomes; they, and the virtual time they took. */
async function outcomesOf<T>(net: SimNetwork, sent: () => T | null): Promise<[T, number]> {
  const start = net.loop.now();
  let at = start;
  const done = await drive(
    net,
    () => {
      if (sent() === null) return false;
      at = net.loop.now();
      return true;
    },
    LIMIT_MS,
  );
  if (!done) throw new Error(`no outcome within ${LIMIT_MS} ms of virtual time`);
  return [sent()!, at - start];
}

/** The parts common to both faces: running what was sent. */
abstract class Face {
  took = 0;

  constructor(readonly net: SimNetwork) {}

  abstract send(...calls: Call[]): Sent;

  async batch(...calls: Call[]): Promise<string[]> {
    const [outcomes, took] = await outcomesOf(this.net, this.send(...calls));
    this.took = took;
    return outcomes;
  }
}

class AsyncFace extends Face implements SimFace {
  readonly name = 'async';
  readonly acc: AsyncClusterContext;

  constructor(net: SimNetwork, options: Options) {
    super(net);
    this.acc = new AsyncClusterContext({ random: () => 0, ...options, adapter: net.loop });
  }

  async connect(): Promise<string> {
    let outcome: string[] | null = null;
    this.acc.connect().then(
      () => {
        outcome = [''];
      },
      (err: ClusterError) => {
        outcome = [shown(null, err)];
      },
    );
    const [[result], took] = await outcomesOf(this.net, () => outcome);
    this.took = took;
    return result!;
  }

  async run(argv: readonly string[]): Promise<string> {
    return (await this.batch(argv))[0]!;
  }

  /** Each command's callback must come once; privdata is its index. */
  send(...calls: Call[]): Sent {
    const outcomes: (string | undefined)[] = new Array(calls.length);
    let missing = calls.length;
    const fn: AsyncCallback<number> = (acc, reply, i) => {
      if (outcomes[i] !== undefined) throw new Error(`a second callback after ${outcomes[i]}`);
      const failed = acc.err !== 0 || acc.errstr !== '';
      outcomes[i] = shown(reply, failed ? new ClusterError(acc.err, acc.errstr) : null);
      missing--;
    };
    calls.forEach((call, i) => {
      const queued =
        'node' in call
          ? this.acc.commandArgvToNode(call.node, fn, i, call.argv)
          : this.acc.commandArgv(fn, i, call as readonly string[]);
      if (queued) return;
      outcomes[i] = shown(null, new ClusterError(this.acc.err, this.acc.errstr));
      missing--;
    });
    return () => (missing === 0 ? (outcomes as string[]) : null);
  }

  async close(): Promise<void> {
    this.acc.free();
    await drive(this.net, () => false);
  }
}

export class SyncFace extends Face implements SimFace {
  readonly name = 'sync';
  readonly channel = new MemoryChannel();
  readonly host: RecordingHost;
  /** Ends once the host has closed its links and the channel. */
  readonly running: Promise<void>;
  private readonly multiKey = multiKeyReplies(plainReplies);

  constructor(net: SimNetwork, options: Options) {
    super(net);
    this.host = new RecordingHost(this.channel, net.loop, resolveOptions({ random: () => 0, ...options }));
    this.running = this.host.run();
  }

  async connect(): Promise<string> {
    const answer = await this.request(OP_CONNECT);
    return answer.status === STATUS_OK
      ? ''
      : shown(null, readFailure(answer.area.subarray(0, answer.length)));
  }

  /** A request without commands (OP_CONNECT, OP_SET_TIMEOUT, ...), answered. */
  async request(opcode: number, body?: Buffer): Promise<MemoryAnswer> {
    let answer: MemoryAnswer | null = null;
    void this.channel.call(opcode, body).then((a) => {
      answer = a;
    });
    const [, took] = await outcomesOf(this.net, () => (answer === null ? null : []));
    this.took = took;
    return answer!;
  }

  async run(argv: readonly string[]): Promise<string> {
    const { plan } = routeOf(argv);
    if (plan === null) return (await this.batch(argv))[0]!;
    const parts: BatchCommand[] = plan.parts.map((part) => [ROUTED, part.slot, part.argv as string[]]);
    const [results, took] = await outcomesOf(this.net, this.call(parts, this.multiKey.builder));
    this.took = took;
    try {
      return shown(joinParts(plan, results, 0, this.multiKey.ops), null);
    } catch (err) {
      return shown(null, err as ClusterError);
    }
  }

  send(...calls: Call[]): Sent {
    const commands = calls.map((call): BatchCommand => {
      if ('node' in call) return [TO_NODE, call.node, call.argv];
      const argv = call as readonly string[];
      return [ROUTED, routeOf(argv).slot, argv];
    });
    const results = this.call(commands, plainReplies);
    return () => results()?.map(shownResult) ?? null;
  }

  async close(): Promise<void> {
    this.channel.closeFromCaller();
    await drive(this.net, () => false);
    await this.running;
  }

  /**
   * One call (one batch): once answered, its commands' replies, built by `builder`, or their failures
   * (ClusterErrors). The worker must have given each command exactly one outcome.
   */
  private call(commands: BatchCommand[], builder: ReplyBuilder): () => unknown[] | null {
    this.host.expect(commands.length);
    let results: unknown[] | null = null;
    let problem: Error | null = null;
    void this.channel.callBatch(commands).then((answer) => {
      const counts = this.host.counts.join(' ');
      if (answer.status !== STATUS_OK) problem = new Error(`a batch answered with status ${answer.status}`);
      else if (counts !== commands.map(() => 1).join(' '))
        problem = new Error(`outcomes per command: ${counts}`);
      const built: unknown[] = [];
      readResults(
        answer.area,
        commands.length,
        (area, start, end, i) => {
          built[i] = buildReply(area, start, end, builder);
        },
        (err, i) => {
          built[i] = err;
        },
      );
      results = built;
    });
    return () => {
      if (problem !== null) throw problem;
      return results;
    };
  }
}
