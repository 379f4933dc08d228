/** Worker entry of a thread-hosted hostile cluster (see hostile-cluster.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { type HostileRules, serveHostileClusterThread } from './hostile-cluster.js';

await serveHostileClusterThread(workerData as HostileRules, parentPort!);
