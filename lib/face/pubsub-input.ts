/**
 * The pub/sub calls' arguments, checked the same way on both faces: which subscription kind a call or a
 * command names, its channels or patterns (at least one, each a string), and its options. Bad input is a
 * ClusterError naming the problem, thrown before anything is sent.
 */
import { addName, lookupName } from '../cluster/command-name.js';
import type { SubscriptionKind } from '../engine/subscriptions.js';
import { otherError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';

/** Options of subscribe() and psubscribe(). */
export interface SubscribeOptions {
  /**
   * Subscribe on every primary of the cluster, following primaries that join or leave, rather than on one
   * node: what keyspace notifications need (each node publishes only its own keys' events). Not for
   * PUBLISHed channels, which every node broadcasts: each primary would deliver them once.
   */
  everyPrimary?: boolean;
}

/** A subscribe or unsubscribe command, by its name. */
export interface PubsubCommand {
  kind: SubscriptionKind;
  subscribe: boolean;
  name: string;
}

const COMMANDS = new Map<string, PubsubCommand>();
for (const [name, off, kind] of [
  ['SUBSCRIBE', 'UNSUBSCRIBE', 'channel'],
  ['PSUBSCRIBE', 'PUNSUBSCRIBE', 'pattern'],
  ['SSUBSCRIBE', 'SUNSUBSCRIBE', 'sharded'],
] as const) {
  addName(COMMANDS, name, { kind, subscribe: true, name });
  addName(COMMANDS, off, { kind, subscribe: false, name: off });
}

/** The subscribe family command `argv` is (any case, string or bytes), or null. */
export function pubsubCommandOf(argv: readonly CommandArg[]): PubsubCommand | null {
  const name = argv[0];
  if (typeof name !== 'string' && !(name instanceof Uint8Array)) return null;
  return lookupName(COMMANDS, name, 'PUNSUBSCRIBE'.length) ?? null;
}

/** What one subscription kind's calls are called and subscribe to. */
const NOUN: Readonly<Record<SubscriptionKind, string>> = {
  channel: 'channel',
  pattern: 'pattern',
  sharded: 'channel',
};
const CALL: Readonly<Record<SubscriptionKind, string>> = {
  channel: 'SUBSCRIBE',
  pattern: 'PSUBSCRIBE',
  sharded: 'SSUBSCRIBE',
};

/** The names of a subscribe call (`args`: options first, optionally, then names as strings or bytes). */
export function subscribeArgs(
  kind: SubscriptionKind,
  args: readonly unknown[],
): { names: string[]; everyPrimary: boolean } {
  let everyPrimary = false;
  let rest = args;
  const first = args[0];
  if (typeof first === 'object' && first !== null && !(first instanceof Uint8Array)) {
    const value = (first as SubscribeOptions).everyPrimary;
    if (value !== undefined && typeof value !== 'boolean')
      throw otherError(`Invalid subscribe option 'everyPrimary': must be a boolean, got ${typeof value}`);
    everyPrimary = value === true;
    rest = args.slice(1);
  }
  if (everyPrimary && kind === 'sharded')
    throw otherError(
      "SSUBSCRIBE cannot be on every primary: a sharded channel lives on its slot's primary (use psubscribe or subscribe with everyPrimary)",
    );
  const names = pubsubNames(kind, rest);
  if (names.length === 0) throw otherError(`${CALL[kind]} needs at least one ${NOUN[kind]}`);
  return { names, everyPrimary };
}

/** The names of an unsubscribe call: none means all of that kind. */
export function pubsubNames(kind: SubscriptionKind, args: readonly unknown[]): string[] {
  return args.map((arg) => {
    if (typeof arg === 'string') return arg;
    if (arg instanceof Uint8Array)
      return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('utf8');
    throw otherError(`Invalid ${NOUN[kind]}: expected a string, got ${arg === null ? 'null' : typeof arg}`);
  });
}
