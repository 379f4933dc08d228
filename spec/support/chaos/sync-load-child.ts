/**
 * The sync half of a chaos load, in its own process: a BlockingClusterContext loop over its keys, one call
 * at a time, alternating `SET key value GET` and `GET key` per key, each outcome reported on stdout as one
 * JSON line `[seq, key, write, start, end, ok, value | [code, message]]` (times in epoch ms, key an index
 * into this child's keys). The first line is `"ready"`, the last `{"done": issued, "updates": n,
 * "updateErrors": n}` (slot-map updates that succeeded and failed); with `watchSlots`, a line
 * `{"owners": [address per slot], "at": epoch ms}` whenever the context's owner of one of them changed
 * (seen after each call: its events arrive with it). It stops on a `stop`
 * line or the end of stdin, and in any case after `maxMs` or `maxCommands`. After a failure it waits
 * `pauseMs`, as the async load does.
 *
 *   node sync-load-child.js '<SyncChildConfig as JSON>'
 */
import { BlockingClusterContext, type BlockingOptions } from '../../../lib/blocking/blocking-context.js';
import { ClusterError, ReplyError } from '../../../lib/errors.js';
import { stopAsked } from '../child-stop.js';

export interface SyncChildConfig {
  /** The keys, by index. */
  names: string[];
  /** Slots whose owner, as the context sees it, is reported when it changes. */
  watchSlots?: number[];
  options: BlockingOptions;
  pauseMs: number;
  maxMs: number;
  maxCommands: number;
}

/** Calls between two looks at stdin (the loop blocks the event loop while it runs). */
const YIELD_EVERY = 16;

function now(): number {
  return performance.timeOrigin + performance.now();
}

const config = JSON.parse(process.argv[2] ?? '') as SyncChildConfig;
const stopping = stopAsked();

const cc = new BlockingClusterContext(config.options);
let updates = 0;
let updateErrors = 0;
cc.on('slotmap-updated', () => updates++);
cc.on('update-error', () => updateErrors++);
let lines: string[] = [];
const watched = config.watchSlots ?? [];
let owners = '';
/** Adds an `owners` line when the context's owner of a watched slot changed. */
function watch(): void {
  if (watched.length === 0) return;
  const seen = JSON.stringify(
    watched.map((slot) => {
      const owner = cc.slotOwner(slot);
      return owner instanceof ClusterError ? '' : owner.addr;
    }),
  );
  if (seen === owners) return;
  owners = seen;
  lines.push(`{"owners":${seen},"at":${now()}}`);
}

cc.connect();
watch();
process.stdout.write('"ready"\n');

const deadline = now() + config.maxMs;
let seq = 0;
while (!stopping() && seq < config.maxCommands && now() < deadline) {
  let failed = false;
  for (let i = 0; i < YIELD_EVERY && seq < config.maxCommands && !failed; i++) {
    const keys = config.names.length;
    const key = seq % keys;
    const write = Math.floor(seq / keys) % 2 === 0;
    const name = config.names[key]!;
    const start = now();
    let line: unknown[];
    try {
      const reply = write ? cc.command('SET %s %s GET', name, `${name}:${seq}`) : cc.command('GET %s', name);
      line =
        reply instanceof ReplyError
          ? [seq, key, write, start, now(), false, [-1, reply.message]]
          : [seq, key, write, start, now(), true, reply];
    } catch (err) {
      const code = err instanceof ClusterError ? err.code : -2;
      line = [seq, key, write, start, now(), false, [code, (err as Error).message]];
    }
    failed = line[5] === false;
    lines.push(JSON.stringify(line));
    seq++;
    watch();
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  lines = [];
  await new Promise((resolve) => (failed ? setTimeout(resolve, config.pauseMs) : setImmediate(resolve)));
}
cc.close();
process.stdout.write(`${JSON.stringify({ done: seq, updates, updateErrors })}\n`);
process.stdin.destroy();
