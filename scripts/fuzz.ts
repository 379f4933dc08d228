/**
 * `npm run fuzz`: hostile input for the decoder, the format-string encoder and a context's links.
 *
 *   npm run fuzz                                   all targets, 20 s each, a random seed (printed)
 *   npm run fuzz -- --target decoder --seconds 300 one target, longer
 *   npm run fuzz -- --seed 7 --cases 5000          a reproducible run
 *   npm run fuzz -- --target format --seed 7 --case 1234   replay one case (as a failure prints it)
 *
 * Exits 1 when a case finds a misbehaviour, 2 on bad usage.
 */
import { randomInt } from 'node:crypto';
import { decoderTarget } from './fuzz/decoder-target.js';
import { formatTarget } from './fuzz/format-target.js';
import { linkTarget } from './fuzz/link-target.js';
import { type RunOptions, report, runTarget } from './fuzz/runner.js';
import type { FuzzTarget } from './fuzz/target.js';

const TARGETS: readonly FuzzTarget[] = [decoderTarget, formatTarget, linkTarget];

const USAGE = `usage: npm run fuzz -- [--target decoder|format|link|all] [--seed N] [--cases N] [--seconds S] [--case N]
  --target   what to fuzz (default all)
  --seed     unsigned 32-bit seed (default: random, printed)
  --cases    most cases per target
  --seconds  time budget per target (default 20 when --cases is not given)
  --case     run only this case number (replays a failure)`;

function usage(problem: string): never {
  process.stderr.write(`fuzz: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): { targets: FuzzTarget[]; options: RunOptions } {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (!['--target', '--seed', '--cases', '--seconds', '--case'].includes(flag))
      usage(`unknown option '${flag}'`);
    const value = argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    values.set(flag, value);
  }
  const number = (flag: string, max: number): number | undefined => {
    const text = values.get(flag);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n > max) usage(`${flag} must be an integer 0..${max}, got '${text}'`);
    return n;
  };
  const name = values.get('--target') ?? 'all';
  const targets = name === 'all' ? [...TARGETS] : TARGETS.filter((t) => t.name === name);
  if (targets.length === 0) usage(`unknown target '${name}'`);
  const cases = number('--cases', Number.MAX_SAFE_INTEGER);
  const only = number('--case', Number.MAX_SAFE_INTEGER);
  const seconds = number('--seconds', 86_400) ?? (cases === undefined && only === undefined ? 20 : undefined);
  const options: RunOptions = { seed: number('--seed', 0xffffffff) ?? randomInt(0x100000000) };
  if (cases !== undefined) options.cases = cases;
  if (seconds !== undefined) options.seconds = seconds;
  if (only !== undefined) options.only = only;
  return { targets, options };
}

async function main(): Promise<void> {
  const { targets, options } = parseArgs(process.argv.slice(2));
  process.stdout.write(`fuzz: seed ${options.seed}\n`);
  let failed = false;
  for (const target of targets) {
    const result = await runTarget(target, options);
    process.stdout.write(`${report(result)}\n`);
    failed ||= result.finding !== null;
  }
  const peak = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`fuzz: ${failed ? 'FAILED' : 'ok'}; peak RSS ${peak.toFixed(0)} MiB\n`);
  process.exitCode = failed ? 1 : 0;
}

await main();
