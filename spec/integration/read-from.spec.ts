/**
 * readFrom on the real 3+3 cluster, both faces: with 'replica' the replicas' `INFO commandstats` count the
 * reads and the primaries' the writes (replicas also count the writes they replicate); with 'preferReplica' in RESP3 the same; with 'primary' (the
 * default) no replica is touched. Commands used nowhere else in the specs (HINCRBY, HSTRLEN) keep the
 * counts the spec's own.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext, type BlockingOptions } from '../../lib/blocking/blocking-context.js';
import { PLAIN, PLAIN_PORTS } from '../support/clusters.js';
import { RawClient } from '../support/raw-client.js';

const KEYS = Array.from({ length: 30 }, (_, i) => `readfrom:${i}`);

/** One INFO field of a node's `INFO commandstats`: the calls of `command`, 0 when absent. */
function calls(info: string, command: string): number {
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
  return match === null ? 0 : Number(match[1]);
}

/** Each node's role and its HINCRBY / HSTRLEN calls since CONFIG RESETSTAT. */
async function countsByRole(): Promise<{ primary: number[][]; replica: number[][] }> {
  const out = { primary: [] as number[][], replica: [] as number[][] };
  for (const port of PLAIN_PORTS) {
    const raw = await RawClient.connect({ host: '127.0.0.1', port });
    const role = ((await raw.call(['ROLE'])) as string[])[0] === 'master' ? 'primary' : 'replica';
    const info = String(await raw.call(['INFO', 'commandstats']));
    out[role].push([calls(info, 'hincrby'), calls(info, 'hstrlen')]);
    await raw.close();
  }
  return out;
}

async function resetStats(): Promise<void> {
  for (const port of PLAIN_PORTS) {
    const raw = await RawClient.connect({ host: '127.0.0.1', port });
    await raw.call(['CONFIG', 'RESETSTAT']);
    await raw.close();
  }
}

type Run = (options: Omit<BlockingOptions, 'nodes'>) => Promise<void>;

const asyncRun: Run = async (options) => {
  const acc = new AsyncClusterContext({ nodes: PLAIN, ...options });
  await acc.connect();
  try {
    for (const key of KEYS) expect(await acc.send('HINCRBY', key, 'f', 1)).to.be.a('number');
    for (const key of KEYS) expect(await acc.send('HSTRLEN', key, 'f')).to.be.at.least(1);
  } finally {
    acc.free();
  }
};

const blockingRun: Run = async (options) => {
  const cc = new BlockingClusterContext({ nodes: PLAIN, ...options });
  try {
    cc.connect();
    for (const key of KEYS) expect(cc.send('HINCRBY', key, 'f', 1)).to.be.a('number');
    for (const key of KEYS) expect(cc.send('HSTRLEN', key, 'f')).to.be.at.least(1);
  } finally {
    cc.close();
  }
};

for (const [name, run] of [
  ['AsyncClusterContext', asyncRun],
  ['BlockingClusterContext', blockingRun],
] as const) {
  describe(`integration: readFrom on ${name} (plain cluster)`, function () {
    this.timeout(30_000);

    for (const [readFrom, resp] of [
      ['replica', 2],
      ['preferReplica', 3],
    ] as const) {
      it(`'${readFrom}' (RESP${resp}): the replicas serve every read, the primaries every write`, async () => {
        await resetStats();
        await run({ readFrom, resp });
        const { primary, replica } = await countsByRole();
        expect(primary.reduce((sum, [writes]) => sum + writes!, 0)).to.equal(KEYS.length);
        expect(primary.map(([, reads]) => reads)).to.deep.equal([0, 0, 0]);
        // (A replica runs its primary's writes too, replicated: its HINCRBY count is not the client's.)
        expect(replica.reduce((sum, [, reads]) => sum + reads!, 0)).to.equal(KEYS.length);
        // Every replica had its shard's share.
        for (const [, reads] of replica) expect(reads).to.be.above(0);
      });
    }

    it("'primary' (the default): the replicas see nothing", async () => {
      await resetStats();
      await run({});
      const { primary, replica } = await countsByRole();
      expect(primary.reduce((sum, [, reads]) => sum + reads!, 0)).to.equal(KEYS.length);
      expect(replica.map(([, reads]) => reads)).to.deep.equal([0, 0, 0]);
    });
  });
}
