/**
 * The kernel's view of a loopback TCP connection (Linux /proc/net/tcp): a spec that stopped a client
 * waits here until the client's socket holds what a node sent, its FIN included, before continuing it.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The state column of /proc/net/tcp for ESTABLISHED: the peer's FIN has not been received. */
const ESTABLISHED = '01';

/** 127.0.0.1:port as /proc/net/tcp writes it. */
function endpoint(port: number): string {
  return `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Resolves once the end at 127.0.0.1:`localPort` of an established connection to 127.0.0.1:`remotePort`
 * has received the peer's FIN: it left ESTABLISHED (CLOSE_WAIT, or LAST_ACK and gone once the client
 * closed its end too). TCP delivers in order, so every byte sent before the FIN is queued too. Bounded.
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
    if (row === undefined || row[3] !== ESTABLISHED) return;
    if (performance.now() > deadline) {
      throw new Error(
        `127.0.0.1:${localPort} did not see 127.0.0.1:${remotePort} close within ${timeoutMs} ms`,
      );
    }
    await sleep(1);
  }
}
