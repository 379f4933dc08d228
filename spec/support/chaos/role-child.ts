/**
 * The blocking face's half of the links-with-roles chaos load, in its own process: one BlockingClusterContext
 * running transactions, WATCH sessions held for a while, and blocking pops, one after the other over its
 * lanes' keys. One JSON line per op on stdout, `[seq, kind, start, end, message]` (message '' for a
 * success); the first line is `"ready"`, the last `{"done": issued}`. It stops on a `stop` line or the
 * end of stdin, and after `maxMs` in any case.
 *
 *   node role-child.js '{"options": {...}, "tags": ["..."], "maxMs": 60000}'
 */
import { BlockingClusterContext, type BlockingOptions } from '../../../lib/blocking/blocking-context.js';
import { stopAsked } from '../child-stop.js';
import { tagKeys } from '../link-roles/plan.js';
import { blockingDriver } from '../link-roles/run-op.js';
import { type RoleKind, roleOp, roleOutcome } from './role-ops.js';

const { options, tags, maxMs } = JSON.parse(process.argv[2] ?? '{}') as {
  options: BlockingOptions;
  tags: string[];
  maxMs: number;
};
const KINDS: readonly RoleKind[] = ['tx', 'watch', 'pop'];
const sleeper = new Int32Array(new SharedArrayBuffer(4));

const stopping = stopAsked();

function now(): number {
  return performance.timeOrigin + performance.now();
}

const cc = new BlockingClusterContext(options);
cc.connect();
const face = blockingDriver(cc);
process.stdout.write('"ready"\n');

const deadline = now() + maxMs;
let seq = 0;
while (!stopping() && now() < deadline) {
  const kind = KINDS[seq % KINDS.length]!;
  const keys = tagKeys(tags[seq % tags.length]!);
  const start = now();
  const message = await roleOutcome(() =>
    roleOp(face, kind, keys, seq, (ms) => Atomics.wait(sleeper, 0, 0, ms)),
  );
  process.stdout.write(`${JSON.stringify([seq, kind, start, now(), message])}\n`);
  seq++;
  // Lets stdin be read; after a failure, a pause as an application would make.
  await new Promise((resolve) => (message === '' ? setImmediate(resolve) : setTimeout(resolve, 20)));
}
cc.close();
process.stdout.write(`${JSON.stringify({ done: seq })}\n`);
process.stdin.destroy();
