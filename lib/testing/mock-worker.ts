/**
 * Worker entry of MockCluster: hosts the clusters of the process and runs the operations the test's
 * thread sends, one at a time, answering each with its result (or error message) and the cluster's
 * topology afterwards.
 */
import { parentPort } from 'node:worker_threads';
import type { ControlRequest, ControlResponse } from './control-protocol.js';
import { MockHost } from './mock-host.js';

const port = parentPort!;
const hosts = new Map<number, MockHost>();
let queue: Promise<void> = Promise.resolve();

async function serve(request: ControlRequest): Promise<void> {
  let host = hosts.get(request.cluster);
  if (host === undefined) {
    host = new MockHost();
    hosts.set(request.cluster, host);
  }
  let response: ControlResponse;
  try {
    const op = host[request.op] as (...args: unknown[]) => unknown;
    const result = await op.apply(host, [...request.args]);
    response = { id: request.id, ok: true, result, snapshot: host.snapshot() };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    response = { id: request.id, ok: false, message, snapshot: host.snapshot() };
  }
  if (request.op === 'stop' || (request.op === 'start' && !response.ok)) hosts.delete(request.cluster);
  port.postMessage(response);
}

port.on('message', (request: ControlRequest) => {
  queue = queue.then(() => serve(request));
});
