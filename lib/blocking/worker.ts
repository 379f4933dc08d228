/**
 * The blocking context's worker thread: its end of the channel, Node's event loop, and a WorkerHost
 * serving until the caller closes. A failure ends the thread, and the channel's death watch reports it.
 * The build bundles this module (worker-body.cjs), which worker-loader.ts runs.
 */
import { NodeAdapter } from '../../adapters/node.js';
import { withTimerWheel } from '../../adapters/timer-wheel.js';
import { SyncPolicy } from '../engine/policy.js';
import { LinkBoard } from './link-board.js';
import { LinkLender } from './link-lender.js';
import { WorkerChannel } from './worker-channel.js';
import { WorkerHost } from './worker-host.js';
import { fromWorkerOptions, type WorkerData } from './worker-options.js';

/** What the bundle exports to the loader. */
export interface WorkerEntry {
  runWorker(beforeClose: (servedCommands: boolean) => void): void;
}

/** Serves the channel until the caller closes; `beforeClose` as in {@link WorkerHost.run}. */
export function runWorker(beforeClose: (servedCommands: boolean) => void): void {
  const channel = new WorkerChannel();
  const data = channel.data as WorkerData;
  const options = fromWorkerOptions(data.options);
  const adapter = withTimerWheel(new NodeAdapter(), options.timerWheel);
  const lender = data.board === null ? null : new LinkLender(new LinkBoard(data.board));
  const policy = new SyncPolicy(data.options.detectIdleClose);
  void new WorkerHost(channel, adapter, options, policy, lender).run(beforeClose);
}
