/**
 * The constants of hiredis-cluster's `hircluster.h` (and the hiredis ones it relies on), with their C
 * values, so code ported from C compares against the same names.
 */

export {
  REDIS_ERR_CLUSTER_TOO_MANY_RETRIES,
  REDIS_ERR_EOF,
  REDIS_ERR_IO,
  REDIS_ERR_OOM,
  REDIS_ERR_OTHER,
  REDIS_ERR_PROTOCOL,
  REDIS_ERR_TIMEOUT,
} from '../errors.js';
export {
  HIRCLUSTER_EVENT_FREE_CONTEXT,
  HIRCLUSTER_EVENT_READY,
  HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
} from '../events.js';
export {
  REDIS_REPLY_ARRAY,
  REDIS_REPLY_ATTR,
  REDIS_REPLY_BIGNUM,
  REDIS_REPLY_BOOL,
  REDIS_REPLY_DOUBLE,
  REDIS_REPLY_ERROR,
  REDIS_REPLY_INTEGER,
  REDIS_REPLY_MAP,
  REDIS_REPLY_NIL,
  REDIS_REPLY_PUSH,
  REDIS_REPLY_SET,
  REDIS_REPLY_STATUS,
  REDIS_REPLY_STRING,
  REDIS_REPLY_VERB,
} from '../resp/reply-types.js';

/** hiredis `REDIS_OK`: what a successful call returns. */
export const REDIS_OK = 0;
/** hiredis `REDIS_ERR`: what a failed call returns; `err`/`errstr` say why. */
export const REDIS_ERR = -1;

/** Number of hash slots in a Redis Cluster. */
export const REDIS_CLUSTER_SLOTS = 16384;

/** `node.role` of a node added with `redisClusterSetOptionAddNode`, before the first slot map. */
export const REDIS_ROLE_NULL = 0;
/** `node.role` of a master. */
export const REDIS_ROLE_MASTER = 1;
/** `node.role` of a replica (listed in `node.slaves` with `HIRCLUSTER_FLAG_ADD_SLAVE`). */
export const REDIS_ROLE_SLAVE = 2;

/** No flag. */
export const HIRCLUSTER_FLAG_NULL = 0x0;
/** Keep replicas in `node.slaves` (never used for routing). */
export const HIRCLUSTER_FLAG_ADD_SLAVE = 0x1000;
/** Keep CLUSTER NODES' migrating/importing slots in `node.migrating` / `node.importing`. */
export const HIRCLUSTER_FLAG_ADD_OPENSLOT = 0x2000;
/** Ask `CLUSTER SLOTS` for the slot map; without it hiredis-cluster asks `CLUSTER NODES`. */
export const HIRCLUSTER_FLAG_ROUTE_USE_SLOTS = 0x4000;
/** Set by `redisClusterAsyncDisconnect` / `redisClusterAsyncFree`, cleared by `redisClusterAsyncConnect2`. */
export const HIRCLUSTER_FLAG_SHUTDOWN = 0x8000;
/**
 * hircluster's own flag, beyond hiredis-cluster's (a C `reply->str` is bytes already): STRING and VERB
 * replies carry `str` as a Buffer, a copy of the `len` bytes the server sent, so binary values come back
 * intact. Without it `str` is UTF-8 text and bytes that are not UTF-8 read back as U+FFFD (`00 01 ff`
 * reads `00 01 ef bf bd`). Set it with redisClusterSetOptionReturnBuffers(cc), or pass it to
 * redisClusterConnect / redisClusterAsyncConnect. STATUS, ERROR, DOUBLE and BIGNUM `str` stay text.
 */
export const HIRCLUSTER_FLAG_RETURN_BUFFERS = 0x10000;
