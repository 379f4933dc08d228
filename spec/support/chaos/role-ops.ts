/**
 * The ops of the links-with-roles chaos load, the same on both faces (spec/support/link-roles/run-op.ts
 * drives them): a transaction, a blocking pop that waits (nobody feeds it), and a WATCH session held open
 * for a while before its transaction. Each lane has keys of its own, so every success has one exact shape;
 * anything else is a wrong reply, reported as a failure whose message starts with WRONG.
 */
import { keySlot } from '../../../lib/cluster/keyslot.js';
import { ClusterError, ReplyError } from '../../../lib/errors.js';
import type { TagKeys } from '../link-roles/plan.js';
import { type FaceDriver, plain } from '../link-roles/run-op.js';

export type RoleKind = 'tx' | 'pop' | 'watch';

/** The start of a wrong reply's message. */
export const WRONG = 'wrong reply';
/** A pop's own wait (s): long enough to be open when the fault comes. */
export const POP_WAIT_S = 2;
/** How long a WATCH session is held between its GET and its transaction (ms). */
export const HOLD_MS = 200;

/** One op's outcome: `message` empty for a success. Times are epoch ms. */
export interface RoleRecord {
  face: 'async' | 'blocking';
  kind: RoleKind;
  start: number;
  end: number;
  message: string;
}

/** `count` hash tags `${prefix}N` whose slots lie in `ranges`. */
export function tagsInSlots(ranges: readonly [number, number][], count: number, prefix: string): string[] {
  const tags: string[] = [];
  for (let i = 0; tags.length < count; i++) {
    const slot = keySlot(`${prefix}${i}`);
    if (ranges.some(([low, high]) => slot >= low && slot <= high)) tags.push(`${prefix}${i}`);
  }
  return tags;
}

function wrong(what: string, reply: unknown): Error {
  return new Error(`${WRONG}: ${what} ${JSON.stringify(plain(reply))}`);
}

/** Runs one op of `kind` on lane keys `k`; resolves on success, throws the failure (or a wrong reply). */
export async function roleOp(
  face: FaceDriver,
  kind: RoleKind,
  k: TagKeys,
  n: number,
  hold: (ms: number) => unknown,
): Promise<void> {
  switch (kind) {
    case 'tx': {
      const reply = await face.exec([
        ['INCRBY', k.c, 1],
        ['SET', k.m, `t${n}`],
      ]);
      if (!Array.isArray(reply) || reply.length !== 2 || !Number.isInteger(reply[0]) || reply[1] !== 'OK')
        throw wrong('EXEC', reply);
      return;
    }
    case 'pop': {
      const reply = await face.send(['BLPOP', k.l[0], POP_WAIT_S]);
      if (reply !== null) throw wrong('BLPOP of a list nobody feeds', reply);
      return;
    }
    case 'watch': {
      const session = await face.watch([k.c]);
      let v0: unknown;
      try {
        v0 = await session.send(['GET', k.c]);
        await hold(HOLD_MS);
      } catch (err) {
        session.release();
        throw err;
      }
      const reply = await session.exec([
        ['INCRBY', k.c, 1],
        ['SET', k.m, `w${n}`],
      ]);
      // Nobody else writes the lane's keys: the transaction runs, on the value the session read.
      if (!Array.isArray(reply) || reply[0] !== Number(v0 ?? 0) + 1 || reply[1] !== 'OK')
        throw wrong(`EXEC after reading ${JSON.stringify(v0)}`, reply);
    }
  }
}

/** What `run` came to: '' for a success, else the failure's message (a wrong reply's starts with WRONG). */
export async function roleOutcome(run: () => Promise<void>): Promise<string> {
  try {
    await run();
    return '';
  } catch (err) {
    if (err instanceof ReplyError || err instanceof ClusterError) return err.message;
    if (err instanceof Error && err.message.startsWith(WRONG)) return err.message;
    throw err;
  }
}
