/**
 * A fake cluster on loopback that answers by rules, for hostile-input runs: each node serves
 * `CLUSTER SLOTS` from its slot ranges, `GET key` with `v:key` and `SET` with `+OK` — except for keys
 * given raw replies, which it writes as they are (piece by piece, a loop turn apart, the answers to
 * later commands after them), or error replies. A node may also greet every connection with bytes of
 * its own (garbage on connect).
 *
 * {@link startHostileClusterThread} runs it in a worker thread, so that clients that block the thread
 * they run on (the blocking context) can wait on it; the handle talks to it by messages.
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { parseCommand } from '../../lib/resp/parse-command.js';
import { RespReader } from '../../lib/resp/reader.js';

/** The rules of a cluster; plain data (it crosses to a worker thread). */
export interface HostileRules {
  /** Slot ranges per node: node i serves ranges[i]. */
  ranges: [number, number][][];
  /** Raw replies to `GET key`, in the pieces to write them in. */
  replies?: Record<string, Uint8Array[]>;
  /** Error replies (`-<text>`) to `GET key`; the connection goes on. */
  errors?: Record<string, string>;
  /** Bytes node i writes on every new connection before reading anything. */
  greetings?: (Uint8Array | null)[];
}

/** The rules that can change while a cluster runs. */
export type ReplyRules = Pick<HostileRules, 'replies' | 'errors' | 'greetings'>;

/** A running cluster. */
export interface HostileCluster {
  /** 'host:port' of each node, in rule order. */
  readonly addrs: readonly string[];
  /** Replaces the raw replies, errors and greetings (the ranges stay); resolves once they apply. */
  setRules(rules: ReplyRules): Promise<void>;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

function bulk(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n')]);
}

/** CLUSTER SLOTS of `ranges` over nodes at `ports`. */
function slotsReply(ranges: [number, number][][], ports: number[]): Buffer {
  const entries: Buffer[] = [];
  ranges.forEach((list, i) => {
    for (const [start, end] of list) {
      const node = Buffer.concat([
        Buffer.from('*3\r\n'),
        bulk(HOST),
        Buffer.from(`:${ports[i]}\r\n`),
        bulk(`id${i}`),
      ]);
      entries.push(Buffer.concat([Buffer.from(`*3\r\n:${start}\r\n:${end}\r\n`), node]));
    }
  });
  return Buffer.concat([Buffer.from(`*${entries.length}\r\n`), ...entries]);
}

class Node {
  greeting: Uint8Array | null = null;
  slots: Buffer = Buffer.alloc(0);
  readonly sockets = new Set<net.Socket>();

  constructor(
    readonly server: net.Server,
    readonly owner: LocalCluster,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
    if (this.greeting !== null) socket.write(this.greeting);
    const reader = new RespReader();
    const write = writer(socket);
    socket.on('data', (chunk: Buffer) => {
      reader.feed(chunk);
      for (;;) {
        let argv: string[];
        try {
          const end = reader.next();
          if (end < 0) return;
          argv = parseCommand(reader.buffer.subarray(reader.start, end)).map((a) => a.toString('utf8'));
        } catch {
          // Not a command: a real server would hang up too.
          socket.destroy();
          return;
        }
        const raw = argv[0]?.toUpperCase() === 'GET' ? this.owner.replies[argv[1]!] : undefined;
        write(raw ?? [this.answer(argv)]);
      }
    });
  }

  private answer(argv: string[]): Buffer {
    const name = argv
      .map((a, i) => (i < 2 ? a.toUpperCase() : a))
      .slice(0, 2)
      .join(' ');
    if (name === 'CLUSTER SLOTS') return this.slots;
    const error = name.startsWith('GET ') ? this.owner.errors[argv[1]!] : undefined;
    if (error !== undefined) return Buffer.from(`-${error}\r\n`);
    if (name.startsWith('GET ')) return bulk(`v:${argv[1]}`);
    if (name.startsWith('SET ')) return Buffer.from('+OK\r\n');
    if (name === 'PING' || name.startsWith('PING ')) return Buffer.from('+PONG\r\n');
    return Buffer.from(`-ERR unknown command '${argv[0]}'\r\n`);
  }
}

/**
 * A socket's writer: each reply's pieces go out one loop turn apart (so that they tend to arrive as
 * separate reads), and replies in the order they were given.
 */
function writer(socket: net.Socket): (pieces: readonly Uint8Array[]) => void {
  const queue: Uint8Array[][] = [];
  let writing = false;
  const step = (): void => {
    while (queue.length > 0 && !socket.destroyed) {
      const pieces = queue[0]!;
      socket.write(pieces.shift()!);
      if (pieces.length === 0) queue.shift();
      else {
        setImmediate(step);
        return;
      }
    }
    writing = false;
  };
  return (pieces) => {
    if (pieces.length === 0) return;
    queue.push([...pieces]);
    if (writing) return;
    writing = true;
    step();
  };
}

class LocalCluster implements HostileCluster {
  replies: Record<string, Uint8Array[]> = {};
  errors: Record<string, string> = {};
  readonly nodes: Node[] = [];

  get addrs(): string[] {
    return this.nodes.map((n) => `${HOST}:${n.port}`);
  }

  async setRules(rules: ReplyRules): Promise<void> {
    this.replies = rules.replies ?? {};
    this.errors = rules.errors ?? {};
    this.nodes.forEach((node, i) => {
      node.greeting = rules.greetings?.[i] ?? null;
    });
  }

  async close(): Promise<void> {
    for (const node of this.nodes) for (const socket of node.sockets) socket.destroy();
    await Promise.all(this.nodes.map((n) => new Promise((resolve) => n.server.close(resolve))));
  }
}

/** Starts a cluster in this thread. */
async function startHostileCluster(rules: HostileRules): Promise<HostileCluster> {
  const cluster = new LocalCluster();
  for (let i = 0; i < rules.ranges.length; i++) {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: HOST, port: 0 }, resolve);
    });
    cluster.nodes.push(new Node(server, cluster));
  }
  const slots = slotsReply(
    rules.ranges,
    cluster.nodes.map((n) => n.port),
  );
  for (const node of cluster.nodes) node.slots = slots;
  await cluster.setRules(rules);
  return cluster;
}

/** Messages between a thread-hosted cluster and its handle. */
type Call = { op: 'setRules'; rules: ReplyRules } | { op: 'close' };
type Request = Call & { id: number };

/** Starts a cluster in a worker thread; the handle talks to it by messages. */
export async function startHostileClusterThread(rules: HostileRules): Promise<HostileCluster> {
  const worker = new Worker(new URL('./hostile-cluster-thread.js', import.meta.url), { workerData: rules });
  const addrs = await new Promise<string[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  let nextId = 0;
  const waiting = new Map<number, () => void>();
  worker.on('message', (message: { id: number }) => {
    waiting.get(message.id)?.();
    waiting.delete(message.id);
  });
  const call = (request: Call): Promise<void> =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      worker.postMessage({ ...request, id });
    });
  return {
    addrs,
    setRules: async (next) => {
      await call({ op: 'setRules', rules: next });
    },
    close: async () => {
      await call({ op: 'close' });
      await worker.terminate();
    },
  };
}

/** The worker side of {@link startHostileClusterThread}. */
export async function serveHostileClusterThread(
  rules: HostileRules,
  port: { postMessage(value: unknown): void; on(event: 'message', fn: (request: Request) => void): void },
): Promise<void> {
  const cluster = await startHostileCluster(rules);
  port.on('message', async (request) => {
    if (request.op === 'setRules') await cluster.setRules(request.rules);
    else await cluster.close();
    port.postMessage({ id: request.id });
  });
  port.postMessage(cluster.addrs);
}
