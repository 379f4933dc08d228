/**
 * Small pieces the CLI specs share: topology commands, CLUSTER SLOTS entries, a refused port, a node
 * that leaves.
 */
import net from 'node:net';
import type { Conversation, RespValue, ScriptedNode, Step } from './scripted-node.js';

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

/**
 * Steps: `node` answers `reply` and leaves at once, as the C tests' simulated node does when its script
 * ends: its listener closes (new connects are refused), then its link. `clientPort` first receives the
 * client's port of that link, for `peerCloseReceived`.
 */
export function answerAndLeave(
  conv: Conversation,
  node: ScriptedNode,
  reply: RespValue,
  clientPort: (port: number) => void,
): Step[] {
  return [
    conv.call(`${node.name}: note the client's port`, () => clientPort(node.newest()!.socket.remotePort!)),
    conv.call(`${node.name} stops listening`, () => node.server.close()),
    node.send(reply),
    node.closeLink(),
  ];
}
