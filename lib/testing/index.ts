/**
 * hircluster/testing: {@link MockCluster}, a Redis Cluster inside a test on loopback sockets, with its
 * data in ioredis-mock (an optional peer dependency: `npm install --save-dev ioredis-mock ioredis`).
 *
 * @module hircluster/testing
 */
export type {
  MockCommandRecord,
  MockMigration,
  MockNodeInfo,
  MockSnapshot,
} from './control-protocol.js';
export { dataCommandFamilies as mockCommandFamilies } from './data-commands.js';
export {
  MockCluster,
  type MockClusterOptions,
  type MockNodeRef,
  type ReplyNextOptions,
} from './mock-cluster.js';
export {
  type DoubleReply,
  type ErrorReply,
  type MapReply,
  type MockReply,
  mockError,
  mockStatus,
  type RawReply,
  rawReply,
  type SetReply,
  type StatusReply,
  type VerbatimReply,
} from './mock-reply.js';
