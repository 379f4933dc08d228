/**
 * Runs one op of a links-with-roles plan on a face. The two faces are driven through one small interface
 * (the async face's calls return promises, the blocking face's return values; `await` takes both), so
 * the ops mean the same on both. Outcomes are plain JSON: they cross from the blocking child as lines.
 */
import type { AsyncClusterContext } from '../../../lib/async-context.js';
import type { BlockingClusterContext } from '../../../lib/blocking/blocking-context.js';
import { ClusterError, ReplyError } from '../../../lib/errors.js';
import type { Op, TagKeys } from './plan.js';

type Argv = (string | number)[];

/** A WATCH session of either face. */
export interface SessionDriver {
  send(argv: Argv): unknown;
  exec(commands: readonly Argv[]): unknown;
  release(): void;
}

/** One face: every call throws (or rejects with) a ReplyError for an error reply. */
export interface FaceDriver {
  send(argv: Argv, timeoutMs?: number): unknown;
  exec(commands: readonly Argv[]): unknown;
  watch(keys: readonly string[]): SessionDriver | Promise<SessionDriver>;
}

/** A reply as JSON: an error reply inside an array becomes `{ error }`. */
export function plain(value: unknown): unknown {
  if (value instanceof ReplyError) return { error: value.message };
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

/** The outcome of one op: its value, or the error it failed with (code -1: an error reply). */
export type OpOutcome = { ok: true; value: unknown } | { ok: false; code: number; error: string };

/** What a watch op reports: the session's GET, the interfering INCRBY's reply, and EXEC's (or 'released'). */
export interface WatchValue {
  v0: unknown;
  interfered: unknown;
  exec: unknown;
}

/** The blocking face returns an error reply of a session or transaction as a value: thrown here, as by send(). */
function thrown(value: unknown): unknown {
  if (value instanceof ReplyError) throw value;
  return value;
}

/** A transaction of either face with `commands` added. */
function added<T extends { add(command: string, ...args: Argv): T }>(tx: T, commands: readonly Argv[]): T {
  for (const [command, ...args] of commands as [string, ...Argv][]) tx.add(command, ...args);
  return tx;
}

export function asyncDriver(acc: AsyncClusterContext): FaceDriver {
  return {
    send: (argv, timeoutMs = -1) => {
      const [command, ...args] = argv as [string, ...Argv];
      return timeoutMs >= 0 ? acc.send({ timeout: timeoutMs }, command, ...args) : acc.send(command, ...args);
    },
    exec: (commands) => added(acc.multi(), commands).exec(),
    watch: async (keys) => {
      const session = await acc.watch(...keys);
      return {
        send: ([command, ...args]) => session.send(command as string, ...args),
        exec: (commands) => added(session.multi(), commands).exec(),
        release: () => session.release(),
      };
    },
  };
}

export function blockingDriver(cc: BlockingClusterContext): FaceDriver {
  return {
    send: (argv, timeoutMs = -1) => {
      const [command, ...args] = argv as [string, ...Argv];
      return timeoutMs >= 0 ? cc.send({ timeout: timeoutMs }, command, ...args) : cc.send(command, ...args);
    },
    exec: (commands) => thrown(added(cc.multi(), commands).exec()),
    watch: (keys) => {
      const session = cc.watch(...keys);
      return {
        send: ([command, ...args]) => thrown(session.send(command as string, ...args)),
        exec: (commands) => thrown(added(session.multi(), commands).exec()),
        release: () => session.release(),
      };
    },
  };
}

/** The commands of a tx op, in order. */
export function txCommands(op: Op & { kind: 'tx' }, k: TagKeys): Argv[] {
  const commands: Argv[] = [['INCRBY', k.c, op.by]];
  if (op.wrongType) commands.push(['LPUSH', k.c, op.marker]);
  commands.push(['SET', k.m, op.marker]);
  if (op.append !== null) commands.push(['APPEND', k.j, op.append]);
  if (op.getBack) commands.push(['GET', k.m]);
  return commands;
}

async function runWatch(face: FaceDriver, op: Op & { kind: 'watch' }, k: TagKeys): Promise<WatchValue> {
  const session = await face.watch(op.watchMarker ? [k.c, k.m] : [k.c]);
  let v0: unknown;
  let interfered: unknown = null;
  try {
    v0 = await session.send(['GET', k.c]);
    if (op.interfere > 0) interfered = await face.send(['INCRBY', k.c, op.interfere]);
  } catch (err) {
    session.release();
    throw err;
  }
  if (op.release) {
    session.release();
    return { v0, interfered, exec: 'released' };
  }
  const exec = await session.exec([
    ['INCRBY', k.c, op.by],
    ['SET', k.m, op.marker],
  ]);
  return { v0, interfered, exec: plain(exec) };
}

/** Runs `op` (not 'clients': the spec runs those) on `face`. */
export async function runOp(face: FaceDriver, op: Op, k: TagKeys): Promise<unknown> {
  switch (op.kind) {
    case 'tx':
      return plain(await face.exec(txCommands(op, k)));
    case 'watch':
      return runWatch(face, op, k);
    case 'pop':
      return plain(await face.send(['BLPOP', ...op.lists.map((i) => k.l[i]!), op.timeout]));
    case 'push':
      return face.send(['RPUSH', k.l[op.list]!, op.token]);
    case 'get':
      return face.send(['GET', k[op.key]], op.timeoutMs);
    case 'incr':
      return face.send(op.by === 1 ? ['INCR', k.c] : ['INCRBY', k.c, op.by]);
    case 'append':
      return face.send(['APPEND', k.j, op.token]);
    case 'clients':
      throw new Error('a clients op is run by the spec');
  }
}

/** `run()`'s value or failure as an outcome. */
export async function outcomeOf(run: () => Promise<unknown>): Promise<OpOutcome> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    if (err instanceof ReplyError) return { ok: false, code: -1, error: err.message };
    if (err instanceof ClusterError) return { ok: false, code: err.code, error: err.message };
    throw err;
  }
}
