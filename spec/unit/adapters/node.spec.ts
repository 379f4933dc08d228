import { Buffer } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net, { type LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { expect } from 'chai';
import type {
  ConnectAddress,
  EventLoopAdapter,
  Transport,
  TransportError,
  TransportEvents,
} from '../../../adapters/adapter.js';
import { NodeAdapter, transportError } from '../../../adapters/node.js';
import { REDIS_ERR_EOF, REDIS_ERR_IO, REDIS_ERR_OTHER, REDIS_ERR_TIMEOUT } from '../../../lib/errors.js';
import { blackHole } from '../../support/black-hole.js';

/**
 * Records a transport's events and checks the adapter's promises as they happen: nothing inside our
 * own calls, onConnect at most once and before data, nothing after onClose.
 */
class Recorder implements TransportEvents {
  /** 'connect', 'data' (consecutive chunks merged), 'close'. */
  readonly events: string[] = [];
  readonly violations: string[] = [];
  readonly chunks: Buffer[] = [];
  readonly closed: Promise<TransportError | undefined>;
  readonly connected: Promise<void>;
  closeError: TransportError | undefined;
  private inCall = false;
  private resolveClosed!: (error: TransportError | undefined) => void;
  private resolveConnected!: () => void;
  private dataWaiters: { bytes: number; resolve: () => void }[] = [];

  constructor() {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.connected = new Promise((resolve) => {
      this.resolveConnected = resolve;
    });
  }

  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Runs one of our calls into the adapter; an event during it is a violation. */
  call<T>(fn: () => T): T {
    this.inCall = true;
    try {
      return fn();
    } finally {
      this.inCall = false;
    }
  }

  onConnect(): void {
    this.check('connect');
    if (this.events.includes('connect')) this.violations.push('a second connect');
    if (this.events.includes('data')) this.violations.push('connect after data');
    this.events.push('connect');
    this.resolveConnected();
  }

  onData(chunk: Uint8Array): void {
    this.check('data');
    if (this.events.at(-1) !== 'data') this.events.push('data');
    this.chunks.push(Buffer.from(chunk));
    const total = this.received.length;
    this.dataWaiters = this.dataWaiters.filter((w) => {
      if (total < w.bytes) return true;
      w.resolve();
      return false;
    });
  }

  onClose(error?: TransportError): void {
    this.check('close');
    this.events.push('close');
    this.closeError = error;
    this.resolveClosed(error);
  }

  /** Resolves once `bytes` bytes have arrived in total. */
  receive(bytes: number): Promise<Buffer> {
    return new Promise((resolve) => {
      const done = () => resolve(this.received);
      if (this.received.length >= bytes) done();
      else this.dataWaiters.push({ bytes, resolve: done });
    });
  }

  private check(event: string): void {
    if (this.inCall) this.violations.push(`${event} inside a call`);
    if (this.events.includes('close')) this.violations.push(`${event} after close`);
  }
}

interface Listener {
  port: number;
  /** Server-side sockets, in accept order. */
  sockets: net.Socket[];
  /** The client address of each, in accept order. */
  remotes: (string | undefined)[];
  nth(n: number): Promise<net.Socket>;
  close(): Promise<void>;
}

/** A plain server on loopback; `handler` runs for each connection. */
async function listen(
  handler: (socket: net.Socket) => void = () => {},
  host = '127.0.0.1',
  server: net.Server = net.createServer(),
): Promise<Listener> {
  const sockets: net.Socket[] = [];
  const remotes: (string | undefined)[] = [];
  let waiters: (() => void)[] = [];
  server.on(server instanceof tls.Server ? 'secureConnection' : 'connection', (socket: net.Socket) => {
    socket.on('error', () => {});
    sockets.push(socket);
    remotes.push(socket.remoteAddress);
    handler(socket);
    for (const w of waiters) w();
    waiters = [];
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    sockets,
    remotes,
    nth: async (n) => {
      while (sockets.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
      return sockets[n - 1]!;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (a server was just closed there). */
async function closedPort(): Promise<number> {
  const server = await listen();
  await server.close();
  return server.port;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Bytes a server receives on one connection, until the client closes it. */
function drain(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(text));
  });
}

describe('adapters/node: NodeAdapter', () => {
  const adapter = new NodeAdapter();
  const addr = (port: number, extra: Partial<ConnectAddress> = {}): ConnectAddress => ({
    host: '127.0.0.1',
    port,
    timeoutMs: 0,
    ...extra,
  });
  const connect = (address: ConnectAddress, using: EventLoopAdapter = adapter): [Transport, Recorder] => {
    const recorder = new Recorder();
    return [recorder.call(() => using.connect(address, recorder)), recorder];
  };

  describe('a connection', () => {
    it('connects, exchanges bytes both ways and ends cleanly', async () => {
      const server = await listen((socket) => socket.pipe(socket));
      const [transport, rec] = connect(addr(server.port));
      await rec.connected;
      rec.call(() => transport.write(Buffer.from('*1\r\n$4\r\nPING\r\n')));
      expect((await rec.receive(14)).toString()).to.equal('*1\r\n$4\r\nPING\r\n');
      rec.call(() => transport.end());
      expect(await rec.closed).to.equal(undefined);
      expect(rec.events).to.deep.equal(['connect', 'data', 'close']);
      expect(rec.violations).to.deep.equal([]);
      await server.close();
    });

    it('fires onConnect before the data a server sends at once', async () => {
      const server = await listen((socket) => socket.write('+hello\r\n'));
      const [transport, rec] = connect(addr(server.port));
      expect((await rec.receive(8)).toString()).to.equal('+hello\r\n');
      expect(rec.events).to.deep.equal(['connect', 'data']);
      rec.call(() => transport.destroy());
      await server.close();
      expect(rec.violations).to.deep.equal([]);
    });

    it('sends what was written before the connection was made', async () => {
      const server = await listen();
      const [transport, rec] = connect(addr(server.port));
      rec.call(() => transport.write(Buffer.from('early ')));
      rec.call(() => transport.write(Buffer.from('bytes')));
      const received = drain(await server.nth(1));
      await rec.connected;
      rec.call(() => transport.end());
      expect(await rec.closed).to.equal(undefined);
      expect(await received).to.equal('early bytes');
      await server.close();
    });

    it('end() while connecting: connects, flushes, closes cleanly', async () => {
      const server = await listen();
      const [transport, rec] = connect(addr(server.port));
      rec.call(() => transport.write(Buffer.from('last words')));
      rec.call(() => transport.end());
      rec.call(() => transport.write(Buffer.from(' ignored')));
      expect(await drain(await server.nth(1))).to.equal('last words');
      expect(await rec.closed).to.equal(undefined);
      expect(rec.events).to.deep.equal(['connect', 'close']);
      expect(rec.violations).to.deep.equal([]);
      await server.close();
    });

    it('end() closes without waiting for the peer to close its side', async () => {
      // allowHalfOpen: this server never answers the client's FIN with its own.
      const server = await listen(() => {}, '127.0.0.1', net.createServer({ allowHalfOpen: true }));
      const [transport, rec] = connect(addr(server.port));
      await rec.connected;
      rec.call(() => transport.end());
      expect(await rec.closed).to.equal(undefined);
      expect((await server.nth(1)).writableEnded).to.equal(false);
      await server.close();
    });

    it('delivers 1 MiB exactly, in chunks read into one reused buffer', async () => {
      const payload = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
      const server = await listen((socket) => socket.end(payload));
      const rec = new Recorder();
      const memory = new Set<ArrayBufferLike>();
      const events: TransportEvents = {
        onConnect: () => rec.onConnect(),
        onData: (chunk) => {
          memory.add(chunk.buffer);
          expect(chunk.length).to.be.at.most(64 * 1024);
          rec.onData(chunk);
        },
        onClose: (error) => rec.onClose(error),
      };
      rec.call(() => adapter.connect(addr(server.port), events));
      expect(await rec.closed).to.deep.equal({
        code: REDIS_ERR_EOF,
        message: 'Server closed the connection',
      });
      expect(rec.received.equals(payload)).to.equal(true);
      expect(memory.size).to.equal(1);
      expect(rec.violations).to.deep.equal([]);
      await server.close();
    });

    it('shares the read buffer between connections of one adapter', async () => {
      const server = await listen((socket) => socket.end('+x\r\n'));
      const memory: ArrayBufferLike[] = [];
      for (let i = 0; i < 2; i++) {
        await new Promise<void>((resolve) => {
          adapter.connect(addr(server.port), {
            onConnect: () => {},
            onData: (chunk) => memory.push(chunk.buffer),
            onClose: () => resolve(),
          });
        });
      }
      expect(memory).to.have.length(2);
      expect(memory[0]).to.equal(memory[1]);
      await server.close();
    });
  });

  describe('hiredis error strings', () => {
    it("'Connection refused' (REDIS_ERR_IO) when nothing listens", async () => {
      const [, rec] = connect(addr(await closedPort()));
      expect(await rec.closed).to.deep.equal({ code: REDIS_ERR_IO, message: 'Connection refused' });
      expect(rec.events).to.deep.equal(['close']);
      expect(rec.violations).to.deep.equal([]);
    });

    it("'Server closed the connection' (REDIS_ERR_EOF) when the server ends it", async () => {
      const server = await listen((socket) => socket.end('+bye\r\n'));
      const [, rec] = connect(addr(server.port));
      expect(await rec.closed).to.deep.equal({
        code: REDIS_ERR_EOF,
        message: 'Server closed the connection',
      });
      expect(rec.received.toString()).to.equal('+bye\r\n');
      expect(rec.events).to.deep.equal(['connect', 'data', 'close']);
      expect(rec.violations).to.deep.equal([]);
      await server.close();
    });

    it("'Connection reset by peer' (REDIS_ERR_IO) when the server resets it", async () => {
      const server = await listen((socket) => socket.once('data', () => socket.resetAndDestroy()));
      const [transport, rec] = connect(addr(server.port));
      await rec.connected;
      rec.call(() => transport.write(Buffer.from('*1\r\n$4\r\nPING\r\n')));
      expect(await rec.closed).to.deep.equal({ code: REDIS_ERR_IO, message: 'Connection reset by peer' });
      expect(rec.events).to.deep.equal(['connect', 'close']);
      expect(rec.violations).to.deep.equal([]);
      await server.close();
    });

    it("'Timeout' (REDIS_ERR_TIMEOUT) when the connect does not complete in timeoutMs", async () => {
      const hole = await blackHole();
      try {
        const started = performance.now();
        const [, rec] = connect({ host: hole.host, port: hole.port, timeoutMs: 200 });
        expect(await rec.closed).to.deep.equal({ code: REDIS_ERR_TIMEOUT, message: 'Timeout' });
        const elapsed = performance.now() - started;
        expect(elapsed).to.be.at.least(190);
        expect(elapsed).to.be.below(2000);
        expect(rec.events).to.deep.equal(['close']);
        expect(rec.violations).to.deep.equal([]);
      } finally {
        await hole.close();
      }
      // Closing the black hole frees its port: the same connect is now refused.
      const [, after] = connect({ host: hole.host, port: hole.port, timeoutMs: 200 });
      expect(await after.closed).to.deep.equal({ code: REDIS_ERR_IO, message: 'Connection refused' });
    });

    it('a connect timeout does not fire once connected', async () => {
      const server = await listen();
      const [transport, rec] = connect(addr(server.port, { timeoutMs: 50 }));
      await rec.connected;
      await sleep(100);
      expect(rec.events).to.deep.equal(['connect']);
      rec.call(() => transport.destroy());
      await server.close();
    });

    it("'Name or service not known' (REDIS_ERR_OTHER) when the name does not resolve", async () => {
      const notFound = ((hostname: string, _options: unknown, callback: (...args: unknown[]) => void) => {
        const error = new Error(`getaddrinfo ENOTFOUND ${hostname}`) as NodeJS.ErrnoException;
        error.code = 'ENOTFOUND';
        error.syscall = 'getaddrinfo';
        callback(error, '', 0);
      }) as unknown as LookupFunction;
      const [, rec] = connect(
        addr(6379, { host: 'no-such-host.test' }),
        new NodeAdapter({ lookup: notFound }),
      );
      expect(await rec.closed).to.deep.equal({ code: REDIS_ERR_OTHER, message: 'Name or service not known' });
      expect(rec.violations).to.deep.equal([]);
    });

    it('a bad port arrives as onClose from the loop, not as a throw', async () => {
      const [, rec] = connect(addr(70000));
      expect(rec.events).to.deep.equal([]);
      expect(await rec.closed).to.deep.equal({
        code: REDIS_ERR_IO,
        message: 'Port should be >= 0 and < 65536. Received type number (70000).',
      });
      expect(rec.violations).to.deep.equal([]);
    });

    it('maps other system errors to strerror-like text', () => {
      const error = (code: string, errno: number, syscall = 'connect') =>
        Object.assign(new Error(`${syscall} ${code}`), { code, errno, syscall });
      expect(transportError(error('ETIMEDOUT', -110))).to.deep.equal({
        code: REDIS_ERR_IO,
        message: 'Connection timed out',
      });
      expect(transportError(error('EHOSTUNREACH', -113))).to.deep.equal({
        code: REDIS_ERR_IO,
        message: 'No route to host',
      });
      expect(transportError(error('ENOTCONN', -107, 'read'))).to.deep.equal({
        code: REDIS_ERR_IO,
        message: 'Socket is not connected',
      });
      expect(transportError(new Error('odd'))).to.deep.equal({ code: REDIS_ERR_IO, message: 'odd' });
    });

    it('reports the telling error of a multi-address attempt, not "no such family"', () => {
      const aggregate = Object.assign(new AggregateError([], ''), {
        code: 'EADDRNOTAVAIL',
        errors: [
          Object.assign(new Error('connect EADDRNOTAVAIL ::1:7000'), {
            code: 'EADDRNOTAVAIL',
            syscall: 'connect',
          }),
          Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7000'), {
            code: 'ECONNREFUSED',
            syscall: 'connect',
          }),
        ],
      });
      expect(transportError(aggregate)).to.deep.equal({ code: REDIS_ERR_IO, message: 'Connection refused' });
    });
  });

  describe('address families', () => {
    /** A resolver that answers ::1 first, as /etc/hosts does on many machines for localhost. */
    const ipv6First = ((
      _hostname: string,
      options: { all?: boolean },
      callback: (...args: unknown[]) => void,
    ) => {
      const all = [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ];
      if (options.all) callback(null, all);
      else callback(null, '::1', 6);
    }) as unknown as LookupFunction;

    it('reaches an IPv4-only server through localhost, even when ::1 resolves first', async () => {
      const server = await listen((socket) => socket.end('+v4\r\n'), '127.0.0.1');
      for (const using of [adapter, new NodeAdapter({ lookup: ipv6First })]) {
        const [, rec] = connect(addr(server.port, { host: 'localhost' }), using);
        expect(await rec.closed).to.deep.equal({
          code: REDIS_ERR_EOF,
          message: 'Server closed the connection',
        });
        expect(rec.received.toString()).to.equal('+v4\r\n');
      }
      expect(server.remotes).to.deep.equal(['127.0.0.1', '127.0.0.1']);
      await server.close();
    });

    it("'Connection refused' through localhost when neither address listens", async () => {
      const [, rec] = connect(
        addr(await closedPort(), { host: 'localhost' }),
        new NodeAdapter({ lookup: ipv6First }),
      );
      expect(await rec.closed).to.deep.equal({ code: REDIS_ERR_IO, message: 'Connection refused' });
    });

    it('connects to an IPv6 server on ::1', async () => {
      const server = await listen((socket) => socket.pipe(socket), '::1');
      const [transport, rec] = connect(addr(server.port, { host: '::1' }));
      await rec.connected;
      rec.call(() => transport.write(Buffer.from('+six\r\n')));
      expect((await rec.receive(6)).toString()).to.equal('+six\r\n');
      rec.call(() => transport.end());
      expect(await rec.closed).to.equal(undefined);
      expect(server.remotes).to.deep.equal(['::1']);
      await server.close();
    });
  });

  describe('TLS', () => {
    let dir: string;
    let key: Buffer;
    let cert: Buffer;

    before(function () {
      this.timeout(20_000);
      dir = mkdtempSync(join(tmpdir(), 'hircluster-adapter-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      key = readFileSync(join(dir, 'key.pem'));
      cert = readFileSync(join(dir, 'cert.pem'));
    });

    after(() => rmSync(dir, { recursive: true, force: true }));

    const tlsServer = () =>
      listen((socket) => socket.pipe(socket), '127.0.0.1', tls.createServer({ key, cert }));

    it('connects with a trusted CA, exchanges bytes, and sends SNI for a host name only', async () => {
      const server = await tlsServer();
      for (const host of ['localhost', '127.0.0.1']) {
        const [transport, rec] = connect(addr(server.port, { host, tls: { ca: cert } }));
        await rec.connected;
        rec.call(() => transport.write(Buffer.from('+secure\r\n')));
        expect((await rec.receive(9)).toString()).to.equal('+secure\r\n');
        rec.call(() => transport.end());
        expect(await rec.closed).to.equal(undefined);
        expect(rec.violations).to.deep.equal([]);
      }
      const names = server.sockets.map((s) => (s as tls.TLSSocket).servername);
      expect(names).to.deep.equal(['localhost', false]);
      await server.close();
    });

    it('fails verification of an untrusted certificate with a clear message', async () => {
      const server = await tlsServer();
      const [, rec] = connect(addr(server.port, { tls: {} }));
      expect(await rec.closed).to.deep.equal({
        code: REDIS_ERR_IO,
        message: 'SSL_connect failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
      });
      expect(rec.events).to.deep.equal(['close']);
      await server.close();
    });

    it('fails a host name that the certificate does not name', async () => {
      const server = await tlsServer();
      const [, rec] = connect(addr(server.port, { tls: { ca: cert, servername: 'other.test' } }));
      expect(await rec.closed).to.deep.equal({
        code: REDIS_ERR_IO,
        message:
          "SSL_connect failed: Hostname/IP does not match certificate's altnames: Host: other.test. is not in " +
          "the cert's altnames: DNS:localhost, IP Address:127.0.0.1 (ERR_TLS_CERT_ALTNAME_INVALID)",
      });
      await server.close();
    });

    it("names OpenSSL's reason when the server does not speak TLS", async () => {
      const server = await listen((socket) =>
        socket.on('data', () => socket.write('-ERR unknown command\r\n')),
      );
      const [, rec] = connect(addr(server.port, { tls: { ca: cert } }));
      expect(await rec.closed).to.deep.equal({
        code: REDIS_ERR_IO,
        message: 'SSL_connect failed: wrong version number (ERR_SSL_WRONG_VERSION_NUMBER)',
      });
      await server.close();
    });

    it("'Connection refused' for a TLS connect that nothing listens to", async () => {
      const [, rec] = connect(addr(await closedPort(), { tls: { ca: cert } }));
      expect(await rec.closed).to.deep.equal({ code: REDIS_ERR_IO, message: 'Connection refused' });
    });
  });

  describe('destroy()', () => {
    it('silences the transport: no event, not even onClose, whatever the server does', async () => {
      const server = await listen((socket) => setTimeout(() => socket.end('+late\r\n'), 20));
      const [transport, rec] = connect(addr(server.port));
      await rec.connected;
      rec.call(() => transport.destroy());
      rec.call(() => transport.destroy());
      rec.call(() => transport.write(Buffer.from('ignored')));
      rec.call(() => transport.end());
      await sleep(80);
      expect(rec.events).to.deep.equal(['connect']);
      expect(rec.violations).to.deep.equal([]);
      await server.close();
    });

    it('while connecting: no event at all, and the server sees the connection go', async () => {
      const server = await listen();
      const [transport, rec] = connect(addr(server.port, { timeoutMs: 30 }));
      rec.call(() => transport.destroy());
      await sleep(80);
      expect(rec.events).to.deep.equal([]);
      await server.close();
    });

    it('before a connect failure is delivered: no event', async () => {
      const [transport, rec] = connect(addr(await closedPort()));
      rec.call(() => transport.destroy());
      const [badPort, badRec] = connect(addr(70000));
      badRec.call(() => badPort.destroy());
      await sleep(50);
      expect(rec.events).to.deep.equal([]);
      expect(badRec.events).to.deep.equal([]);
    });
  });

  describe('timers, defer and the clock', () => {
    it('setTimer fires once, after its delay', async () => {
      const fired: number[] = [];
      const started = adapter.now();
      adapter.setTimer(30, () => fired.push(adapter.now() - started));
      await sleep(80);
      expect(fired).to.have.length(1);
      expect(fired[0]).to.be.at.least(29);
    });

    it('clearTimer cancels; clearing a fired or cleared timer is harmless', async () => {
      const fired: string[] = [];
      const cancelled = adapter.setTimer(10, () => fired.push('cancelled'));
      const kept = adapter.setTimer(10, () => fired.push('kept'));
      adapter.clearTimer(cancelled);
      adapter.clearTimer(cancelled);
      await sleep(40);
      adapter.clearTimer(kept);
      expect(fired).to.deep.equal(['kept']);
    });

    it('setTimer(0) never runs synchronously', () => {
      let ran = false;
      adapter.setTimer(0, () => {
        ran = true;
      });
      expect(ran).to.equal(false);
    });

    it('defer runs after the current code, in order, before timers, I/O and promise callbacks', async () => {
      const order: string[] = [];
      await new Promise<void>((resolve) => {
        setImmediate(() => {
          adapter.setTimer(0, () => order.push('timer'));
          setImmediate(() => {
            order.push('immediate');
            resolve();
          });
          void Promise.resolve().then(() => order.push('promise'));
          adapter.defer(() => order.push('defer 1'));
          adapter.defer(() => order.push('defer 2'));
          order.push('sync');
        });
      });
      await sleep(5);
      expect(order.slice(0, 4)).to.deep.equal(['sync', 'defer 1', 'defer 2', 'promise']);
      expect(order.slice(4).sort()).to.deep.equal(['immediate', 'timer']);
    });

    it('now() is a monotonic clock in milliseconds', async () => {
      const a = adapter.now();
      await sleep(20);
      const b = adapter.now();
      expect(b - a).to.be.at.least(19);
      expect(b - a).to.be.below(1000);
    });
  });
});
