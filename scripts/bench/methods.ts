/**
 * Typed methods against the calls they stand for, in one run on the plain cluster: sequential `await
 * acc.get(k)` against `await acc.send('GET', k)`, and `cc.get(k)` against `cc.send('GET', k)` and
 * `cc.command('GET %s', k)`. The calls alternate in many short rounds (a shared, loaded machine drifts
 * between long ones); medians of ops/s and of CPU per call (the whole process: both threads of the blocking
 * face). Target: within 5%.
 */
import { AsyncClusterContext, BlockingClusterContext } from '../../lib/index.js';
import { medians, report } from './report.js';

const NODES = '127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002';
const KEY = 'bench:methods:key';
const OPS = 2000;
const ROUNDS = 25;

interface Figures {
  opsPerSecond: number;
  cpuUsPerCall: number;
}

/** `OPS` calls of `call`, awaited one after another. */
async function measure(call: () => unknown): Promise<Figures> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < OPS; i++) await call();
  const used = process.cpuUsage(cpu);
  return {
    opsPerSecond: OPS / ((performance.now() - start) / 1000),
    cpuUsPerCall: (used.user + used.system) / OPS,
  };
}

/** Median figures of each call, the calls alternating round by round after a warm-up. */
async function compare(calls: Record<string, () => unknown>): Promise<Record<string, Figures>> {
  const rounds: Record<string, Figures[]> = {};
  for (const [name, call] of Object.entries(calls)) {
    rounds[name] = [];
    for (let i = 0; i < OPS; i++) await call();
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, call] of Object.entries(calls)) rounds[name]!.push(await measure(call));
  }
  return Object.fromEntries(Object.entries(rounds).map(([name, values]) => [name, medians(values)]));
}

/** The method's figures against a reference's: ops/s (higher is better) and CPU per call (lower is better). */
function line(what: string, ours: Figures, refName: string, ref: Figures): void {
  report(what, 'ops/s', ours.opsPerSecond, refName, ref.opsPerSecond, 0.95);
  console.log(
    `    CPU per call ${ours.cpuUsPerCall.toFixed(1)} µs vs ${ref.cpuUsPerCall.toFixed(1)} µs = ` +
      `${(ours.cpuUsPerCall / ref.cpuUsPerCall).toFixed(2)}x (target <= 1.05x: ` +
      `${ours.cpuUsPerCall <= ref.cpuUsPerCall * 1.05 ? 'meets' : 'MISSES'})`,
  );
}

export async function benchMethods(): Promise<void> {
  const acc = new AsyncClusterContext({ nodes: NODES });
  const cc = new BlockingClusterContext({ nodes: NODES });
  try {
    await acc.connect();
    cc.connect();
    await acc.set(KEY, 'v'.repeat(16));
    console.log(`typed methods, sequential GET of a 16-byte value (medians of ${ROUNDS} rounds of ${OPS}):`);
    const a = await compare({ method: () => acc.get(KEY), send: () => acc.send('GET', KEY) });
    line('  async, await acc.get(k)', a.method!, "await acc.send('GET', k)", a.send!);
    const s = await compare({
      method: () => cc.get(KEY),
      send: () => cc.send('GET', KEY),
      command: () => cc.command('GET %s', KEY),
    });
    line('  sync, cc.get(k)', s.method!, "cc.send('GET', k)", s.send!);
    line('  sync, cc.get(k)', s.method!, "cc.command('GET %s', k)", s.command!);
  } finally {
    await acc.del(KEY).catch(() => {});
    acc.free();
    cc.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMethods();
