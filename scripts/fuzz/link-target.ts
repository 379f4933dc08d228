/**
 * Fuzz target (c), a context after a malformed reply: a two-node hostile cluster on loopback (in a
 * worker thread, so that the blocking context can wait on it) answers one command on node A with
 * malformed or oversize bytes, in random pieces (the scanner's error on them alone is the error: what
 * follows cannot change a verdict already reached). With commands to both nodes in flight, through the
 * async context or a blocking pipeline, it holds that
 *   - A's commands answered before the bad reply get their values;
 *   - the bad command and the ones behind it on A's link get exactly the scanner's PROTOCOL error,
 *     naming A; A's link is dropped (one `disconnect` event with that error);
 *   - B's commands are unaffected, and every command has exactly one outcome;
 *   - the next commands to A and B work (a new link to A).
 */
import { Buffer } from 'node:buffer';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { ClusterError, REDIS_ERR_PROTOCOL } from '../../lib/errors.js';
import type { ClusterEvents } from '../../lib/events.js';
import { DEFAULT_LIMITS, FrameScanner, type RespLimits } from '../../lib/resp/scan.js';
import { type HostileCluster, startHostileClusterThread } from './hostile-cluster.js';
import { mutate, noise } from './mutate.js';
import type { Random } from './random.js';
import { modelFrame } from './resp-model.js';
import { crash, Finding, type FuzzTarget, printable, type Stats } from './target.js';

const A_SLOTS: [number, number] = [0, 8191];
const B_SLOTS: [number, number] = [8192, 16383];

/** Keys `prefix<n>` whose slots are in [lo, hi]. */
function keysIn([lo, hi]: [number, number], prefix: string, count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    const slot = keySlot(`${prefix}${i}`);
    if (slot >= lo && slot <= hi) keys.push(`${prefix}${i}`);
  }
  return keys;
}

/** Bytes that are not one valid reply from the start (the first frame fails), and the scanner's error. */
function badReply(rng: Random, limits: RespLimits): { bytes: Buffer; error: string } {
  for (let tries = 0; tries < 200; tries++) {
    const shape = { maxDepth: 5, maxElements: 5, largeBulk: 0.02 };
    let bytes = modelFrame(rng, shape).wire;
    if (rng.chance(0.1)) bytes = noise(rng);
    else if (rng.chance(0.8)) bytes = mutate(rng, bytes, limits, modelFrame(rng, shape).wire);
    try {
      new FrameScanner(limits).scan(bytes, 0, bytes.length);
    } catch (err) {
      if (err instanceof ClusterError && err.code === REDIS_ERR_PROTOCOL)
        return { bytes, error: err.message };
      throw crash('FrameScanner.scan', err, printable(bytes));
    }
  }
  return { bytes: Buffer.from('$abc\r\n'), error: 'Protocol error: invalid length at offset 1' };
}

function pieces(rng: Random, bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let from = 0; from < bytes.length; ) {
    const size = rng.chance(0.3) ? 1 : rng.range(1, Math.max(1, bytes.length));
    out.push(bytes.subarray(from, from + size));
    from += size;
  }
  return out;
}

/** One planned command and what it must get. */
interface Planned {
  key: string;
  /** `v:<key>` or the PROTOCOL error text. */
  expect: string;
}

function outcome(reply: unknown, err: number, errstr: string): string {
  if (err !== 0) return `error ${err} ${errstr}`;
  return typeof reply === 'string' ? reply : `unexpected reply ${String(reply)}`;
}

/** Limits a context can still read the hostile cluster's slot map with. */
function contextLimits(rng: Random): RespLimits {
  if (rng.chance(0.6)) return { ...DEFAULT_LIMITS };
  return {
    maxBulkLength: rng.range(16, 80),
    maxAggregateElements: rng.range(3, 10),
    maxDepth: rng.range(3, 6),
  };
}

class LinkTarget implements FuzzTarget {
  readonly name = 'link';
  private cluster: HostileCluster | null = null;
  private readonly aKeys = keysIn(A_SLOTS, 'fuzz:a', 8);
  private readonly bKeys = keysIn(B_SLOTS, 'fuzz:b', 8);

  async run(rng: Random, stats: Stats): Promise<void> {
    this.cluster ??= await startHostileClusterThread({ ranges: [[A_SLOTS], [B_SLOTS]] });
    const [addrA] = this.cluster.addrs as [string, string];
    const limits = contextLimits(rng);
    const bad = badReply(rng, limits);
    const badKey = keysIn(A_SLOTS, `fuzz:bad${rng.next()}:`, 1)[0]!;
    await this.cluster.setRules({ replies: { [badKey]: pieces(rng, bad.bytes) } });
    const failure = `error ${REDIS_ERR_PROTOCOL} ${bad.error} (from ${addrA})`;
    const before = rng.int(4);
    const after = rng.int(4);
    const plan: Planned[] = [];
    for (let i = 0; i < before; i++) plan.push({ key: this.aKeys[i]!, expect: `v:${this.aKeys[i]}` });
    plan.push({ key: badKey, expect: failure });
    for (let i = 0; i < after; i++) plan.push({ key: this.aKeys[4 + i]!, expect: failure });
    // B's commands go anywhere in the sequence.
    for (let i = rng.int(5); i > 0; i--) {
      const key = this.bKeys[i]!;
      plan.splice(rng.int(plan.length + 1), 0, { key, expect: `v:${key}` });
    }
    const shown = `${printable(bad.bytes)} limits ${JSON.stringify(limits)}; commands ${plan.map((p) => p.key).join(' ')}`;
    const blocking = rng.chance(0.3);
    const { got, disconnects } = blocking
      ? this.blockingCase(plan, limits, shown)
      : await this.asyncCase(plan, limits, shown);
    const want = plan.map((p) => p.expect);
    if (got.join('\n') !== want.join('\n')) {
      throw new Finding(
        `${blocking ? 'blocking' : 'async'} outcomes\n    ${got.join('\n    ')}\n  expected\n    ${want.join('\n    ')}`,
        shown,
      );
    }
    const dropped = disconnects.filter((d) => d === `${addrA} ${failure.slice('error '.length)}`);
    if (dropped.length !== 1) {
      throw new Finding(
        `expected one disconnect of ${addrA} with the error, got [${disconnects.join('; ')}]`,
        shown,
      );
    }
    stats.add(blocking ? 'blocking cases' : 'async cases');
    stats.add(`error: ${bad.error.replace(/ at offset \d+.*$| \d+.*$/, '')}`);
  }

  private async asyncCase(
    plan: Planned[],
    limits: RespLimits,
    shown: string,
  ): Promise<{ got: string[]; disconnects: string[] }> {
    const [addrA] = this.cluster!.addrs;
    const acc = new AsyncClusterContext({ nodes: addrA!, limits, connectTimeout: 2000 });
    const disconnects: string[] = [];
    const onDisconnect: ClusterEvents['disconnect'] = (link, err) =>
      disconnects.push(`${link.host}:${link.port} ${err === null ? 'null' : `${err.code} ${err.message}`}`);
    acc.on('disconnect', onDisconnect);
    try {
      await acc.connect();
      const got = await this.sendAll(
        acc,
        plan.map((p) => p.key),
        shown,
      );
      // The context is still usable: new commands to both nodes (A over a new link).
      const again = await this.sendAll(acc, [this.aKeys[7]!, this.bKeys[7]!], shown);
      if (again.join(' ') !== `v:${this.aKeys[7]} v:${this.bKeys[7]}`) {
        throw new Finding(`after the bad reply, commands got ${again.join('; ')}`, shown);
      }
      return { got, disconnects };
    } finally {
      acc.free();
    }
  }

  /** Sends GETs in one tick; resolves with each one's outcome once all are in and no callback repeats. */
  private sendAll(acc: AsyncClusterContext, keys: string[], shown: string): Promise<string[]> {
    const got: string[][] = keys.map(() => []);
    let left = keys.length;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Finding(`callbacks after 5 s: ${JSON.stringify(got)}`, shown)),
        5000,
      );
      const settle = () => {
        clearTimeout(timer);
        // A second callback for any command would show up here.
        setTimeout(() => {
          const twice = got.findIndex((g) => g.length !== 1);
          if (twice >= 0)
            reject(
              new Finding(
                `command ${twice} got ${got[twice]!.length} callbacks: ${got[twice]!.join('; ')}`,
                shown,
              ),
            );
          else resolve(got.map((g) => g[0]!));
        }, 20);
      };
      keys.forEach((key, i) => {
        const queued = acc.command(
          (a, reply) => {
            got[i]!.push(outcome(reply, a.err, a.errstr));
            if (--left === 0) settle();
          },
          null,
          'GET %s',
          key,
        );
        if (!queued) reject(new Finding(`GET ${key} was refused: ${acc.errstr}`, shown));
      });
    });
  }

  private blockingCase(
    plan: Planned[],
    limits: RespLimits,
    shown: string,
  ): { got: string[]; disconnects: string[] } {
    const [addrA] = this.cluster!.addrs;
    const cc = new BlockingClusterContext({ nodes: addrA!, limits, connectTimeout: 2000, callTimeout: 5000 });
    const disconnects: string[] = [];
    cc.on('disconnect', (link, err) =>
      disconnects.push(`${link.host}:${link.port} ${err === null ? 'null' : `${err.code} ${err.message}`}`),
    );
    const read = (fn: () => unknown): string => {
      try {
        return outcome(fn(), 0, '');
      } catch (err) {
        if (err instanceof ClusterError) return outcome(null, err.code, err.message);
        throw crash('the blocking context', err, shown);
      }
    };
    try {
      cc.connect();
      for (const p of plan) cc.appendCommand('GET %s', p.key);
      const got = plan.map(() => read(() => cc.getReply()));
      cc.reset();
      const again = [
        read(() => cc.command('GET %s', this.aKeys[7]!)),
        read(() => cc.command('GET %s', this.bKeys[7]!)),
      ];
      if (again.join(' ') !== `v:${this.aKeys[7]} v:${this.bKeys[7]}`) {
        throw new Finding(`after the bad reply, commands got ${again.join('; ')}`, shown);
      }
      return { got, disconnects };
    } finally {
      cc.close();
    }
  }

  async close(): Promise<void> {
    await this.cluster?.close();
    this.cluster = null;
  }
}

/** Target (c): a context's links after malformed and oversize replies. */
export const linkTarget: FuzzTarget = new LinkTarget();
