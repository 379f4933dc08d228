/**
 * A conversation-driven fake Redis node for specs, after hiredis-cluster's `simulated-redis.pl`: a
 * spec lists, in order, what the node expects from the client (a connection, a command, a close) and
 * what it does (send a reply, hang up, wait). Any deviation — another command, a stray byte, an extra
 * connection, a close that does not come — fails the script with a message naming the step, what it
 * expected and what it got; `await node.done()` reports it.
 *
 * As in the Perl tool, the node accepts several connections but only the newest one speaks: each
 * `expectConnect()` takes the next connection (in arrival order) and makes it the active one; when the
 * active connection is closed (`expectClose()`, `closeConnection()`, `resetConnection()`) the one
 * before it becomes active again. Bytes that arrive on a connection while it is not active wait until
 * a step reads them. When the script is complete the node stops listening and closes every connection
 * left, as the Perl process does when it exits; bytes left unread then fail the script.
 *
 * Loopback only (127.0.0.0/8 or ::1). Self-contained: its RESP reading and writing does not use the
 * library's codec, so a codec bug cannot hide itself.
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';

// ---------------------------------------------------------------------------------------------------
// Values: what `send()` turns into RESP

/** A reply that a plain JS value cannot express; made by {@link status}, {@link errorReply}, .... */
export class Special {
  constructor(
    readonly kind: 'status' | 'error' | 'double' | 'verbatim' | 'push' | 'nullArray',
    readonly payload: string | number | readonly Value[],
  ) {}
}

/**
 * A reply value. `string`/`Uint8Array` → bulk string; integer `number`/`bigint` → integer; `null` →
 * null bulk (RESP2) or `_` (RESP3); `boolean` → `#t`/`#f` (RESP3) or `:1`/`:0` (RESP2); arrays → `*`;
 * `Map` → `%` (RESP3) or a flat array; `Set` → `~` (RESP3) or an array; {@link Special} for the rest.
 * The RESP2 forms are what Redis itself sends a RESP2 client for the same data.
 */
export type Value =
  | string
  | Uint8Array
  | number
  | bigint
  | boolean
  | null
  | readonly Value[]
  | ReadonlyMap<Value, Value>
  | ReadonlySet<Value>
  | Special;

/** `+text`: a status reply such as `OK`. */
export function status(text: string): Special {
  return new Special('status', text);
}

/** `-text`: an error reply, e.g. `errorReply('MOVED 3999 127.0.0.1:6381')`. */
export function errorReply(text: string): Special {
  return new Special('error', text);
}

/** `,n` in RESP3; a bulk string of the number in RESP2. */
export function double(n: number): Special {
  return new Special('double', n);
}

/** `=len\r\ntxt:text` in RESP3; a bulk string of the text in RESP2. */
export function verbatim(text: string): Special {
  return new Special('verbatim', text);
}

/** `>` in RESP3 (an out-of-band push); an array in RESP2, as pub/sub messages are. */
export function push(items: readonly Value[]): Special {
  return new Special('push', items);
}

/** `*-1` in RESP2 (a nil multi-bulk); `_` in RESP3. */
export function nullArray(): Special {
  return new Special('nullArray', '');
}

function appendValue(out: Buffer[], value: Value, resp: 2 | 3): void {
  const line = (text: string) => out.push(Buffer.from(`${text}\r\n`));
  const aggregate = (type: string, items: Iterable<Value>, count: number) => {
    line(`${type}${count}`);
    for (const item of items) appendValue(out, item, resp);
  };
  if (value === null) line(resp === 3 ? '_' : '$-1');
  else if (typeof value === 'string' || value instanceof Uint8Array) {
    const bytes = typeof value === 'string' ? Buffer.from(value) : value;
    line(`$${bytes.length}`);
    out.push(Buffer.from(bytes), Buffer.from('\r\n'));
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new Error(`send: ${value} is not an integer; use double(${value})`);
    line(`:${value}`);
  } else if (typeof value === 'bigint') line(`:${value}`);
  else if (typeof value === 'boolean') line(resp === 3 ? (value ? '#t' : '#f') : value ? ':1' : ':0');
  else if (Array.isArray(value)) aggregate('*', value, value.length);
  else if (value instanceof Map) {
    const flat = [...value].flat();
    if (resp === 3) aggregate('%', flat, value.size);
    else aggregate('*', flat, flat.length);
  } else if (value instanceof Set) aggregate(resp === 3 ? '~' : '*', value, value.size);
  else if (value instanceof Special) {
    const { kind, payload } = value;
    if (kind === 'status') line(`+${payload}`);
    else if (kind === 'error') line(`-${payload}`);
    else if (kind === 'double') {
      if (resp === 3) line(`,${payload}`);
      else appendValue(out, String(payload), resp);
    } else if (kind === 'verbatim') {
      const text = resp === 3 ? `txt:${payload}` : String(payload);
      line(`${resp === 3 ? '=' : '$'}${Buffer.byteLength(text)}`);
      line(text);
    } else if (kind === 'push')
      aggregate(resp === 3 ? '>' : '*', payload as Value[], (payload as Value[]).length);
    else line(resp === 3 ? '_' : '*-1');
  } else throw new Error(`send: cannot encode ${String(value)} as RESP`);
}

/** The RESP bytes of a value, as a RESP2 (default) or RESP3 server sends it. */
export function encodeValue(value: Value, resp: 2 | 3 = 2): Buffer {
  const out: Buffer[] = [];
  appendValue(out, value, resp);
  return Buffer.concat(out);
}

/** The RESP bytes of a command, as a client sends it: a multibulk of bulk strings. */
export function encodeCommand(argv: readonly (string | Uint8Array | number)[]): Buffer {
  return encodeValue(argv.map((arg) => (typeof arg === 'number' ? String(arg) : arg)));
}

// ---------------------------------------------------------------------------------------------------
// Steps

export type Step =
  | { readonly kind: 'expectConnect' }
  | { readonly kind: 'expectCommand'; readonly bytes: Buffer; readonly text: string }
  | { readonly kind: 'expectClose' }
  | { readonly kind: 'send'; readonly bytes: Buffer }
  | { readonly kind: 'closeConnection' }
  | { readonly kind: 'resetConnection' }
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'expectSilence'; readonly ms: number };

/** Wait for the next connection and make it the active one. */
export function expectConnect(): Step {
  return { kind: 'expectConnect' };
}

/** Read one command from the active connection; its bytes must be exactly those of `argv`. */
export function expectCommand(argv: readonly (string | Uint8Array | number)[]): Step {
  const bytes = encodeCommand(argv);
  return { kind: 'expectCommand', bytes, text: describeArgv(argv.map((a) => Buffer.from(String(a)))) };
}

/** Wait for the client to close the active connection (a reset counts) with nothing left unread. */
export function expectClose(): Step {
  return { kind: 'expectClose' };
}

/** Send a value on the active connection (see {@link Value}), RESP2 unless `resp` is 3. */
export function send(value: Value, resp: 2 | 3 = 2): Step {
  return { kind: 'send', bytes: encodeValue(value, resp) };
}

/** Send these exact bytes (a string is taken as UTF-8, with no `\r\n` added). */
export function sendRaw(bytes: string | Uint8Array): Step {
  return { kind: 'send', bytes: Buffer.from(bytes) };
}

/** The node closes the active connection (FIN, after what was sent). */
export function closeConnection(): Step {
  return { kind: 'closeConnection' };
}

/** The node resets the active connection (RST): the client sees 'Connection reset by peer'. */
export function resetConnection(): Step {
  return { kind: 'resetConnection' };
}

/** Do nothing for `ms` (bytes that arrive meanwhile wait for the next steps). */
export function sleep(ms: number): Step {
  return { kind: 'sleep', ms };
}

/** For `ms`, the client must do nothing: no byte, no new connection, no close. */
export function expectSilence(ms: number): Step {
  return { kind: 'expectSilence', ms };
}

// ---------------------------------------------------------------------------------------------------
// Describing bytes in failure messages

const PLAIN = /[A-Za-z0-9/\-_.,:;!?~*'(){}^$ +%=<>@#&|[\]`]/;

/** Bytes as readable text: printable ASCII as is, `\r` `\n` `\t` `\"` `\\`, others `\xNN`. */
export function escapeBytes(bytes: Uint8Array, max = 200): string {
  let text = '';
  for (let i = 0; i < bytes.length && i < max; i++) {
    const c = String.fromCharCode(bytes[i]!);
    if (PLAIN.test(c)) text += c;
    else if (c === '\r') text += '\\r';
    else if (c === '\n') text += '\\n';
    else if (c === '\t') text += '\\t';
    else if (c === '"' || c === '\\') text += `\\${c}`;
    else text += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${text}... (${bytes.length} bytes)` : text;
}

function describeArgv(argv: readonly Uint8Array[]): string {
  return `[${argv.map((arg) => `"${escapeBytes(arg)}"`).join(', ')}]`;
}

function describeStep(step: Step): string {
  switch (step.kind) {
    case 'expectCommand':
      return `expectCommand ${step.text}`;
    case 'send':
      return `send "${escapeBytes(step.bytes)}"`;
    case 'sleep':
    case 'expectSilence':
      return `${step.kind} ${step.ms} ms`;
    default:
      return step.kind;
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading commands

type Unfinished = 'incomplete' | { malformed: string };
type Scan = { argv: Buffer[]; end: number } | Unfinished;

/** Longest `*<n>` / `$<n>` header line accepted before calling the bytes malformed. */
const MAX_HEADER = 22;

/** `<prefix><digits>\r\n` at `pos`: the number and the offset after it. */
function readHeader(buf: Buffer, pos: number, prefix: string): { value: number; next: number } | Unfinished {
  if (pos >= buf.length) return 'incomplete';
  if (buf[pos] !== prefix.charCodeAt(0)) {
    return { malformed: `expected '${prefix}' at byte ${pos}: "${escapeBytes(buf.subarray(pos), 40)}"` };
  }
  const cr = buf.indexOf('\r\n', pos);
  if (cr < 0)
    return buf.length - pos > MAX_HEADER ? { malformed: `no CRLF after '${prefix}'` } : 'incomplete';
  const digits = buf.toString('latin1', pos + 1, cr);
  if (!/^(0|[1-9][0-9]{0,9})$/.test(digits))
    return { malformed: `bad length "${escapeBytes(Buffer.from(digits))}"` };
  return { value: Number(digits), next: cr + 2 };
}

/** One complete multibulk command of bulk strings at `buf[pos..]`, strictly in canonical form. */
function scanCommand(buf: Buffer, pos: number): Scan {
  const head = readHeader(buf, pos, '*');
  if (typeof head === 'string' || 'malformed' in head) return head;
  const argv: Buffer[] = [];
  let at = head.next;
  for (let i = 0; i < head.value; i++) {
    const bulk = readHeader(buf, at, '$');
    if (typeof bulk === 'string' || 'malformed' in bulk) return bulk;
    const end = bulk.next + bulk.value;
    if (end + 2 > buf.length) return 'incomplete';
    if (buf[end] !== 13 || buf[end + 1] !== 10)
      return { malformed: `no CRLF after a ${bulk.value}-byte argument` };
    argv.push(buf.subarray(bulk.next, end));
    at = end + 2;
  }
  return { argv, end: at };
}

// ---------------------------------------------------------------------------------------------------
// The node

/** One accepted connection and what it has sent that no step has read yet. */
class Link {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  /** The client closed or reset it. */
  gone = false;
  /** The node closed it. */
  dropped = false;

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
  ) {}

  get unread(): Buffer {
    return this.buf.subarray(this.pos);
  }
}

export interface FakeNodeOptions {
  /** A loopback address: 127.0.0.1 (default), another 127.x.y.z, or ::1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Start playing these steps at once (same as calling play()). */
  steps?: readonly Step[];
}

/** Whether `host` is a loopback address this node may listen on. */
function isLoopback(host: string): boolean {
  return host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

export class FakeNode {
  readonly host: string;
  readonly port: number;
  private readonly server: net.Server;
  private readonly links = new Set<Link>();
  /** Accepted, not yet taken by expectConnect(). */
  private readonly arrived: Link[] = [];
  /** Taken by expectConnect() and still open on our side; the last one is active. */
  private readonly stack: Link[] = [];
  private accepted = 0;
  private steps: readonly Step[] = [];
  private index = 0;
  private waiting: NodeJS.Timeout | null = null;
  private state: 'idle' | 'playing' | 'passed' | 'failed' = 'idle';
  private readonly outcome: Promise<void>;
  private settle!: (error: Error | null) => void;
  private readonly stopped: Promise<void>;

  private constructor(server: net.Server, host: string, port: number) {
    this.server = server;
    this.host = host;
    this.port = port;
    this.outcome = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error === null ? resolve() : reject(error));
    });
    // done() reports the failure; nobody has to be listening when it happens.
    this.outcome.catch(() => {});
    this.stopped = new Promise((resolve) => server.once('close', resolve));
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on loopback; with `steps`, starts playing them. */
  static async start(options: FakeNodeOptions = {}): Promise<FakeNode> {
    const host = options.host ?? '127.0.0.1';
    if (!isLoopback(host))
      throw new Error(`FakeNode listens on loopback only (127.0.0.0/8 or ::1), not '${host}'`);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port: options.port ?? 0 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const node = new FakeNode(server, host, (server.address() as net.AddressInfo).port);
    if (options.steps !== undefined) node.play(options.steps);
    return node;
  }

  /** `host:port`, as a client would be given it (no brackets for ::1). */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** How many connections the node has accepted so far. */
  get connectionCount(): number {
    return this.accepted;
  }

  /** Starts the script. Connections and bytes that came before are waiting for it. */
  play(steps: readonly Step[]): void {
    if (this.state !== 'idle') throw new Error('FakeNode.play: the script was already started');
    this.steps = steps;
    this.state = 'playing';
    this.checkArrivals();
    this.advance();
  }

  /**
   * Resolves once the script has completed and the node has shut down; rejects with the first
   * deviation, or when the script is not complete after `timeoutMs`.
   */
  async done(timeoutMs = 5000): Promise<void> {
    const timer = setTimeout(() => this.fail(`timed out after ${timeoutMs} ms`), timeoutMs);
    try {
      await this.outcome;
      await this.stopped;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops everything. A script that has not completed fails ('closed before the script completed'). */
  async close(): Promise<void> {
    if (this.state === 'idle' || this.state === 'playing') this.fail('closed before the script completed');
    await this.stopped;
  }

  private accept(socket: net.Socket): void {
    const link = new Link(++this.accepted, socket);
    this.links.add(link);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (link.dropped) return;
      link.buf = link.pos === link.buf.length ? chunk : Buffer.concat([link.unread, chunk]);
      link.pos = 0;
      this.activity(`${chunk.length} bytes "${escapeBytes(chunk, 60)}" on connection #${link.id}`);
    });
    // A reset is a close too, as for the Perl tool (its read returns nothing either way).
    socket.on('error', () => {});
    socket.on('close', () => {
      this.links.delete(link);
      if (link.dropped || link.gone) return;
      link.gone = true;
      this.activity(`a close of connection #${link.id}`);
    });
    if (this.state === 'passed' || this.state === 'failed') {
      socket.destroy();
      return;
    }
    this.arrived.push(link);
    this.checkArrivals();
    this.activity(`connection #${link.id}`);
  }

  /** An extra connection fails at once, as soon as the rest of the script cannot take it. */
  private checkArrivals(): void {
    if (this.state !== 'playing') return;
    let connects = 0;
    for (let i = this.index; i < this.steps.length; i++)
      if (this.steps[i]!.kind === 'expectConnect') connects++;
    if (this.arrived.length > connects) {
      this.fail(
        `unexpected connection #${this.arrived[this.arrived.length - 1]!.id} (the script expects no more)`,
      );
    }
  }

  /** Something happened: a silent step fails, anything else may now move on. */
  private activity(what: string): void {
    if (this.state !== 'playing') return;
    if (this.steps[this.index]?.kind === 'expectSilence') {
      this.fail(`got ${what}`);
      return;
    }
    this.advance();
  }

  private advance(): void {
    while (this.state === 'playing' && this.waiting === null) {
      const step = this.steps[this.index];
      if (step === undefined) {
        this.complete();
        return;
      }
      if (!this.run(step)) return;
      this.index++;
    }
  }

  /** Runs one step; false when it has to wait for the client or for time. */
  private run(step: Step): boolean {
    if (step.kind === 'expectConnect') {
      const link = this.arrived.shift();
      if (link === undefined) return false;
      this.stack.push(link);
      return true;
    }
    if (step.kind === 'sleep' || step.kind === 'expectSilence') {
      this.waiting = setTimeout(() => {
        this.waiting = null;
        this.index++;
        this.advance();
      }, step.ms);
      return false;
    }
    const link = this.stack[this.stack.length - 1];
    if (link === undefined) {
      this.fail('no connection to use (expectConnect first, or all were closed)');
      return false;
    }
    switch (step.kind) {
      case 'expectCommand':
        return this.readCommand(link, step.bytes);
      case 'expectClose':
        if (link.pos < link.buf.length) {
          this.fail(`data received when a close was expected: "${escapeBytes(link.unread)}"`);
          return false;
        }
        if (!link.gone) return false;
        this.stack.pop();
        return true;
      case 'send':
        // A client that already left (e.g. after its own timeout) just misses it, as with the Perl tool.
        if (!link.gone) link.socket.write(step.bytes);
        return true;
      case 'closeConnection':
      case 'resetConnection':
        if (link.pos < link.buf.length) {
          this.fail(`unread data on the connection being closed: "${escapeBytes(link.unread)}"`);
          return false;
        }
        link.dropped = true;
        this.stack.pop();
        if (step.kind === 'closeConnection') link.socket.end();
        else link.socket.resetAndDestroy();
        return true;
    }
  }

  private readCommand(link: Link, expected: Buffer): boolean {
    const scan = scanCommand(link.buf, link.pos);
    if (scan === 'incomplete') {
      if (link.gone) {
        const got = link.pos < link.buf.length ? `, after "${escapeBytes(link.unread)}"` : '';
        this.fail(`the client closed connection #${link.id}${got}`);
      }
      return false;
    }
    if ('malformed' in scan) {
      this.fail(`malformed command on connection #${link.id}: ${scan.malformed}`);
      return false;
    }
    // The scan accepts the canonical form only, so equal bytes mean an equal argv and vice versa.
    if (!link.buf.subarray(link.pos, scan.end).equals(expected)) {
      this.fail(`got ${describeArgv(scan.argv)}`);
      return false;
    }
    link.pos = scan.end;
    return true;
  }

  private complete(): void {
    if (this.arrived.length > 0) {
      this.fail(`unexpected connection #${this.arrived[0]!.id} at the end of the script`);
      return;
    }
    for (const link of this.stack) {
      if (link.pos < link.buf.length) {
        this.fail(`unexpected data on connection #${link.id}: "${escapeBytes(link.unread)}"`);
        return;
      }
    }
    this.state = 'passed';
    this.shutDown();
    this.settle(null);
  }

  /** Records the first deviation, naming the step, and shuts the node down. */
  private fail(message: string): void {
    if (this.state === 'passed' || this.state === 'failed') return;
    const step = this.steps[this.index];
    const where =
      this.state === 'idle'
        ? 'before play()'
        : step === undefined
          ? 'after the last step'
          : `step ${this.index + 1} (${describeStep(step)})`;
    this.state = 'failed';
    this.shutDown();
    this.settle(new Error(`fake node ${this.address}: ${where}: ${message}`));
  }

  private shutDown(): void {
    if (this.waiting !== null) clearTimeout(this.waiting);
    this.waiting = null;
    this.server.close();
    for (const link of this.links) {
      link.dropped = true;
      link.socket.destroy();
    }
  }
}
