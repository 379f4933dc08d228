/**
 * The commands refused on a shared link (lib/cluster/link-state.ts), each with an argv that sends it
 * and the exact text of its refusal, written out here so that the table cannot change unnoticed.
 */

const PUBSUB =
  'use subscribe(), psubscribe() or ssubscribe() and their un... forms (subscriptions get links of their own)';
const TRANSACTION = 'use multi() ... exec() (a transaction gets a link of its own)';
const WATCH = 'use watch(...keys), then multi() ... exec()';
const CLOSE = 'close the context instead (disconnect() or free(); close() on the blocking context)';
const LOST = 'it would apply to every user of the link and be lost when the link reconnects';
const REPLICATION = 'replication is not supported on a cluster context';

/** `[argv, what to use instead]` of every refused command; `{key}` in an argument is the spec's key. */
const INSTEAD: [argv: string[], instead: string][] = [
  [['SUBSCRIBE', 'linkstate:a', 'linkstate:b'], PUBSUB],
  [['PSUBSCRIBE', 'linkstate:*'], PUBSUB],
  [['SSUBSCRIBE', '{key}'], PUBSUB],
  [['UNSUBSCRIBE'], PUBSUB],
  [['PUNSUBSCRIBE'], PUBSUB],
  [['SUNSUBSCRIBE', '{key}'], PUBSUB],
  [['MULTI'], TRANSACTION],
  [['EXEC'], TRANSACTION],
  [['DISCARD'], TRANSACTION],
  [['WATCH', '{key}'], WATCH],
  [['UNWATCH'], WATCH],
  [['SELECT', '0'], 'use the selectDb option'],
  [['AUTH', 'secretword'], 'use the username and password options'],
  [['HELLO', '3'], 'use the resp, username and password options'],
  [['RESET'], CLOSE],
  [['QUIT'], CLOSE],
  [['MONITOR'], 'not supported on a cluster context (use redis-cli MONITOR on the node)'],
  [['ASKING'], "the client follows ASK redirects itself (ASKING would apply to another user's command)"],
  [['READONLY'], 'replica reads are not supported yet'],
  [['READWRITE'], 'replica reads are not supported yet'],
  [['SYNC'], REPLICATION],
  [['PSYNC', '?', '-1'], REPLICATION],
  [['REPLCONF', 'listening-port', '7999'], REPLICATION],
  [['CLIENT', 'REPLY', 'OFF'], 'every command gets its reply (a null callback discards it)'],
  [['CLIENT', 'REPLY', 'SKIP'], 'every command gets its reply (a null callback discards it)'],
  [['CLIENT', 'REPLY', 'ON'], 'every command gets its reply (a null callback discards it)'],
  [['CLIENT', 'TRACKING', 'ON'], 'client-side caching is not supported'],
  [['CLIENT', 'CACHING', 'YES'], 'client-side caching is not supported'],
  [['CLIENT', 'SETNAME', 'linkstate'], LOST],
  [['CLIENT', 'SETINFO', 'LIB-NAME', 'linkstate'], LOST],
  [['CLIENT', 'NO-EVICT', 'ON'], LOST],
  [['CLIENT', 'NO-TOUCH', 'ON'], LOST],
];

/** The command's name as the table and the refusal spell it. */
export function linkStateName(argv: readonly string[]): string {
  return argv[0] === 'CLIENT' ? `CLIENT ${argv[1]}` : argv[0]!;
}

/** `[argv, exact refusal]` of every refused command. */
export const LINK_STATE_REFUSALS: readonly [argv: string[], message: string][] = INSTEAD.map(
  ([argv, instead]) => [argv, `${linkStateName(argv)} is not allowed on a shared cluster link: ${instead}`],
);

/** A refusal's exact text by the command's name, e.g. refusalOf('MULTI'). */
export function refusalOf(name: string): string {
  const row = LINK_STATE_REFUSALS.find(([argv]) => linkStateName(argv) === name);
  if (row === undefined) throw new Error(`${name} is not a link-state command`);
  return row[1];
}
