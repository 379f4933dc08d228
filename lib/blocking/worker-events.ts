/** What the worker tells the blocking context's caller about, delivered before the reply of the call. */
import type { ClusterNode } from '../cluster/slotmap.js';

export type WorkerEvent =
  | { type: 'slotmap-updated'; version: number; nodes: ClusterNode[] }
  | { type: 'ready' }
  | { type: 'node-added' | 'node-removed'; node: ClusterNode }
  | { type: 'connect'; host: string; port: number }
  | { type: 'connect-error' | 'disconnect'; host: string; port: number; code: number; message: string };
