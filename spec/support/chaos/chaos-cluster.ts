/**
 * The chaos cluster of scripts/cluster.sh (127.0.0.1:7400-7405, spare ports 7406-7409), driven from
 * specs and the soak run: an exclusive lock so two runs never break the same cluster, a fresh start,
 * the fault helpers (kill, failover, reshard, pause, restart, scale out/in) and the topology as the
 * nodes see it. Every call is bounded in time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterTmpDir } from '../clusters.js';
import { RawClient } from '../raw-client.js';

/** The chaos cluster's first six ports: 3 primaries and 3 replicas when fresh. */
export const CHAOS_PORTS: readonly number[] = [7400, 7401, 7402, 7403, 7404, 7405];
/** Ports scale-out may start a new primary on. */
export const CHAOS_SPARE_PORTS: readonly number[] = [7406, 7407, 7408, 7409];
/** Seeds for a client: every node the cluster starts with. */
export const CHAOS_SEEDS = CHAOS_PORTS.map((port) => `127.0.0.1:${port}`).join(',');

const SCRIPT = fileURLToPath(new URL('../../../../scripts/cluster.sh', import.meta.url));
/** Bound on one cluster.sh call; its own waits are bounded by HIRCLUSTER_FAULT_TIMEOUT (60 s). */
const CALL_TIMEOUT_MS = 120_000;
/** Bound on waiting for another run to release the chaos cluster. */
const LOCK_TIMEOUT_S = 600;

/** One node as `cluster.sh topology chaos` prints it. */
export interface ChaosNode {
  port: number;
  role: 'primary' | 'replica';
  /** Flagged failed by the cluster (a killed node stays listed). */
  failed: boolean;
  /** A replica's primary port. */
  primary: number | null;
  /** A primary's slot ranges, inclusive. */
  slots: [number, number][];
}

/** Redirects the nodes answered and ASKING commands they got, summed over the live nodes (INFO). */
export interface RedirectStats {
  moved: number;
  ask: number;
  asking: number;
}

/** What one fault helper printed and how long it took. */
export interface FaultResult {
  output: string;
  ms: number;
}

/** Runs `bash scripts/cluster.sh ...args`; rejects with its output when it fails or passes the bound. */
export function clusterScript(...args: string[]): Promise<FaultResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CALL_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (code === 0) resolve({ output: output.trim(), ms });
      else
        reject(
          new Error(`cluster.sh ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${output.trim()}`),
        );
    });
  });
}

/** When a kill / pause / resume helper sent its signal (epoch ms), from its line's "at <epoch seconds>". */
export function signalTime(line: string): number {
  const at = /\bat (\d+\.\d+)/.exec(line);
  if (at === null) throw new Error(`no signal time in: ${line}`);
  return Number(at[1]) * 1000;
}

/** Parses `cluster.sh topology chaos`: "port primary [fail] a-b c ..." or "port replica primaryPort [fail]". */
export function parseTopology(text: string): ChaosNode[] {
  const nodes: ChaosNode[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2) continue;
    const port = Number(fields[0]);
    const failed = fields.includes('fail');
    const rest = fields.slice(2).filter((f) => f !== 'fail');
    if (fields[1] === 'replica') {
      nodes.push({ port, role: 'replica', failed, primary: Number(rest[0]), slots: [] });
      continue;
    }
    const slots = rest.map((range): [number, number] => {
      const [start, end = start] = range.split('-');
      return [Number(start), Number(end)];
    });
    nodes.push({ port, role: 'primary', failed, primary: null, slots });
  }
  return nodes;
}

/** The chaos cluster, held exclusively by this process between `acquire()` and `release()`. */
export class ChaosCluster {
  private holder: ChildProcess | null = null;

  /**
   * Takes the chaos lock (waiting for another run to finish, bounded), then starts the cluster fresh:
   * stopped first, so every run begins from the same clean 6-node cluster.
   */
  async acquire(): Promise<void> {
    await this.lock();
    await clusterScript('stop', 'chaos');
    await clusterScript('start', 'chaos');
  }

  /** Stops the cluster and releases the lock. */
  async release(): Promise<void> {
    try {
      await clusterScript('stop', 'chaos');
    } finally {
      this.unlock();
    }
  }

  /** The nodes as a live node sees them. */
  async topology(): Promise<ChaosNode[]> {
    return parseTopology((await clusterScript('topology', 'chaos')).output);
  }

  /** The live primaries that serve slots. */
  async primaries(): Promise<ChaosNode[]> {
    return (await this.topology()).filter((n) => n.role === 'primary' && !n.failed && n.slots.length > 0);
  }

  /** The replica of primary `port`. */
  async replicaOf(port: number): Promise<number> {
    const replica = (await this.topology()).find((n) => n.role === 'replica' && n.primary === port);
    if (replica === undefined) throw new Error(`chaos: primary ${port} has no replica`);
    return replica.port;
  }

  /**
   * MOVED and ASK error replies (INFO errorstats) and ASKING commands (INFO commandstats) of every live
   * node since it started: the servers' own evidence that clients were redirected and followed ASK.
   */
  async redirectStats(): Promise<RedirectStats> {
    const stats: RedirectStats = { moved: 0, ask: 0, asking: 0 };
    for (const node of await this.topology()) {
      if (node.failed) continue;
      const client = await RawClient.connect({ host: '127.0.0.1', port: node.port });
      try {
        const errors = String(await client.call(['INFO', 'errorstats']));
        const commands = String(await client.call(['INFO', 'commandstats']));
        stats.moved += Number(/errorstat_MOVED:count=(\d+)/.exec(errors)?.[1] ?? 0);
        stats.ask += Number(/errorstat_ASK:count=(\d+)/.exec(errors)?.[1] ?? 0);
        stats.asking += Number(/cmdstat_asking:calls=(\d+)/.exec(commands)?.[1] ?? 0);
      } finally {
        await client.close();
      }
    }
    return stats;
  }

  /** Calls per command (lower case, e.g. `get`) of node `port` since its start or its last CONFIG RESETSTAT. */
  async commandCalls(port: number): Promise<Map<string, number>> {
    const client = await RawClient.connect({ host: '127.0.0.1', port });
    try {
      const text = String(await client.call(['INFO', 'commandstats']));
      const calls = new Map<string, number>();
      for (const [, name, count] of text.matchAll(/cmdstat_([^:]+):calls=(\d+)/g))
        calls.set(name!, Number(count));
      return calls;
    } finally {
      await client.close();
    }
  }

  /** CONFIG RESETSTAT on every live node: INFO's counters start from zero. */
  async resetStats(): Promise<void> {
    for (const node of await this.topology()) {
      if (node.failed) continue;
      const client = await RawClient.connect({ host: '127.0.0.1', port: node.port });
      try {
        await client.call(['CONFIG', 'RESETSTAT']);
      } finally {
        await client.close();
      }
    }
  }

  /** Runs a fault helper of cluster.sh, e.g. `fault('kill', 7400)`. */
  fault(action: string, ...args: (string | number)[]): Promise<FaultResult> {
    return clusterScript(action, 'chaos', ...args.map(String));
  }

  /**
   * `flock` on $HIRCLUSTER_TMP/chaos.lock held by a child that lives until we close its stdin, or
   * until this process dies: a crashed run never leaves the lock behind.
   */
  private lock(): Promise<void> {
    const dir = clusterTmpDir();
    mkdirSync(dir, { recursive: true });
    const holder = spawn(
      'flock',
      ['-w', String(LOCK_TIMEOUT_S), join(dir, 'chaos.lock'), 'sh', '-c', 'echo locked; exec cat >/dev/null'],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    this.holder = holder;
    return new Promise((resolve, reject) => {
      holder.stdout!.setEncoding('utf8').once('data', () => resolve());
      holder.once('exit', (code) =>
        reject(new Error(`chaos: could not take the chaos lock (flock exit ${code})`)),
      );
    });
  }

  private unlock(): void {
    this.holder?.stdin?.end();
    this.holder = null;
  }
}
