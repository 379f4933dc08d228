/**
 * The blocking context's worker thread: its end of the channel, Node's event loop, and a WorkerHost
 * serving until the caller closes. A failure ends the thread, and the channel's death watch reports it.
 */
import { NodeAdapter } from '../../adapters/node.js';
import { withTimerWheel } from '../../adapters/timer-wheel.js';
import { SyncPolicy } from '../engine/policy.js';
import { LinkBoard } from './link-board.js';
import { LinkLender } from './link-lender.js';
import { WorkerChannel } from './worker-channel.js';
import { WorkerHost } from './worker-host.js';
import { fromWorkerOptions, type WorkerOptions } from './worker-options.js';

const channel = new WorkerChannel();
const data = channel.data as WorkerOptions;
const options = fromWorkerOptions(data);
const adapter = withTimerWheel(new NodeAdapter(), options.timerWheel);
// Not top-level await: the worker ships as a CommonJS bundle (scripts/bundle-worker.mjs), which has none.
const lender = data.board === null ? null : new LinkLender(new LinkBoard(data.board));
void new WorkerHost(channel, adapter, options, new SyncPolicy(data.detectIdleClose), lender).run();
