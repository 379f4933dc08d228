/**
 * A node that accepts connections and reads every command, but never answers: a hung server, a stopped
 * process whose kernel still completes handshakes, a link that died without a reset. It needs no JavaScript
 * to stay silent (the kernel accepts and buffers), so it is one even while this thread is blocked in a
 * blocking context's call; what it saw is read afterwards.
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { parseCommand } from '../../lib/resp/parse-command.js';
import { FrameScanner } from '../../lib/resp/scan.js';

export interface SilentNode {
  readonly host: string;
  readonly port: number;
  /** 'host:port' as the client writes it. */
  readonly addr: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** The commands received so far, in order: 'CLUSTER SLOTS'. */
  readonly commands: readonly string[];
  close(): Promise<void>;
}

/** A silent node listening on `host` (loopback), on an ephemeral port. */
export async function silentNode(host = '127.0.0.1'): Promise<SilentNode> {
  const sockets = new Set<net.Socket>();
  const commands: string[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const scanner = new FrameScanner();
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (let end = scanner.scan(buf, 0, buf.length); end >= 0; end = scanner.scan(buf, 0, buf.length)) {
        scanner.reset();
        commands.push(
          parseCommand(buf.subarray(0, end))
            .map((arg) => arg.toString('utf8'))
            .join(' '),
        );
        buf = buf.subarray(end);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0 }, resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  let accepted = 0;
  server.on('connection', () => accepted++);
  return {
    host,
    port,
    addr: `${host}:${port}`,
    get connections() {
      return accepted;
    },
    commands,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
