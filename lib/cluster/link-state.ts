/**
 * Commands that change the state of the link they run on. A node's shared command link carries every
 * user's commands, one after the other, and is reopened as needed: a subscription, a transaction, a
 * database, a reply mode, a protocol or a name set there would land on other users' commands (a reply
 * handed to the wrong command, a write lost inside someone's transaction) or vanish at the next
 * reconnect. Every command of both faces is checked against this table before it is queued; a match is
 * refused at the call, and the error says what to use instead.
 */
import { type ClusterError, otherError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import { addName, lookupName } from './command-name.js';

const PUBSUB =
  'use subscribe(), psubscribe() or ssubscribe() and their un... forms (subscriptions get links of their own)';
const TRANSACTION = 'use multi() ... exec() (a transaction gets a link of its own)';
const WATCH = 'use watch(...keys), then multi() ... exec()';
const CLOSE = 'close the context instead (disconnect() or free(); close() on the blocking context)';
const SHARED = 'it would apply to every user of the link and be lost when the link reconnects';

/** Each command or CLIENT subcommand (upper case) that changes a link's state, and what to use instead. */
export const LINK_STATE_COMMANDS: Readonly<Record<string, string>> = {
  SUBSCRIBE: PUBSUB,
  PSUBSCRIBE: PUBSUB,
  SSUBSCRIBE: PUBSUB,
  UNSUBSCRIBE: PUBSUB,
  PUNSUBSCRIBE: PUBSUB,
  SUNSUBSCRIBE: PUBSUB,
  MULTI: TRANSACTION,
  EXEC: TRANSACTION,
  DISCARD: TRANSACTION,
  WATCH,
  UNWATCH: WATCH,
  SELECT: 'use the selectDb option',
  AUTH: 'use the username and password options',
  HELLO: 'use the resp, username and password options',
  RESET: CLOSE,
  QUIT: CLOSE,
  MONITOR: 'not supported on a cluster context (use redis-cli MONITOR on the node)',
  ASKING: "the client follows ASK redirects itself (ASKING would apply to another user's command)",
  READONLY: 'replica reads are not supported yet',
  READWRITE: 'replica reads are not supported yet',
  SYNC: 'replication is not supported on a cluster context',
  PSYNC: 'replication is not supported on a cluster context',
  REPLCONF: 'replication is not supported on a cluster context',
  'CLIENT REPLY': 'every command gets its reply (a null callback discards it)',
  'CLIENT TRACKING': 'client-side caching is not supported',
  'CLIENT CACHING': 'client-side caching is not supported',
  'CLIENT SETNAME': SHARED,
  'CLIENT SETINFO': SHARED,
  'CLIENT NO-EVICT': SHARED,
  'CLIENT NO-TOUCH': SHARED,
};

/** Per name (upper and lower case): the refusal's message, or CLIENT's messages per subcommand. */
const TABLE = new Map<string, string | Map<string, string>>();
/**
 * Per upper-case first letter, a bit per length of the table's names with it: most commands (GET, SET,
 * HGET, MGET, EXPIRE, ...) are ruled out by two numbers, without building or hashing a string.
 */
const LENGTHS = new Uint32Array(128);
for (const [name, instead] of Object.entries(LINK_STATE_COMMANDS)) {
  const message = `${name} is not allowed on a shared cluster link: ${instead}`;
  const [command, sub] = name.split(' ') as [string, string | undefined];
  LENGTHS[command.charCodeAt(0)]! |= 1 << command.length;
  if (sub === undefined) {
    addName(TABLE, command, message);
    continue;
  }
  let subs = TABLE.get(command);
  if (subs === undefined) {
    subs = new Map();
    addName(TABLE, command, subs);
  }
  addName(subs as Map<string, string>, sub, message);
}
/** Longest name in the table: longer byte arguments cannot be one. */
const MAX_NAME_LENGTH = Math.max(...Object.keys(LINK_STATE_COMMANDS).map((name) => name.length));

/**
 * Why `argv` may not run on a shared link (REDIS_ERR_OTHER; the message starts with the command's
 * name), or null when it may.
 */
export function linkStateRefusal(argv: readonly CommandArg[]): ClusterError | null {
  if (argv.length === 0 || !mayBeListed(argv[0]!)) return null;
  let entry = lookupName(TABLE, argv[0]!, MAX_NAME_LENGTH);
  if (entry !== undefined && typeof entry !== 'string')
    entry = argv.length > 1 ? lookupName(entry, argv[1]!, MAX_NAME_LENGTH) : undefined;
  return entry === undefined ? null : otherError(entry);
}

/** False when no name of the table has `arg`'s first letter (in any case) and length. */
function mayBeListed(arg: CommandArg): boolean {
  let first: number;
  if (typeof arg === 'string') first = arg.charCodeAt(0);
  else if (arg instanceof Uint8Array) first = arg[0]!;
  else return false;
  // & 0xdf upper-cases an ASCII letter; anything else only risks a lookup that finds nothing.
  return arg.length < 32 && first < 128 && (LENGTHS[first & 0xdf]! & (1 << arg.length)) !== 0;
}
