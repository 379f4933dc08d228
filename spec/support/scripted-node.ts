/**
 * Scripted fake Redis nodes on loopback, after hiredis-cluster's `simulated-redis.pl`: a spec writes one
 * conversation — in order, what the nodes expect from the client (a connection, a command, a close) and
 * what they do (send a reply, hang up, stay silent) — and every deviation fails it with a message that
 * names the step, what was expected and what came: another command, a stray byte, an extra connection,
 * a close, anything after the last step. Several nodes share one conversation, so the order of events
 * ACROSS nodes is checked too; `inAnyOrder()` marks the places where the client may rightly interleave
 * (e.g. a refresh on one node while a redirected command connects to another).
 *
 *   const conv = new Conversation();
 *   const a = await conv.node();
 *   conv.script(a.expectConnect(), a.expectCommand(['CLUSTER', 'SLOTS']), a.send([[0, 16383, ['127.0.0.1', a.port]]]));
 *   await acc.connect();
 *   await conv.done();   // all steps happened, then nothing else for a quiet period
 *
 * As in the Perl tool, a node speaks on its newest connection: commands and closes are expected there
 * and replies go there. `script()` may be called again after `done()` to go on with the next phase.
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { parseCommand } from '../../lib/resp/parse-command.js';
import { FrameScanner } from '../../lib/resp/scan.js';
import { encodeResp, type RespValue } from './resp-values.js';

export { encodeResp, error, Line, type RespValue, status } from './resp-values.js';

// ---------------------------------------------------------------------------------------------------
// Steps

type Expectation = 'connect' | 'command' | 'close';
type Action = 'send' | 'closeLink' | 'stall' | 'call';

/** One line of a script. Made by a node's methods or by `Conversation.call()`. */
export interface Step {
  readonly kind: Expectation | Action;
  /** null for `call` steps, which belong to no node. */
  readonly node: ScriptedNode | null;
  readonly argv?: readonly Buffer[];
  readonly bytes?: Buffer;
  readonly reset?: boolean;
  readonly fn?: () => void;
  /** What the step says, for messages. */
  readonly label: string;
}

/** Branches (each a sequence of steps) that may interleave in any order; done when all are done. */
export interface AnyOrder {
  readonly branches: readonly (readonly Step[])[];
}

/** Steps of several branches that may interleave freely, each branch in its own order. */
export function inAnyOrder(...branches: (Step | readonly Step[])[]): AnyOrder {
  return { branches: branches.map((b) => (Array.isArray(b) ? b : [b as Step])) };
}

function isExpectation(step: Step): boolean {
  return step.kind === 'connect' || step.kind === 'command' || step.kind === 'close';
}

/** Printable bytes: JSON-style escapes, cut at 200 characters. */
function show(bytes: Uint8Array): string {
  const text = JSON.stringify(Buffer.from(bytes).toString('latin1'));
  return text.length > 200 ? `${text.slice(0, 200)}..."` : text;
}

function showArgv(argv: readonly Uint8Array[]): string {
  return `[${argv.map((a) => JSON.stringify(Buffer.from(a).toString('utf8'))).join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------------
// Nodes and links

/** One accepted connection. */
class Link {
  readonly scanner = new FrameScanner();
  buf: Buffer = Buffer.alloc(0);
  /** Gone: closed by the client or by the script. */
  closed = false;

  constructor(
    readonly node: ScriptedNode,
    /** 1-based, in accept order per node. */
    readonly number: number,
    readonly socket: net.Socket,
  ) {}

  get name(): string {
    return `${this.node.name}#${this.number}`;
  }
}

/** What happened on the wire, as the conversation saw it. */
export interface WireEvent {
  kind: Expectation;
  /** e.g. 'A#2': node A, its second connection. */
  link: string;
  argv?: Buffer[];
  /** performance.now() when it was seen. */
  at: number;
}

export interface NodeOptions {
  /** '127.0.0.1' by default; any 127.0.0.0/8 address or '::1'. */
  host?: string;
  /** 0 (default) takes an ephemeral port. */
  port?: number;
  /** For messages; 'A', 'B', ... by default. */
  name?: string;
}

/** One fake node: a listener whose connections the conversation drives. */
export class ScriptedNode {
  readonly links: Link[] = [];
  port = 0;

  constructor(
    private readonly conv: Conversation,
    readonly server: net.Server,
    readonly host: string,
    readonly name: string,
  ) {}

  /** 'host:port' as hiredis writes it (no brackets for IPv6). */
  get addr(): string {
    return `${this.host}:${this.port}`;
  }

  /** Connections accepted so far. */
  get linkCount(): number {
    return this.links.length;
  }

  /** The client opens a new connection to this node; it becomes the one the node speaks on. */
  expectConnect(): Step {
    return { kind: 'connect', node: this, label: `${this.name}: a new connection` };
  }

  /** The client sends exactly this command (a RESP multibulk) on the newest connection. */
  expectCommand(argv: readonly (string | number | Uint8Array)[]): Step {
    const bytes = argv.map((a) =>
      a instanceof Uint8Array ? Buffer.from(a) : Buffer.from(String(a), 'utf8'),
    );
    return { kind: 'command', node: this, argv: bytes, label: `${this.name}: command ${showArgv(bytes)}` };
  }

  /** The client closes the newest connection. */
  expectClose(): Step {
    return { kind: 'close', node: this, label: `${this.name}: the client closes the connection` };
  }

  /** Sends these values (one write) on the newest connection. */
  send(...values: RespValue[]): Step {
    const bytes = Buffer.concat(values.map(encodeResp));
    return { kind: 'send', node: this, bytes, label: `${this.name}: send ${show(bytes)}` };
  }

  /** Sends bytes as they are (malformed replies, RESP3 frames, split frames). */
  sendRaw(data: string | Uint8Array): Step {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
    return { kind: 'send', node: this, bytes, label: `${this.name}: send raw ${show(bytes)}` };
  }

  /** The node closes its newest connection: a FIN, or a RST when `reset`. */
  closeLink(options: { reset?: boolean } = {}): Step {
    const reset = options.reset === true;
    return {
      kind: 'closeLink',
      node: this,
      reset,
      label: `${this.name}: ${reset ? 'reset' : 'close'} the connection`,
    };
  }

  /** Says that the node stays silent from here (e.g. to let a timeout fire); does nothing. */
  stall(): Step {
    return { kind: 'stall', node: this, label: `${this.name}: answer nothing` };
  }

  /** @internal The newest connection. */
  newest(): Link | undefined {
    return this.links[this.links.length - 1];
  }

  /** @internal */
  accept(socket: net.Socket): void {
    const link = new Link(this, this.links.length + 1, socket);
    this.links.push(link);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.conv.data(link, chunk));
    // 'end' (FIN), 'error' (RST, EPIPE) and 'close' all mean the client is gone; the first one counts.
    socket.on('end', () => this.conv.gone(link));
    socket.on('error', () => this.conv.gone(link));
    socket.on('close', () => this.conv.gone(link));
    this.conv.event(link, { kind: 'connect', link: link.name, at: performance.now() });
  }
}

// ---------------------------------------------------------------------------------------------------
// The conversation

export interface ConversationOptions {
  /** How long "nothing else happens" must last before done() resolves. Default 50 ms. */
  quietMs?: number;
  /** Bound on one done(). Default 5000 ms. */
  timeoutMs?: number;
}

interface Cursor {
  /** Index into `items`. */
  item: number;
  /** For an AnyOrder item: the next step of each branch. */
  branch: number[];
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
  quiet: NodeJS.Timeout | null;
  timeout: NodeJS.Timeout;
  quietMs: number;
}

export class Conversation {
  /** Every wire event seen, in order. */
  readonly history: WireEvent[] = [];
  private readonly nodes: ScriptedNode[] = [];
  private readonly items: (Step | AnyOrder)[] = [];
  private readonly numbers = new Map<Step, number>();
  private stepCount = 0;
  private cursor: Cursor = { item: 0, branch: [] };
  private failure: Error | null = null;
  private waiters: Waiter[] = [];
  private readonly quietMs: number;
  private readonly timeoutMs: number;

  constructor(options: ConversationOptions = {}) {
    this.quietMs = options.quietMs ?? 50;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** A new node listening on loopback. */
  async node(options: NodeOptions = {}): Promise<ScriptedNode> {
    const host = options.host ?? '127.0.0.1';
    if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== '::1') {
      throw new Error(`a scripted node listens on loopback only (127.0.0.0/8 or ::1), not ${host}`);
    }
    const server = net.createServer();
    const node = new ScriptedNode(
      this,
      server,
      host,
      options.name ?? String.fromCharCode(65 + this.nodes.length),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: options.port ?? 0 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    node.port = (server.address() as net.AddressInfo).port;
    server.on('connection', (socket) => node.accept(socket));
    this.nodes.push(node);
    return node;
  }

  /** A step that runs `fn` when reached (e.g. to move a clock or check state mid-script). */
  call(label: string, fn: () => void): Step {
    return { kind: 'call', node: null, fn, label: `call: ${label}` };
  }

  /** Appends steps; leading actions run at once when the script was waiting at its end. */
  script(...items: (Step | AnyOrder)[]): this {
    for (const item of items) {
      for (const step of 'branches' in item ? item.branches.flat() : [item]) {
        this.numbers.set(step, ++this.stepCount);
      }
      this.items.push(item);
    }
    this.runActions();
    this.check();
    return this;
  }

  /**
   * Resolves when every step has happened and then nothing else for the quiet period; rejects with the
   * first mismatch, or when the steps do not all happen within the time bound.
   */
  done(options: { quietMs?: number; timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        quiet: null,
        quietMs: options.quietMs ?? this.quietMs,
        timeout: setTimeout(() => {
          this.settle(
            waiter,
            new Error(`scripted nodes: timed out after ${timeoutMs} ms ${this.waitingFor()}`),
          );
        }, timeoutMs),
      };
      this.waiters.push(waiter);
      this.check();
    });
  }

  /** Stops everything: closes every connection and listener. */
  async close(): Promise<void> {
    for (const waiter of [...this.waiters]) this.settle(waiter, new Error('scripted nodes: closed'));
    this.failure ??= new Error('scripted nodes: closed');
    for (const node of this.nodes) {
      for (const link of node.links) {
        link.closed = true;
        link.socket.destroy();
      }
    }
    await Promise.all(this.nodes.map((n) => new Promise((resolve) => n.server.close(resolve))));
  }

  // -------------------------------------------------------------------------------------------------
  // Wire events (from ScriptedNode)

  /** @internal Bytes from the client: one event per complete command. */
  data(link: Link, chunk: Buffer): void {
    if (link.closed || this.failure !== null) return;
    link.buf = link.buf.length === 0 ? chunk : Buffer.concat([link.buf, chunk]);
    while (link.buf.length > 0 && !link.closed && this.failure === null) {
      let end: number;
      try {
        end = link.scanner.scan(link.buf, 0, link.buf.length);
      } catch (err) {
        this.fail(`${link.name} sent bytes that are not RESP (${(err as Error).message}): ${show(link.buf)}`);
        return;
      }
      if (end < 0) return;
      link.scanner.reset();
      const frame = link.buf.subarray(0, end);
      link.buf = link.buf.subarray(end);
      let argv: Buffer[];
      try {
        argv = parseCommand(frame);
      } catch {
        this.fail(`${link.name} sent a reply-like frame, not a multibulk of bulk strings: ${show(frame)}`);
        return;
      }
      this.event(link, { kind: 'command', link: link.name, argv, at: performance.now() });
    }
  }

  /** @internal The client closed (or broke) a connection. */
  gone(link: Link): void {
    if (link.closed) return;
    link.closed = true;
    link.socket.destroy();
    if (this.failure !== null) return;
    if (link.buf.length > 0) {
      this.fail(`${link.name} closed with an incomplete command: ${show(link.buf)}`);
      return;
    }
    this.event(link, { kind: 'close', link: link.name, at: performance.now() });
  }

  /** @internal One wire event: it must be what the script expects now. */
  event(link: Link, ev: WireEvent): void {
    this.history.push(ev);
    if (this.failure !== null) return;
    const heads = this.heads();
    const what = describe(ev);
    if (heads.length === 0) {
      this.fail(`unexpected ${what} after the last step (${this.stepCount})`);
      return;
    }
    let problem = '';
    for (const [step, branch] of heads) {
      const mismatch = this.mismatch(step, link, ev);
      if (mismatch === null) {
        this.advance(branch);
        this.runActions();
        this.check();
        return;
      }
      problem = mismatch;
    }
    const expected = heads.map(([s]) => `step ${this.numbers.get(s)} (${s.label})`).join(' or ');
    this.fail(`expected ${expected}, got ${what}${heads.length === 1 ? problem : ''}`);
  }

  // -------------------------------------------------------------------------------------------------
  // Script machinery

  /** Why `ev` does not fulfil `step` (text to append to the message), or null when it does. */
  private mismatch(step: Step, link: Link, ev: WireEvent): string | null {
    if (step.kind !== ev.kind || step.node !== link.node) return '';
    if (ev.kind === 'connect') return null;
    const newest = link.node.newest()!;
    if (link !== newest) return ` (on an older connection: the node speaks on ${newest.name})`;
    if (ev.kind === 'close') return null;
    const want = step.argv!;
    const got = ev.argv!;
    if (want.length === got.length && want.every((w, i) => w.equals(got[i]!))) return null;
    return '';
  }

  /** The expectation steps that may come next, with their branch (-1 outside an AnyOrder). */
  private heads(): [Step, number][] {
    const item = this.items[this.cursor.item];
    if (item === undefined) return [];
    if (!('branches' in item)) return [[item, -1]];
    const heads: [Step, number][] = [];
    item.branches.forEach((steps, b) => {
      const step = steps[this.cursor.branch[b]!];
      if (step !== undefined) heads.push([step, b]);
    });
    return heads;
  }

  private advance(branch: number): void {
    if (branch < 0) this.nextItem();
    else this.cursor.branch[branch]!++;
  }

  private nextItem(): void {
    this.cursor.item++;
    const item = this.items[this.cursor.item];
    this.cursor.branch = item !== undefined && 'branches' in item ? item.branches.map(() => 0) : [];
  }

  /** Runs the actions at the heads until each head is an expectation or the script ends. */
  private runActions(): void {
    for (;;) {
      if (this.failure !== null) return;
      const item = this.items[this.cursor.item];
      if (item === undefined) return;
      if (!('branches' in item)) {
        if (this.cursor.branch.length > 0) this.cursor.branch = [];
        if (isExpectation(item)) return;
        this.perform(item);
        this.nextItem();
        continue;
      }
      if (this.cursor.branch.length !== item.branches.length) this.cursor.branch = item.branches.map(() => 0);
      let pending = false;
      item.branches.forEach((steps, b) => {
        for (
          let step = steps[this.cursor.branch[b]!];
          step !== undefined;
          step = steps[this.cursor.branch[b]!]
        ) {
          if (this.failure !== null) return;
          if (isExpectation(step)) {
            pending = true;
            return;
          }
          this.perform(step);
          this.cursor.branch[b]!++;
        }
      });
      if (pending || this.failure !== null) return;
      this.nextItem();
    }
  }

  private perform(step: Step): void {
    const at = `step ${this.numbers.get(step)} (${step.label})`;
    if (step.kind === 'call') {
      try {
        step.fn!();
      } catch (err) {
        this.fail(`${at} threw: ${(err as Error).message}`);
      }
      return;
    }
    if (step.kind === 'stall') return;
    const link = step.node!.newest();
    if (link === undefined || link.closed) {
      this.fail(`${at}: ${step.node!.name} has no open connection${link ? ` (${link.name} is closed)` : ''}`);
      return;
    }
    if (step.kind === 'send') {
      link.socket.write(step.bytes!);
      return;
    }
    link.closed = true;
    if (step.reset) link.socket.resetAndDestroy();
    else link.socket.destroy();
  }

  private fail(message: string): void {
    if (this.failure !== null) return;
    const recent = this.history.slice(-8).map(describe).join('; ');
    this.failure = new Error(`scripted nodes: ${message}\n  recent wire events: ${recent || 'none'}`);
    this.check();
  }

  private waitingFor(): string {
    const heads = this.heads();
    if (heads.length === 0) return 'after the last step';
    return `waiting for ${heads.map(([s]) => `step ${this.numbers.get(s)} (${s.label})`).join(' and ')}`;
  }

  /** Settles waiters: reject on failure; at the end of the script, resolve after a quiet period. */
  private check(): void {
    const atEnd = this.cursor.item >= this.items.length;
    for (const waiter of [...this.waiters]) {
      if (this.failure !== null) this.settle(waiter, this.failure);
      else if (!atEnd && waiter.quiet !== null) {
        clearTimeout(waiter.quiet);
        waiter.quiet = null;
      } else if (atEnd && waiter.quiet === null) {
        waiter.quiet = setTimeout(() => this.settle(waiter, this.leftovers()), waiter.quietMs);
      }
    }
  }

  /** Bytes of an unfinished command still buffered: a failure too. */
  private leftovers(): Error | null {
    for (const node of this.nodes) {
      for (const link of node.links) {
        if (link.buf.length > 0) {
          this.fail(`${link.name} sent an incomplete command: ${show(link.buf)}`);
          return this.failure;
        }
      }
    }
    return null;
  }

  private settle(waiter: Waiter, err: Error | null): void {
    const i = this.waiters.indexOf(waiter);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    clearTimeout(waiter.timeout);
    if (waiter.quiet !== null) clearTimeout(waiter.quiet);
    if (err === null) waiter.resolve();
    else waiter.reject(err);
  }
}

function describe(ev: WireEvent): string {
  if (ev.kind === 'connect') return `${ev.link}: a new connection`;
  if (ev.kind === 'close') return `${ev.link}: the client closed the connection`;
  return `${ev.link}: command ${showArgv(ev.argv!)}`;
}
