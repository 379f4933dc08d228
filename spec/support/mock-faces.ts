/**
 * Both contexts behind one small promise interface, for specs that run the same scenario against
 * MockCluster on each face; and the lookups those specs share.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext, type BlockingOptions } from '../../lib/blocking/blocking-context.js';
import type { ClusterNode } from '../../lib/cluster/slotmap.js';
import { ClusterError, ReplyError } from '../../lib/errors.js';
import type { ClusterEvents } from '../../lib/events.js';
import type { CommandArg } from '../../lib/resp/encode.js';
import type { MockCluster, MockNodeInfo } from '../../lib/testing/index.js';
import { sleep } from './async-helpers.js';

/** One context behind the same small interface: replies (error replies as ReplyError values) or a thrown ClusterError. */
export interface Face {
  connect(): Promise<void>;
  send(...argv: CommandArg[]): Promise<unknown>;
  toNode(address: string, ...argv: CommandArg[]): Promise<unknown>;
  readonly version: number;
  nodes(): ClusterNode[];
  nodeForKey(key: string): ClusterNode | null;
  /** Event names in the order they came. */
  readonly events: string[];
  /** How long after an update a MOVED may start the next one (hiredis: async 1 s, sync no limit). */
  readonly updateThrottleMs: number;
  /** The context's eventemitter3 events (the blocking face's come during its calls). */
  on<E extends keyof ClusterEvents>(event: E, fn: ClusterEvents[E]): void;
  close(): void;
}

export type FaceOptions = Omit<BlockingOptions, 'nodes'>;

export function asyncFace(cluster: MockCluster, options: FaceOptions = {}): Face {
  const acc = new AsyncClusterContext({ nodes: cluster.addresses, ...(options as object) });
  const events: string[] = [];
  for (const name of ['ready', 'slotmap-updated', 'node-added', 'node-removed'] as const)
    acc.on(name, () => events.push(name));
  const valueOrReplyError = (err: unknown) => {
    if (err instanceof ReplyError) return err;
    throw err;
  };
  return {
    connect: () => acc.connect(),
    send: (...argv) => acc.send(String(argv[0]), ...argv.slice(1)).catch(valueOrReplyError),
    toNode: (address, ...argv) =>
      acc.sendToNode(address, String(argv[0]), ...argv.slice(1)).catch(valueOrReplyError),
    get version() {
      return acc.version;
    },
    nodes: () => [...acc.nodes()],
    nodeForKey: (key) => acc.nodeForKey(key),
    events,
    updateThrottleMs: 1000,
    on: (event, fn) => acc.on(event, fn as never),
    close: () => acc.free(),
  };
}

export function blockingFace(cluster: MockCluster, options: FaceOptions = {}): Face {
  const cc = new BlockingClusterContext({ nodes: cluster.addresses, ...options });
  const events: string[] = [];
  for (const name of ['ready', 'slotmap-updated', 'node-added', 'node-removed'] as const)
    cc.on(name, () => events.push(name));
  return {
    connect: async () => cc.connect(),
    send: async (...argv) => cc.commandArgv(argv),
    toNode: async (address, ...argv) => cc.commandToNode(address, argv.map(() => '%s').join(' '), ...argv),
    get version() {
      return cc.version;
    },
    nodes: () => [...cc.nodes()],
    nodeForKey: (key) => cc.nodeForKey(key),
    events,
    updateThrottleMs: 0,
    on: (event, fn) => cc.on(event, fn as never),
    close: () => cc.close(),
  };
}

/** The ClusterError a call fails with; fails when it succeeds. */
export async function failure(call: Promise<unknown>): Promise<ClusterError> {
  try {
    await call;
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    return err as ClusterError;
  }
  throw new Error('expected a ClusterError');
}

/** Resolves once `condition` holds: at once for the blocking context, after the async update otherwise. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await sleep(5);
  if (!condition()) throw new Error(`waited 2 s for ${what}`);
}

/** The commands a node received since the last look, as text. */
export async function commandsTo(cluster: MockCluster, node: MockNodeInfo): Promise<string[]> {
  return (await cluster.takeHistory()).filter((r) => r.node === node.address).map((r) => r.argv.join(' '));
}

export const faces = [
  { name: 'AsyncClusterContext', make: asyncFace },
  { name: 'BlockingClusterContext', make: blockingFace },
];

/** Opens connected faces of one kind on a cluster, and closes them all after each test. */
export class OpenFaces {
  private readonly open: Face[] = [];

  constructor(private readonly make: (cluster: MockCluster, options?: FaceOptions) => Face) {}

  /** A new face on `cluster`, connected. */
  async connected(cluster: MockCluster, options: FaceOptions): Promise<Face> {
    const face = this.make(cluster, options);
    this.open.push(face);
    await face.connect();
    return face;
  }

  closeAll(): void {
    for (const face of this.open.splice(0)) face.close();
  }
}
