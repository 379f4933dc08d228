/**
 * The two faces behind one promise-shaped interface, so each whole-cluster spec runs on both: the blocking
 * face's calls run synchronously inside an async function (a throw becomes a rejection).
 */
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import type { ClusterScanOptions } from '../../lib/cluster/cluster-scan.js';
import type { ClusterRoute } from '../../lib/cluster/fan-out-plan.js';
import type { NodeReplies } from '../../lib/cluster/response-policy.js';
import type { ClusterOptions } from '../../lib/options.js';
import type { CommandArg } from '../../lib/resp/encode.js';

export interface WholeClusterFace {
  name: string;
  send(command: string, ...args: CommandArg[]): Promise<unknown>;
  /** The hiredis-named argv call. */
  commandArgv(argv: CommandArg[]): Promise<unknown>;
  sendTo(route: ClusterRoute, command: string, ...args: CommandArg[]): Promise<unknown>;
  sendEach(route: ClusterRoute, command: string, ...args: CommandArg[]): Promise<NodeReplies>;
  /** Every key of a full scan, with the cursor after `stopAfter` keys when given. */
  scan(options: ClusterScanOptions, stopAfter?: number): Promise<{ keys: unknown[]; cursor: unknown }>;
  close(): void;
}

export type FaceOpener = (options: ClusterOptions) => Promise<WholeClusterFace>;

export const FACES: readonly [string, FaceOpener][] = [
  [
    'BlockingClusterContext',
    async (options) => {
      const { adapter: _a, random: _r, addressMap: _m, ...blockingOptions } = options;
      const cc = new BlockingClusterContext(blockingOptions);
      cc.connect();
      return {
        name: 'blocking',
        send: async (command, ...args) => cc.send(command, ...args),
        commandArgv: async (argv) => {
          const reply = cc.commandArgv(argv);
          if (reply instanceof Error) throw reply;
          return reply;
        },
        sendTo: async (route, command, ...args) => cc.sendTo(route, command, ...args),
        sendEach: async (route, command, ...args) => cc.sendEach(route, command, ...args),
        scan: async (options, stopAfter) => {
          const it = cc.scan(options);
          const keys: unknown[] = [];
          for (const key of it) {
            keys.push(key);
            if (keys.length === stopAfter) break;
          }
          return { keys, cursor: it.cursor };
        },
        close: () => cc.close(),
      };
    },
  ],
  [
    'AsyncClusterContext',
    async (options) => {
      const acc = new AsyncClusterContext(options);
      await acc.connect();
      return {
        name: 'async',
        send: (command, ...args) => acc.send(command, ...args),
        commandArgv: (argv) =>
          new Promise((resolve, reject) => {
            const queued = acc.commandArgv(
              (ctx, reply) => {
                if (reply === null && ctx.failure !== null) reject(ctx.failure);
                else if (reply instanceof Error) reject(reply);
                else resolve(reply);
              },
              null,
              argv,
            );
            if (!queued) reject(acc.failure);
          }),
        sendTo: (route, command, ...args) => acc.sendTo(route, command, ...args),
        sendEach: (route, command, ...args) => acc.sendEach(route, command, ...args),
        scan: async (options, stopAfter) => {
          const it = acc.scan(options);
          const keys: unknown[] = [];
          for await (const key of it) {
            keys.push(key);
            if (keys.length === stopAfter) break;
          }
          return { keys, cursor: it.cursor };
        },
        close: () => acc.free(),
      };
    },
  ],
];
