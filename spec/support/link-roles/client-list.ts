/**
 * A node's view of our links: `CLIENT LIST` parsed, and which of its clients are sockets of a given process
 * (Linux /proc: the process's socket inodes, and /proc/net/tcp for their ports), so a spec counts the links
 * of its own contexts among everyone else's and reads their state on the server (`flags`, `multi`).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One client of a node, as CLIENT LIST shows it. */
export interface ClientEntry {
  /** The client's own port (its end of the link). */
  port: number;
  /** The node's port (laddr). */
  nodePort: number;
  /** N for a plain client; x in MULTI, d when a watched key changed, b blocked, ... */
  flags: string;
  /** Commands queued in MULTI, -1 outside one. */
  multi: number;
  line: string;
}

export function parseClientList(text: string): ClientEntry[] {
  const entries: ClientEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = new Map(
      line
        .trim()
        .split(' ')
        .map((field) => {
          const at = field.indexOf('=');
          return [field.slice(0, at), field.slice(at + 1)] as const;
        }),
    );
    const addr = fields.get('addr');
    const laddr = fields.get('laddr');
    if (addr === undefined || laddr === undefined) continue;
    entries.push({
      port: Number(addr.slice(addr.lastIndexOf(':') + 1)),
      nodePort: Number(laddr.slice(laddr.lastIndexOf(':') + 1)),
      flags: fields.get('flags') ?? '',
      multi: Number(fields.get('multi') ?? Number.NaN),
      line: line.trim(),
    });
  }
  return entries;
}

/** The socket inodes of process `pid`. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  const dir = `/proc/${pid}/fd`;
  for (const fd of readdirSync(dir)) {
    try {
      const target = readlinkSync(`${dir}/${fd}`);
      if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
    } catch {
      // Closed since the listing.
    }
  }
  return inodes;
}

/**
 * The TCP sockets (IPv4) each of `pids` holds now: its local port -> the remote port. One read of
 * /proc/net/tcp for all (the kernel takes milliseconds to write it on a busy machine).
 */
export function socketsOf(pids: readonly number[]): Map<number, number>[] {
  const owners = pids.map(socketInodes);
  const ports = pids.map(() => new Map<number, number>());
  for (const row of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = row.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const owner = owners.findIndex((inodes) => inodes.has(fields[9]!));
    if (owner < 0) continue;
    const local = Number.parseInt(fields[1]!.split(':')[1]!, 16);
    const remote = Number.parseInt(fields[2]!.split(':')[1]!, 16);
    ports[owner]!.set(local, remote);
  }
  return ports;
}

/** The clients of `entries` (from the node at `nodePort`) that are sockets in `sockets`. */
export function clientsOf(
  entries: readonly ClientEntry[],
  nodePort: number,
  sockets: ReadonlyMap<number, number>,
): ClientEntry[] {
  return entries.filter((e) => e.nodePort === nodePort && sockets.get(e.port) === nodePort);
}
