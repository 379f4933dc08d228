/**
 * The async face's first seconds (issue 15): in this fresh process, `node dist/scripts/bench/first-seconds.js
 * [commands]` (default 200 000) keeps 1000 commands in flight on the plain cluster (half SET, half GET of
 * 16-byte values over 1000 keys, as pipelinedHircluster) and prints, timed from the first command after
 * connecting: ops/s, CPU seconds per 100k commands (every thread: JIT compiler and GC helpers included), and
 * the warm-up curve, commands done by each 50 ms, sampled by a timer so the reply callback carries no
 * instrumentation. Compare builds in alternating fresh processes: one run says little on a shared machine.
 */
import { AsyncClusterContext } from '../../lib/index.js';

const SEEDS = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
const VALUE = 'v'.repeat(16);
const KEYS = Array.from({ length: 1000 }, (_, i) => `bench:key:${i}`);
const IN_FLIGHT = 1000;
const CURVE_STEP_MS = 50;

const total = Number(process.argv[2] ?? 200_000);
if (!Number.isSafeInteger(total) || total < IN_FLIGHT) throw new Error(`commands: at least ${IN_FLIGHT}`);

const acc = new AsyncClusterContext({ nodes: SEEDS });
await acc.connect();
let done = 0;
const samples: [ms: number, done: number][] = [];
const start = performance.now();
const cpuStart = process.cpuUsage();
const sampler = setInterval(() => samples.push([performance.now() - start, done]), CURVE_STEP_MS / 5);
await new Promise<void>((resolve, reject) => {
  let sent = 0;
  const onReply = (_: AsyncClusterContext, reply: unknown) => {
    if (reply === null && acc.err !== 0) reject(new Error(`bench command failed: ${acc.errstr}`));
    if (++done === total) resolve();
    else if (sent < total) next();
  };
  const next = () => {
    const key = KEYS[sent % KEYS.length]!;
    const ok =
      sent++ % 2 === 0
        ? acc.commandArgv(onReply, null, ['SET', key, VALUE])
        : acc.commandArgv(onReply, null, ['GET', key]);
    if (!ok) reject(new Error(`bench command refused: ${acc.errstr}`));
  };
  for (let i = 0; i < IN_FLIGHT; i++) next();
});
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuStart);
clearInterval(sampler);
acc.free();

const curve: string[] = [];
for (let ms = CURVE_STEP_MS; ms < seconds * 1000; ms += CURVE_STEP_MS) {
  const sample = samples.find(([at]) => at >= ms);
  if (sample !== undefined) curve.push(`${ms} ms: ${sample[1]}`);
}
console.log(
  `${total.toLocaleString('en')} commands in a fresh process: ${Math.round(total / seconds).toLocaleString('en')} ops/s, ` +
    `${(((cpu.user + cpu.system) / 1e6) * (100_000 / total)).toFixed(3)} CPU s per 100k`,
);
console.log(`done by: ${curve.join(', ')}`);
