/**
 * The one gate every command of both faces passes before it is queued, in each of the forms callers
 * give it (a format string and its values, argv, pre-encoded RESP): the argv it makes, checked — a
 * command name is there, every argument has a type that can be sent, the format took exactly its
 * values, and the command does not change the state of the shared link it would run on. A bad command
 * throws a ClusterError naming the problem, before anything reaches a link. Also the async calls'
 * reply callback, checked the same way.
 */
import { addName, lookupName } from '../cluster/command-name.js';
import { linkStateRefusal } from '../cluster/link-state.js';
import { otherError } from '../errors.js';
import { type CommandArg, checkArgv, formatArgv } from '../resp/encode.js';
import { parseCommand } from '../resp/parse-command.js';
import type { CommandOptions } from './context-base.js';
import { type PubsubCommand, pubsubCommandOf } from './pubsub-input.js';

/** A subscribe-family command and its argv, which the async face runs hiredis' way rather than refusing. */
export interface PubsubCall {
  pubsub: PubsubCommand;
  argv: readonly CommandArg[];
}

/** An argument that gives no command name: none, or an empty one. */
function isMissing(name: unknown): boolean {
  return (
    name === undefined || ((typeof name === 'string' || name instanceof Uint8Array) && name.length === 0)
  );
}

function missingName(): Error {
  return otherError('Invalid command: missing command name');
}

/** argv of sendable arguments, refused when it has no name or would change its link's state. */
function allowed<A extends readonly CommandArg[]>(argv: A): A {
  if (isMissing(argv[0])) throw missingName();
  const refusal = linkStateRefusal(argv);
  if (refusal !== null) throw refusal;
  return argv;
}

/** As allowed(), but a subscribe-family command comes back as a PubsubCall (looked for only among refusals). */
function allowedOrPubsub<A extends readonly CommandArg[]>(argv: A): A | PubsubCall {
  if (isMissing(argv[0])) throw missingName();
  const refusal = linkStateRefusal(argv);
  if (refusal === null) return argv;
  const pubsub = pubsubCommandOf(argv);
  if (pubsub === null) throw refusal;
  return { pubsub, argv };
}

/** commandFromFormat, commandFromArgv and commandFromBytes for callers that run subscribe commands. */
export function commandOrPubsubFromFormat(
  format: string,
  args: readonly unknown[],
): (string | Uint8Array)[] | PubsubCall {
  return allowedOrPubsub(formatArgv(format, args));
}

export function commandOrPubsubFromArgv(argv: readonly CommandArg[]): readonly CommandArg[] | PubsubCall {
  if (Array.isArray(argv) && isMissing(argv[0])) throw missingName();
  checkArgv(argv);
  return allowedOrPubsub(argv);
}

export function commandOrPubsubFromBytes(bytes: Uint8Array): Buffer[] | PubsubCall {
  return allowedOrPubsub(parseCommand(bytes));
}

/** A command given as a format string and its values (hiredis' redisFormatCommand rules). */
export function commandFromFormat(format: string, args: readonly unknown[]): (string | Uint8Array)[] {
  return allowed(formatArgv(format, args));
}

/** A command given as argv. */
export function commandFromArgv(argv: readonly CommandArg[]): readonly CommandArg[] {
  // The name first: send() without one makes [undefined], a missing name rather than a bad argument.
  if (Array.isArray(argv) && isMissing(argv[0])) throw missingName();
  checkArgv(argv);
  return allowed(argv);
}

/** What a WATCH session's own link is for: the link-state commands that pass there. */
const SESSION_COMMANDS = new Map<string, true>();
addName(SESSION_COMMANDS, 'WATCH', true);
addName(SESSION_COMMANDS, 'UNWATCH', true);

/**
 * A command for a WATCH session's own link (argv): as {@link commandFromArgv}, but WATCH and UNWATCH, which
 * change only the session's own watch, pass.
 */
export function sessionCommandFromArgv(argv: readonly CommandArg[]): readonly CommandArg[] {
  const name = Array.isArray(argv) ? argv[0] : undefined;
  const named = typeof name === 'string' || name instanceof Uint8Array;
  if (named && lookupName(SESSION_COMMANDS, name, 'UNWATCH'.length) !== undefined) {
    checkArgv(argv);
    return argv;
  }
  return commandFromArgv(argv);
}

/** A command given pre-encoded (one RESP multibulk), as argv. */
export function commandFromBytes(bytes: Uint8Array): Buffer[] {
  return allowed(parseCommand(bytes));
}

/**
 * Whether `send()`'s first argument is its options (an object that is not bytes) rather than the command's
 * name: anything else, undefined included, is taken as the name and checked as one.
 */
export function isCommandOptions(first: unknown): first is CommandOptions {
  return typeof first === 'object' && first !== null && !(first instanceof Uint8Array);
}

/** hiredis' NULL callback: the command runs and its reply is dropped. */
function discardReply(): void {}

/**
 * The callback a command's outcome goes to: `fn`, or one that drops it when `fn` is null or undefined
 * (fire and forget, as hiredis takes a NULL callback). Anything else is refused.
 */
export function replyCallback<F extends (...args: never[]) => void>(fn: F | null | undefined): F {
  if (fn === null || fn === undefined) return discardReply as F;
  if (typeof fn === 'function') return fn;
  throw otherError(`Invalid callback: expected a function or null, got ${typeof fn}`);
}
