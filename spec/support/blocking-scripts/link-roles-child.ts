/**
 * The blocking face's share of the links-with-roles random spec, in its own process (a blocking call
 * blocks its thread, and the async face's ops must run meanwhile): one BlockingClusterContext for the whole
 * run. Each stdin line is a seed's ops for this face; they run one after the other and the line
 * `{"seed": n, "outcomes": [[id, outcome], ...]}` answers. The first line out is `"ready"`; `stop` or the
 * end of stdin closes the context.
 *
 *   node link-roles-child.js '{"options": {...}, "tags": ["..."]}'
 */
import { createInterface } from 'node:readline';
import { BlockingClusterContext, type BlockingOptions } from '../../../lib/blocking/blocking-context.js';
import { type Op, tagKeys } from '../link-roles/plan.js';
import { blockingDriver, outcomeOf, runOp } from '../link-roles/run-op.js';

const { options, tags } = JSON.parse(process.argv[2] ?? '{}') as { options: BlockingOptions; tags: string[] };
const keys = tags.map(tagKeys);
const cc = new BlockingClusterContext(options);
cc.connect();
const face = blockingDriver(cc);
process.stdout.write('"ready"\n');

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stop') break;
  const { seed, ops } = JSON.parse(line) as { seed: number; ops: Op[] };
  const outcomes = [];
  for (const op of ops) outcomes.push([op.id, await outcomeOf(() => runOp(face, op, keys[op.tag]!))]);
  process.stdout.write(`${JSON.stringify({ seed, outcomes })}\n`);
}
cc.close();
process.stdin.destroy();
