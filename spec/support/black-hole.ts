/**
 * A loopback "black hole" for connect-timeout specs: a listener on 127.0.0.1 whose accept queue is full,
 * so the kernel drops every further SYN and a connect() to it stays pending until the client gives up.
 * The network rule forbids "unroutable" outside addresses, so this is how a hanging connect is made.
 *
 * The listener lives in a worker thread that blocks in Atomics.wait right after listen(): its loop never
 * accepts. The kernel completes handshakes into the accept queue by itself (backlog + 1 of them on
 * Linux); we fill it with our own connections until a probe connect is seen hanging. With
 * /proc/sys/net/ipv4/tcp_abort_on_overflow at 0 (the default) the dropped SYNs are simply retried by
 * the client's kernel (after 1 s, 3 s, ...) and dropped again.
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';

export interface BlackHole {
  host: string;
  port: number;
  /** Stops the listener and drops the filling connections. */
  close(): Promise<void>;
}

// CommonJS evaluated in the worker: listen with backlog 1, report the port, never run the loop again
// until the parent wakes it to exit.
const LISTENER = `
const { parentPort, workerData } = require('node:worker_threads');
const server = require('node:net').createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(new Int32Array(workerData), 0, 0);
  process.exit(0);
});
`;

/** A filling connection must complete within this (loopback; the queue still has room). */
const FILL_MS = 2000;
/** A loopback connect still pending after this long was dropped: the queue is full. */
const PROBE_MS = 150;
/** Bound on connections made, in case a kernel queues far more than backlog + 1. */
const MAX_CONNECTIONS = 16;

/** Whether `socket` connects within `ms`. */
function connectsWithin(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Starts a black hole; resolves once a connect to it has been seen hanging. */
export async function blackHole(): Promise<BlackHole> {
  const wake = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(LISTENER, { eval: true, workerData: wake.buffer });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const sockets: net.Socket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    Atomics.store(wake, 0, 1);
    Atomics.notify(wake, 0);
    await exited;
  };
  try {
    // The first two must get in (Linux queues backlog + 1); then connect until one hangs.
    for (let i = 0; ; i++) {
      if (i === MAX_CONNECTIONS) throw new Error(`blackHole: ${MAX_CONNECTIONS} connects all completed`);
      const socket = net.connect({ host: '127.0.0.1', port });
      sockets.push(socket);
      if (!(await connectsWithin(socket, i < 2 ? FILL_MS : PROBE_MS))) break;
      // Errors after the connect (none expected while the queue holds it) are of no interest.
      socket.on('error', () => {});
    }
    // The hanging probe keeps retrying its SYN; its eventual ETIMEDOUT must not crash the process.
    sockets[sockets.length - 1]!.on('error', () => {});
  } catch (err) {
    await close();
    throw err;
  }
  return { host: '127.0.0.1', port, close };
}
