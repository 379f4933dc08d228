/** Small pieces the CLI specs share: topology commands, CLUSTER SLOTS entries, a refused port. */
import net from 'node:net';
import type { RespValue, ScriptedNode } from './scripted-node.js';

export const SLOTS = ['CLUSTER', 'SLOTS'];
export const NODES = ['CLUSTER', 'NODES'];

/** A CLUSTER SLOTS entry: [start, end, [ip, port, id]]. */
export function range(start: number, end: number, node: ScriptedNode, id: string): RespValue {
  return [start, end, [node.host, node.port, id]];
}

/** A loopback port nothing listens on: connects to it are refused. */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
