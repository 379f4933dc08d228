/**
 * A loopback "black hole" for connect-timeout specs: a listener on 127.0.0.1 whose accept queue is
 * full, so the kernel drops every further SYN and a connect() hangs until the client gives up —
 * without any outside address (see DESIGN.md, rules of the house).
 *
 * How: a worker thread listens with backlog 1 and then blocks in Atomics.wait, so its event loop never
 * accepts; the kernel completes handshakes into the accept queue by itself until the queue is full
 * (backlog + 1 connections on Linux), which this module does with a few connections of its own.
 * Once full, SYNs are dropped silently (tcp_abort_on_overflow is 0 by default, and it only concerns
 * the final ACK anyway).
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';

export interface BlackHole {
  host: string;
  port: number;
  /** Closes the listener and the filling connections; the port then refuses connections. */
  close(): Promise<void>;
}

// CommonJS, evaluated in the worker: listen, report the port, then keep the loop from ever accepting.
const LISTENER = `
const { parentPort, workerData } = require('node:worker_threads');
const server = require('node:net').createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(new Int32Array(workerData), 0, 0);
});
`;

/** Longest wait for a connection that must get into the queue. */
const FILL_TIMEOUT_MS = 2000;
/** A connect that has not completed after this long on loopback is taken as dropped. */
const PROBE_TIMEOUT_MS = 100;
/** Bound on filling connections, in case a kernel queues far more than backlog + 1. */
const MAX_FILL = 16;

/** Whether `socket` connects within `ms`; a socket error (nothing to do with a full queue) rejects. */
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

/**
 * Starts a black hole and fills its queue. Resolves once a probe connection has been seen hanging,
 * i.e. once a connect to `host:port` is known to hang.
 */
export async function blackHole(): Promise<BlackHole> {
  const worker = new Worker(LISTENER, { eval: true, workerData: new SharedArrayBuffer(4) });
  // Neither the worker nor the sockets keep the process alive if a spec forgets close().
  worker.unref();
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const sockets: net.Socket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await worker.terminate();
  };
  try {
    // The first two must get in (Linux queues backlog + 1); after that, probe until one hangs.
    for (let i = 0; ; i++) {
      if (i === MAX_FILL) throw new Error(`blackHole: ${MAX_FILL} connections were all accepted`);
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.unref();
      // Later errors (a probe's SYN retries running out) are of no interest.
      socket.on('error', () => {});
      sockets.push(socket);
      // A hanging probe stays in `sockets`: if it was only slow, it still takes the slot it found.
      if (!(await connectsWithin(socket, i < 2 ? FILL_TIMEOUT_MS : PROBE_TIMEOUT_MS))) break;
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { host: '127.0.0.1', port, close };
}
