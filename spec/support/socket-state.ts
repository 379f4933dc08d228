/**
 * The kernel's view of a loopback TCP connection (Linux /proc/net/tcp): a spec that stopped a client
 * waits here until the client's socket holds what a node sent, its FIN included, before continuing it.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The state column of /proc/net/tcp for CLOSE_WAIT: the peer's FIN has been received. */
const CLOSE_WAIT = '08';

/** 127.0.0.1:port as /proc/net/tcp writes it. */
function endpoint(port: number): string {
  return `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Resolves once the end at 127.0.0.1:`localPort` of a connection to 127.0.0.1:`remotePort` has received
 * the peer's FIN; TCP delivers in order, so every byte sent before it is queued too. Bounded.
 */
export async function peerCloseReceived(
  localPort: number,
  remotePort: number,
  timeoutMs = 2000,
): Promise<void> {
  const local = endpoint(localPort);
  const remote = endpoint(remotePort);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const rows = readFileSync('/proc/net/tcp', 'utf8').split('\n');
    const row = rows.map((line) => line.trim().split(/\s+/)).find((f) => f[1] === local && f[2] === remote);
    if (row?.[3] === CLOSE_WAIT) return;
    if (performance.now() > deadline) {
      throw new Error(
        `127.0.0.1:${localPort} did not see 127.0.0.1:${remotePort} close within ${timeoutMs} ms`,
      );
    }
    await sleep(1);
  }
}
