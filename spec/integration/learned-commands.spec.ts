/**
 * Learning a command from the server reads COMMAND INFO as scripts/gen-commands.mjs does: for every command
 * and subcommand of the generated table, the entry read from the plain cluster's own reply (RESP2 and RESP3)
 * has the table's arity, flags, key specs and tips.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { COMMANDS } from '../../lib/cluster/commands.generated.js';
import { parseCommandInfo } from '../../lib/cluster/learned-commands.js';
import { PLAIN } from '../support/clusters.js';

for (const resp of [2, 3] as const) {
  describe(`integration: commands read from COMMAND INFO as the generator reads them (RESP${resp})`, () => {
    it('every command and subcommand of the table', async () => {
      const acc = new AsyncClusterContext({ nodes: PLAIN[0]!, resp });
      await acc.connect();
      try {
        const reply = (await acc.sendTo('random-primary', 'COMMAND', 'INFO')) as unknown[][];
        let compared = 0;
        for (const entry of reply) {
          const entries: [string, unknown[]][] = [[String(entry[0]).toUpperCase(), entry]];
          for (const sub of entry[9] as unknown[][])
            entries.push([String(sub[0]).toUpperCase().replace('|', ' '), sub]);
          for (const [name, info] of entries) {
            const table = COMMANDS[name]!;
            const learned = parseCommandInfo(info);
            const fields = (i: typeof table) => [
              i.arity,
              i.flags,
              i.firstKey,
              i.lastKey,
              i.step,
              i.keySpecs,
              i.requestPolicy,
              i.responsePolicy,
            ];
            expect(fields(learned), name).to.deep.equal(fields(table));
            compared++;
          }
        }
        expect(compared).to.equal(Object.keys(COMMANDS).length);
      } finally {
        acc.free();
      }
    });
  });
}
