/**
 * A simulated network for engine specs, built on the adapter interface: in-memory nodes that speak
 * RESP, on the virtual clock of a {@link ManualLoop}. Give the engine `net.loop` as its adapter (or a
 * TimerWheel over it) and drive time with `net.loop.advance(ms)`: a 100 ms command timeout takes no
 * real time and fires at exactly 100 ms, every run of a seed is the same run.
 *
 * Each connection is a {@link SimLink}. Deliveries take the network's (or the node's, or the link's)
 * latency, drawn per delivery from the seeded generator, and keep their order in each direction.
 * Replies can be cut into chunks at any byte; a link can be reset (RST: what is in flight is lost),
 * half-closed by the node (FIN after what was sent) or black-holed (nothing arrives either way, no
 * close either). A node can refuse connections (nothing listens) or leave them hanging (a full accept
 * queue). Commands are framed with lib/resp's reader and parser; replies are written as JS values.
 *
 *   const net = new SimNetwork({ seed: 7, latency: [0, 3] });
 *   const a = net.node('127.0.0.1:7000', (argv) => (argv[0] === 'GET' ? 'bar' : status('OK')));
 *   const acc = new AsyncClusterContext({ nodes: a.addr, adapter: net.loop });
 */
import type { ConnectAddress, Transport, TransportError, TransportEvents } from '../../adapters/adapter.js';
import { ManualLoop } from '../../adapters/manual.js';
import { REDIS_ERR_EOF, REDIS_ERR_IO } from '../../lib/errors.js';
import { parseCommand } from '../../lib/resp/parse-command.js';
import { RespReader } from '../../lib/resp/reader.js';
import { Prng } from './prng.js';
import { encodeResp, type RespValue } from './resp-values.js';

const REFUSED: TransportError = { code: REDIS_ERR_IO, message: 'Connection refused' };
const RESET: TransportError = { code: REDIS_ERR_IO, message: 'Connection reset by peer' };
const EOF: TransportError = { code: REDIS_ERR_EOF, message: 'Server closed the connection' };

/** A one-way delay in ms: fixed, or drawn from [min, max] for each delivery. */
export type Latency = number | readonly [min: number, max: number];

/** How a node's writes reach the client: in one chunk, a byte at a time, or cut at random bytes. */
export type Split = 'whole' | 'bytes' | 'random';

/**
 * What a node does with one command: a reply value (sent at once), or undefined for no reply (the
 * handler may answer later through the link, or never).
 */
export type Handler = (argv: string[], link: SimLink) => RespValue | undefined;

export interface SimNetworkOptions {
  /** Seed of the generator behind latencies and random splits. Default 1. */
  seed?: number;
  /** Default latency of every delivery. Default 0. */
  latency?: Latency;
  /** Default cutting of replies. Default 'whole'. */
  split?: Split;
}

/** What a node saw on the wire. */
export interface WireEvent {
  /** Virtual time. */
  at: number;
  /** e.g. 'A#2': node A, its second connection. */
  link: string;
  kind: 'connect' | 'command' | 'close';
  argv?: string[];
}

/** One fake node at `host:port`. */
export class SimNode {
  /** Its connections, in accept order. */
  readonly links: SimLink[] = [];
  /** Everything it saw, in order. */
  readonly history: WireEvent[] = [];
  /** False: nothing listens, connects are refused. */
  listening = true;
  /** False: connects hang unanswered (a full accept queue) until the client gives up. */
  accepting = true;
  /** Overrides the network's latency for this node's links. */
  latency: Latency | undefined;
  /** Overrides the network's split for this node's replies. */
  split: Split | undefined;

  constructor(
    readonly net: SimNetwork,
    readonly host: string,
    readonly port: number,
    readonly name: string,
    public handler: Handler,
  ) {}

  /** 'host:port' as hiredis writes it. */
  get addr(): string {
    return `${this.host}:${this.port}`;
  }

  /** The newest connection. */
  get link(): SimLink | undefined {
    return this.links.at(-1);
  }

  /** The commands it received, as 'A#1 GET foo'. */
  commands(): string[] {
    return this.history.filter((e) => e.kind === 'command').map((e) => `${e.link} ${e.argv!.join(' ')}`);
  }

  /** The history as text: 'A#1 connect', 'A#1 GET foo', 'A#1 close', with `@time` when `timed`. */
  wire(timed = false): string[] {
    return this.history.map((e) => {
      const what = e.kind === 'command' ? e.argv!.join(' ') : e.kind;
      return `${e.link} ${what}${timed ? `@${e.at}` : ''}`;
    });
  }

  /** @internal */
  record(link: SimLink, kind: WireEvent['kind'], argv?: string[]): void {
    this.history.push({ at: this.net.loop.now(), link: link.name, kind, ...(argv ? { argv } : {}) });
  }
}

/** The client's end of a link, as the engine sees it. */
class ClientEnd implements Transport {
  constructor(private readonly link: SimLink) {}

  write(bytes: Uint8Array): void {
    this.link.clientWrite(bytes);
  }

  end(): void {
    this.link.clientEnd();
  }

  destroy(): void {
    this.link.clientDestroy();
  }
}

/** One connection between the client and a node, with its faults. */
export class SimLink {
  /** 1-based, per node, in connect order. */
  readonly number: number;
  readonly client: Transport = new ClientEnd(this);
  /** The node's side is open: it reads commands and may send. */
  serverOpen = false;
  /** The client may still get events. */
  private clientOpen = true;
  private connected = false;
  private ending = false;
  private blackHoled = false;
  /** Bumped by a reset: deliveries to the client scheduled before it are lost. */
  private generation = 0;
  private lastToServer = 0;
  private lastToClient = 0;
  private early: Buffer[] = [];
  private readonly reader = new RespReader();
  /** Overrides the node's latency. */
  latency: Latency | undefined;
  /** Overrides the node's split. */
  split: Split | undefined;

  constructor(
    readonly node: SimNode,
    private readonly events: TransportEvents,
  ) {
    this.number = node.links.length + 1;
    node.links.push(this);
  }

  /** e.g. 'A#2'. */
  get name(): string {
    return `${this.node.name}#${this.number}`;
  }

  private get net(): SimNetwork {
    return this.node.net;
  }

  /** Sends reply values in one write. */
  send(...values: RespValue[]): void {
    this.write(Buffer.concat(values.map(encodeResp)), undefined, 0);
  }

  /** Sends reply values in one write that leaves `extraMs` late; later writes queue behind it. */
  sendLate(extraMs: number, ...values: RespValue[]): void {
    this.write(Buffer.concat(values.map(encodeResp)), undefined, extraMs);
  }

  /** Sends bytes as they are; `splitAt` cuts them at these offsets (else the split setting does). */
  sendRaw(data: string | Uint8Array, splitAt?: readonly number[]): void {
    this.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data), splitAt, 0);
  }

  /** The node resets the connection: what is in flight to the client is lost; it reads ECONNRESET. */
  reset(): void {
    if (!this.serverOpen) return;
    this.serverOpen = false;
    this.generation++;
    this.lastToClient = 0;
    this.toClient(() => this.closeClient(RESET));
  }

  /** The node closes its side (FIN) after what it sent; the client reads EOF once that is in. */
  halfClose(): void {
    if (!this.serverOpen) return;
    this.serverOpen = false;
    this.toClient(() => this.closeClient(EOF));
  }

  /** From now on nothing arrives in either direction, and nobody learns of it. */
  blackHole(): void {
    this.blackHoled = true;
  }

  /** @internal Starts the connect (from SimNetwork.connect). */
  open(): void {
    this.schedule(() => {
      if (!this.clientOpen) return;
      if (!this.node.listening) {
        this.closeClient(REFUSED);
        return;
      }
      if (!this.node.accepting) return; // hangs until the client's connect timeout destroys it
      this.connected = true;
      this.serverOpen = true;
      this.node.record(this, 'connect');
      this.events.onConnect();
      for (const bytes of this.early) this.toServer(() => this.serverReceive(bytes));
      this.early = [];
      if (this.ending) this.clientEnd();
    });
  }

  /** @internal */
  clientWrite(bytes: Uint8Array): void {
    if (!this.clientOpen || this.ending || bytes.length === 0) return;
    const copy = Buffer.from(bytes);
    if (!this.connected) {
      this.early.push(copy);
      return;
    }
    this.toServer(() => this.serverReceive(copy));
  }

  /** @internal Graceful close: what was written arrives, then the node sees the close; then onClose(). */
  clientEnd(): void {
    if (!this.clientOpen) return;
    this.ending = true;
    if (!this.connected) return; // ends once connected
    this.toServer(() => this.serverClosed());
    const at = Math.max(this.lastToServer, this.net.loop.now());
    this.net.loop.setTimer(at - this.net.loop.now(), () => this.closeClient(undefined));
  }

  /** @internal Immediate close: no event for the client; the node sees the close after the latency. */
  clientDestroy(): void {
    if (!this.clientOpen) return;
    this.clientOpen = false;
    if (this.connected) this.toServer(() => this.serverClosed());
  }

  private closeClient(error: TransportError | undefined): void {
    if (!this.clientOpen) return;
    this.clientOpen = false;
    this.events.onClose(error);
  }

  private serverClosed(): void {
    if (!this.serverOpen) return;
    this.serverOpen = false;
    this.node.record(this, 'close');
  }

  private serverReceive(bytes: Buffer): void {
    if (!this.serverOpen) return;
    const reader = this.reader;
    reader.feed(bytes);
    while (this.serverOpen) {
      const end = reader.next();
      if (end < 0) return;
      const argv = parseCommand(reader.buffer.subarray(reader.start, end)).map((arg) => arg.toString('utf8'));
      this.node.record(this, 'command', argv);
      const reply = this.node.handler(argv, this);
      if (reply !== undefined) this.send(reply);
    }
  }

  private toServer(deliver: () => void): void {
    if (this.blackHoled) return;
    this.lastToServer = this.schedule(deliver, this.lastToServer);
  }

  private write(bytes: Buffer, splitAt: readonly number[] | undefined, extraMs: number): void {
    if (!this.serverOpen) return;
    for (const piece of splitAt ? cutAt(bytes, splitAt) : this.cut(bytes)) {
      this.toClient(() => this.events.onData(piece), extraMs);
    }
  }

  private toClient(deliver: () => void, extraMs = 0): void {
    const generation = this.generation;
    this.lastToClient = this.schedule(
      () => {
        if (generation === this.generation && !this.blackHoled) deliver();
      },
      this.lastToClient,
      extraMs,
    );
  }

  /** Runs `deliver` after one latency (plus `extraMs`), not before `notBefore`; returns when. */
  private schedule(deliver: () => void, notBefore = 0, extraMs = 0): number {
    const loop = this.net.loop;
    const at = Math.max(loop.now() + this.net.draw(this.latency ?? this.node.latency) + extraMs, notBefore);
    loop.setTimer(at - loop.now(), deliver);
    return at;
  }

  private cut(bytes: Buffer): Buffer[] {
    const split = this.split ?? this.node.split ?? this.net.split;
    if (split === 'whole' || bytes.length < 2) return [bytes];
    if (split === 'bytes') return [...bytes].map((b) => Buffer.of(b));
    const cuts = Array.from({ length: this.net.random.between(1, 3) }, () =>
      this.net.random.int(bytes.length),
    );
    return cutAt(bytes, cuts);
  }
}

/** `bytes` cut at the given offsets (ignoring duplicates and the ends). */
function cutAt(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const points = [...new Set(offsets)].filter((o) => o > 0 && o < bytes.length).sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, point));
    from = point;
  }
  return pieces;
}

/** The network: its nodes, its generator and the loop whose clock it runs on. */
export class SimNetwork {
  /** The loop to hand to the engine; its connections go to this network. */
  readonly loop: ManualLoop;
  readonly random: Prng;
  readonly split: Split;
  private readonly latency: Latency;
  private readonly nodes = new Map<string, SimNode>();

  constructor(options: SimNetworkOptions = {}) {
    this.random = new Prng(options.seed ?? 1);
    this.latency = options.latency ?? 0;
    this.split = options.split ?? 'whole';
    this.loop = new ManualLoop({ io: this });
  }

  /** A node at 'host:port' (named 'A', 'B', ... in order unless `name` is given). */
  node(addr: string, handler: Handler, name?: string): SimNode {
    const at = addr.lastIndexOf(':');
    const host = addr.slice(0, at);
    const port = Number(addr.slice(at + 1));
    const node = new SimNode(this, host, port, name ?? String.fromCharCode(65 + this.nodes.size), handler);
    this.nodes.set(node.addr, node);
    return node;
  }

  /** The adapter's `connect`, for the loop: a link to the node at that address, if any. */
  connect(addr: ConnectAddress, events: TransportEvents): Transport {
    let node = this.nodes.get(`${addr.host}:${addr.port}`);
    if (node === undefined) {
      node = new SimNode(this, addr.host, addr.port, '?', () => undefined);
      node.listening = false;
    }
    const link = new SimLink(node, events);
    link.open();
    return link.client;
  }

  /** @internal One delay in ms for a delivery. */
  draw(latency: Latency | undefined): number {
    const l = latency ?? this.latency;
    return typeof l === 'number' ? l : this.random.between(l[0], l[1]);
  }
}
