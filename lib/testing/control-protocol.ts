/**
 * The messages between `MockCluster` (the test's thread) and the worker thread that hosts the nodes:
 * the operations the worker offers, and the snapshot of the topology sent back after each one. The
 * nodes live in a worker so that a BlockingClusterContext, which blocks its thread, can talk to them;
 * one worker hosts every cluster of the process.
 *
 * @module
 */
import type { TlsOptions } from 'node:tls';
import type { Injection } from './injected-replies.js';

/** One node as a test sees it. */
export interface MockNodeInfo {
  /** Node id: 40 hex characters. */
  readonly id: string;
  /** Always a loopback address. */
  readonly host: string;
  /** The port it listens on (an ephemeral one). */
  readonly port: number;
  /** `host:port`, as seeds, redirects and `nodes()` of the contexts write it. */
  readonly address: string;
  /** `master` (a primary) or `replica`. */
  readonly role: 'master' | 'replica';
  /** The id of a replica's primary; null for a primary. */
  readonly primaryId: string | null;
  /** Slot ranges a primary serves, ascending; empty for replicas. */
  readonly slots: readonly (readonly [number, number])[];
  /** Dropped by `drop()`: not listening, flagged `fail`. */
  readonly dropped: boolean;
  /** Stalled by `stall()`: commands wait until `resume()`. */
  readonly stalled: boolean;
  /** The reply delay set with `delay()`, in ms. */
  readonly delayMs: number;
  /** The availability zone the node reports in `HELLO`; null for none. */
  readonly availabilityZone: string | null;
}

/** A slot on its way between two primaries (by address). */
export interface MockMigration {
  /** The slot. */
  readonly slot: number;
  /** `host:port` of the primary it leaves. */
  readonly from: string;
  /** `host:port` of the primary it goes to. */
  readonly to: string;
}

/** The topology after an operation. */
export interface MockSnapshot {
  /** Primaries first, in the order they joined, then replicas. */
  readonly nodes: readonly MockNodeInfo[];
  /** Slots being migrated. */
  readonly migrations: readonly MockMigration[];
}

/** One command a node received. */
export interface MockCommandRecord {
  /** The node's `host:port`. */
  readonly node: string;
  /** The arguments as UTF-8 text. */
  readonly argv: readonly string[];
}

/** What the worker needs to start the nodes. */
export interface WorkerStartOptions {
  primaries: number;
  replicasPerPrimary: number;
  password: string;
  resp3: boolean;
  tls: TlsOptions | undefined;
  /** The zone of each node, in creation order (primaries, then replicas round by round). */
  availabilityZones: readonly (string | null)[];
}

/** A result now or later. */
type Awaitable<T> = T | Promise<T>;

/** The operations of the worker; nodes are named by id. */
export interface ControlOps {
  start(options: WorkerStartOptions): Awaitable<void>;
  stop(): Awaitable<void>;
  beginMigration(slot: number, to: string): void;
  moveSlotKeys(slot: number, count: number): number;
  finishMigration(slot: number): void;
  failover(node: string): string;
  addNode(replicaOf: string | null, availabilityZone: string | null): Awaitable<string>;
  setAvailabilityZone(node: string, zone: string | null): void;
  removeNode(node: string): Awaitable<void>;
  delay(node: string | null, ms: number): void;
  stall(node: string): void;
  resume(node: string): void;
  drop(node: string): Awaitable<void>;
  restore(node: string): Awaitable<void>;
  closeLinks(node: string): number;
  replyNext(injections: Injection[]): void;
  takeHistory(): MockCommandRecord[];
}

/** Test thread -> worker. */
export interface ControlRequest {
  readonly id: number;
  /** Which cluster of the worker: a number the test thread picks, `start` creates it. */
  readonly cluster: number;
  readonly op: keyof ControlOps;
  readonly args: readonly unknown[];
}

/** Worker -> test thread: the result or the error message, and the topology afterwards. */
export type ControlResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown; readonly snapshot: MockSnapshot }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly snapshot: MockSnapshot };
