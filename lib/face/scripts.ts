/**
 * Lua scripts by digest (`defineScript`): a call sends `EVALSHA sha numkeys keys... args...` to its first key's
 * node (a script without keys: a random primary), and on `NOSCRIPT` sends `EVAL` there, which runs the script
 * and leaves it cached on that node. The faces hand in how one command goes out on an explicit route (its
 * outcome, an error as a value); whether that is a reply or a promise of one, the logic here is the same.
 */
import { createHash } from 'node:crypto';
import type { ClusterRoute } from '../cluster/fan-out-plan.js';
import { keySlot } from '../cluster/keyslot.js';
import type { NodeReplies } from '../cluster/response-policy.js';
import type { ClusterNode } from '../cluster/slotmap.js';
import { ClusterError, otherError, ReplyError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';

/** `defineScript`'s options. */
export interface ScriptOptions {
  /** How many of a call's arguments are keys (the first ones); the rest are ARGV. */
  keys: number;
}

/** What a script call needs of its face. */
export interface ScriptHost<R> {
  /** Sends `argv` on `route`; its outcome (a reply, or a ReplyError or ClusterError as a value), or a promise of it. */
  exchange(route: ClusterRoute, argv: readonly CommandArg[]): R;
  /** The node serving a slot now, for the script's record of the nodes that have it. */
  slotOwner(slot: number): ClusterNode | ClusterError;
  /** The primaries, for a script without keys. */
  nodes(): Iterable<ClusterNode>;
  random(): number;
}

/** A value, or a promise of one: the blocking face's and the async face's outcomes. */
type Maybe<T> = T | Promise<T>;

/** `f` after `value`: at once for a value, on settlement for a promise. */
function after<T, U>(value: Maybe<T>, f: (value: T) => U): Maybe<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/** A script's digest, its source, and the nodes (addresses) known to have it cached. */
export class Script {
  readonly sha: string;
  /** Addresses of the nodes that ran or loaded it here (a `NOSCRIPT` from one drops it). */
  readonly cachedOn = new Set<string>();

  constructor(
    readonly lua: string,
    readonly keys: number,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** One call with keys then arguments: the reply; an error reply or a failure is thrown (rejects). */
  call<R extends Maybe<unknown>>(host: ScriptHost<R>, args: readonly CommandArg[]): R {
    if (args.length < this.keys) {
      throw otherError(
        `script ${this.sha} takes ${this.keys} key${this.keys === 1 ? '' : 's'}, got ${args.length} argument${args.length === 1 ? '' : 's'}`,
      );
    }
    const { route, address } = this.target(host, args);
    const numkeys = String(this.keys);
    return after(host.exchange(route, ['EVALSHA', this.sha, numkeys, ...args]), (outcome) => {
      if (!(outcome instanceof ReplyError && outcome.prefix === 'NOSCRIPT'))
        return this.settled(outcome, address);
      this.cachedOn.delete(address);
      return after(host.exchange(route, ['EVAL', this.lua, numkeys, ...args]), (evaluated) =>
        this.settled(evaluated, address),
      );
    }) as R;
  }

  /** Records the primaries that answered `SCRIPT LOAD` (sent to each); the digest, or the first error thrown. */
  loaded(replies: NodeReplies): string {
    let failed: unknown = null;
    for (const [address, reply] of replies) {
      if (reply instanceof Error) failed ??= reply;
      else this.cachedOn.add(address);
    }
    if (failed !== null) throw failed;
    return this.sha;
  }

  /** Where a call goes: its first key's node, else a random primary, fixed so a fallback `EVAL` follows it. */
  private target(
    host: ScriptHost<unknown>,
    args: readonly CommandArg[],
  ): { route: ClusterRoute; address: string } {
    if (this.keys > 0) {
      const first = args[0]!;
      const key = first instanceof Uint8Array ? first : String(first);
      const owner = host.slotOwner(keySlot(key));
      return { route: { key }, address: owner instanceof ClusterError ? '' : owner.addr };
    }
    const primaries = [...host.nodes()];
    const node = primaries[Math.min(primaries.length - 1, Math.floor(host.random() * primaries.length))];
    if (node === undefined) throw otherError('slotmap not available');
    return { route: { node }, address: node.addr };
  }

  /** The call's result: a reply, or an error thrown; any reply (an error raised by the script too) says its node has it. */
  private settled(outcome: unknown, address: string): unknown {
    if (!(outcome instanceof ClusterError) && address !== '') this.cachedOn.add(address);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }
}

/** The async face's script: `await script(...keys, ...args)`. */
export interface AsyncScript {
  <T = unknown>(...keysAndArgs: CommandArg[]): Promise<T>;
  /** The script's SHA1 digest (hex). */
  readonly sha: string;
  /** Addresses of the nodes known to have it cached. */
  readonly cachedOn: ReadonlySet<string>;
  /** `SCRIPT LOAD` on every primary; resolves with the digest. */
  load(): Promise<string>;
}

/** The blocking face's script: `script(...keys, ...args)` returns the reply. */
export interface BlockingScript {
  <T = unknown>(...keysAndArgs: CommandArg[]): T;
  /** The script's SHA1 digest (hex). */
  readonly sha: string;
  /** Addresses of the nodes known to have it cached. */
  readonly cachedOn: ReadonlySet<string>;
  /** `SCRIPT LOAD` on every primary; returns the digest. */
  load(): string;
}

/** A face's callable for `script`: `call` runs it with the call's arguments, `load` loads it everywhere. */
export function scriptFunction<F>(
  script: Script,
  call: (args: CommandArg[]) => unknown,
  load: () => unknown,
): F {
  const fn = (...args: CommandArg[]) => call(args);
  return Object.assign(fn, { sha: script.sha, cachedOn: script.cachedOn, load }) as F;
}

/** A script from `defineScript`'s arguments, with clear errors for bad ones. */
export function defineScript(lua: unknown, options: unknown): Script {
  if (typeof lua !== 'string' || lua.length === 0)
    throw otherError(
      `defineScript: lua must be a non-empty string, got ${typeof lua === 'string' ? '""' : typeof lua}`,
    );
  const keys = (options as { keys?: unknown } | null | undefined)?.keys;
  if (typeof keys !== 'number' || !Number.isInteger(keys) || keys < 0)
    throw otherError(`defineScript: options.keys must be an integer >= 0, got ${String(keys)}`);
  return new Script(lua, keys);
}
