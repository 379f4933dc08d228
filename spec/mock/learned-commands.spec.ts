/**
 * Commands the built-in table lacks, on both faces against a MockCluster: a module-like command (MYMOD.SET
 * key value) that a node describes in COMMAND INFO is learned once and routed by its key; a command no node
 * knows gets the server's own error; the hiredis-named calls keep 'Unknown command'.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { MockCluster } from '../../lib/testing/mock-cluster.js';
import type { MockReply } from '../../lib/testing/mock-reply.js';

/** COMMAND INFO mymod.set in RESP2: arity -3, one key at 1 (a key spec as Redis 7 writes it). */
const MYMOD_INFO: MockReply = [
  [
    'mymod.set',
    -3,
    [{ status: 'write' }],
    1,
    1,
    1,
    [],
    [],
    [
      [
        'flags',
        [{ status: 'RW' }],
        'begin_search',
        ['type', 'index', 'spec', ['index', 1]],
        'find_keys',
        ['type', 'range', 'spec', ['lastkey', 0, 'keystep', 1, 'limit', 0]],
      ],
    ],
    [],
  ],
];

interface Face {
  send(...argv: string[]): Promise<unknown>;
  hiredis(...argv: string[]): Promise<unknown>;
  close(): void;
}

const FACES: [string, (nodes: string[]) => Promise<Face>][] = [
  [
    'BlockingClusterContext',
    async (nodes) => {
      const cc = new BlockingClusterContext({ nodes });
      cc.connect();
      return {
        send: async (...argv) => cc.send(argv[0]!, ...argv.slice(1)),
        hiredis: async (...argv) => cc.commandArgv(argv),
        close: () => cc.close(),
      };
    },
  ],
  [
    'AsyncClusterContext',
    async (nodes) => {
      const acc = new AsyncClusterContext({ nodes });
      await acc.connect();
      return {
        send: (...argv) => acc.send(argv[0]!, ...argv.slice(1)),
        hiredis: (...argv) =>
          new Promise((resolve, reject) => {
            if (!acc.commandArgv((_a, reply) => resolve(reply), null, argv)) reject(acc.failure);
          }),
        close: () => acc.free(),
      };
    },
  ],
];

for (const [name, open] of FACES) {
  describe(`mock: commands learned from the cluster (${name})`, () => {
    let cluster: MockCluster;
    let face: Face;
    before(async () => {
      cluster = await MockCluster.start({ primaries: 3 });
    });
    after(async () => {
      await cluster.stop();
    });
    beforeEach(async () => {
      face = await open(cluster.addresses);
    });
    afterEach(() => face.close());

    it('learns MYMOD.SET from COMMAND INFO once and routes it by its key', async () => {
      await cluster.takeHistory();
      await cluster.replyNext([MYMOD_INFO], { command: 'COMMAND' });
      for (const key of ['user:1', 'user:2', 'other']) {
        await cluster.replyNext([{ status: 'OK' }], { node: cluster.nodeForKey(key), command: 'MYMOD.SET' });
        expect(await face.send('MYMOD.SET', key, 'v')).to.equal('OK');
      }
      const history = (await cluster.takeHistory()).filter((r) => r.argv[0] !== 'PING');
      const learned = history.filter((r) => r.argv[0]!.toUpperCase() === 'COMMAND');
      expect(learned.map((r) => r.argv)).to.deep.equal([['COMMAND', 'INFO', 'MYMOD.SET']]);
      for (const record of history.filter((r) => r.argv[0] === 'MYMOD.SET')) {
        expect(record.node).to.equal(cluster.nodeForKey(record.argv[1]!).address);
      }
      expect(history.filter((r) => r.argv[0] === 'MYMOD.SET')).to.have.length(3);
    });

    it('a command no node knows gets the server error; the hiredis-named calls refuse it', async () => {
      const err = await face.send('NOPE.CMD', 'a').then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).to.equal("ERR unknown command 'NOPE.CMD', with args beginning with: 'a' ");
      const refused = await face.hiredis('NOPE.CMD', 'a').then(
        () => null,
        (e: Error) => e,
      );
      expect(refused?.message).to.equal('Unknown command NOPE.CMD a');
    });
  });
}
