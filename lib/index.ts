/**
 * hircluster: a Redis Cluster client for Node.js after hiredis-cluster.
 *
 * @module hircluster
 */
export type {
  ConnectAddress,
  EventLoopAdapter,
  Timer,
  TimerHandle,
  TlsOptions,
  Transport,
  TransportError,
  TransportEvents,
} from '../adapters/adapter.js';
export { ManualLoop, type ManualLoopOptions } from '../adapters/manual.js';
export { NodeAdapter, type NodeAdapterOptions } from '../adapters/node.js';
export { TimerWheel, type TimerWheelOptions, WheelTimer } from '../adapters/timer-wheel.js';
export {
  type AsyncCallback,
  AsyncClusterContext,
  type ConnectMode,
  type EventCallback,
  type LinkCallback,
  type NodeRef,
} from './async-context.js';
export {
  BlockingClusterContext,
  type BlockingOptions,
  type SyncEventCallback,
  type SyncLinkCallback,
} from './blocking/blocking-context.js';
export type { BlockingTransaction, BlockingWatchSession } from './blocking/blocking-transaction.js';
export type { SpinSetting } from './blocking/spin.js';
export { type HostPort, parseHostPort } from './cluster/address.js';
export type { ClusterScanCursor, ClusterScanOptions, LaneState } from './cluster/cluster-scan.js';
export type { ClusterRoute } from './cluster/fan-out-plan.js';
export { keySlot } from './cluster/keyslot.js';
export type { NodeReplies } from './cluster/response-policy.js';
export type { ClusterNode, OpenSlot } from './cluster/slotmap.js';
export type { PubsubOverflow } from './engine/message-queue.js';
export type { PubsubMessage } from './engine/subscriptions.js';
export { type ClusterErrorCode, ERROR_CODES } from './error-codes.js';
export * from './errors.js';
export * from './events.js';
export type { MessagesOptions } from './face/async-pubsub.js';
export type { Transaction, WatchSession } from './face/async-transaction.js';
export type { AsyncClusterScanIterator, ClusterScanIterator } from './face/cluster-scan.js';
export type { CommandOptions } from './face/context-base.js';
export type { Face, Out, RedisKey, RedisScore, RedisValue, StreamEntry } from './face/method-types.js';
export type { CommandMethods, MethodOptions } from './face/methods.generated.js';
export type { OfflineQueueOptions } from './face/offline-queue.js';
export type { SubscribeOptions } from './face/pubsub-input.js';
export type { AsyncScript, BlockingScript, ScriptOptions } from './face/scripts.js';
export type { BatchTrace, CommandTrace, ConnectTrace, SlotmapTrace, TraceFace } from './face/tracing.js';
export type { ClusterOptions, RetryBackoff } from './options.js';
export type { ReadFrom } from './read-options.js';
export * from './resp/build.js';
export { type CommandArg, encodeArgv, formatArgv } from './resp/encode.js';
export { DEFAULT_LIMITS, type RespLimits } from './resp/scan.js';
export type { InspectFunction, InspectOptions } from './secrets.js';
