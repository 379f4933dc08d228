/**
 * What one seed of the links-with-roles random spec does, as data: a few hash tags (one per primary), and
 * a mix of transactions, WATCH sessions, blocking pops and ordinary commands on their keys, each op
 * marked with the face that runs it. Every value an op writes names the seed and the op, so a reply that
 * belongs to another command, or to an earlier seed, is recognised.
 */
import { Prng } from '../prng.js';

/** The keys of one hash tag: a counter, a marker, a journal (APPEND), two lists. */
export interface TagKeys {
  c: string;
  m: string;
  j: string;
  l: readonly [string, string];
}

/** The keys of tag `tag` (the spec's own prefix, so they never meet another spec's keys). */
export function tagKeys(tag: string): TagKeys {
  const base = `lrr:{${tag}}:`;
  return { c: `${base}c`, m: `${base}m`, j: `${base}j`, l: [`${base}l0`, `${base}l1`] };
}

export type FaceName = 'async' | 'blocking';

interface OpBase {
  /** Index in the seed's ops. */
  id: number;
  face: FaceName;
  /** Index into the run's tags. */
  tag: number;
  /** Async face: ms to wait before starting (0: at once). */
  delayMs: number;
}

/** MULTI, INCRBY c, [LPUSH c (WRONGTYPE at EXEC)], SET m, [APPEND j], [GET m], EXEC. */
export interface TxOp extends OpBase {
  kind: 'tx';
  by: number;
  marker: string;
  wrongType: boolean;
  append: string | null;
  getBack: boolean;
}

/**
 * WATCH c [m] on a session, GET c there, maybe INCRBY c from the context meanwhile (then EXEC must abort),
 * then the session's MULTI INCRBY c, SET m, EXEC — or release() without a transaction.
 */
export interface WatchOp extends OpBase {
  kind: 'watch';
  by: number;
  marker: string;
  watchMarker: boolean;
  interfere: number;
  release: boolean;
}

/** BLPOP on one or both lists with a short timeout (seconds, as text). */
export interface PopOp extends OpBase {
  kind: 'pop';
  lists: readonly number[];
  timeout: string;
}

export interface PushOp extends OpBase {
  kind: 'push';
  list: number;
  token: string;
}

/** GET of c, m or j; `timeoutMs` >= 0 sends it with its own deadline. */
export interface GetOp extends OpBase {
  kind: 'get';
  key: 'c' | 'm' | 'j';
  timeoutMs: number;
}

/** INCR (by 1) or INCRBY c. */
export interface IncrOp extends OpBase {
  kind: 'incr';
  by: number;
}

export interface AppendOp extends OpBase {
  kind: 'append';
  token: string;
}

/** CLIENT LIST on the tag's node in the middle of the mix (async face): the link counts seen there. */
export interface ClientsOp extends OpBase {
  kind: 'clients';
}

export type Op = TxOp | WatchOp | PopOp | PushOp | GetOp | IncrOp | AppendOp | ClientsOp;

export interface SeedPlan {
  seed: number;
  /** Indexes into the run's tags that this seed uses. */
  tags: number[];
  ops: Op[];
}

/** The ops of `seed` over `tagCount` tags; with `blocking`, about a third of them run on the blocking face. */
export function planSeed(seed: number, tagCount: number, blocking: boolean): SeedPlan {
  const rng = new Prng(seed * 7919 + 17);
  const all = Array.from({ length: tagCount }, (_, i) => i);
  const tags = all.filter(() => rng.chance(0.6));
  if (tags.length === 0) tags.push(rng.int(tagCount));
  const ops: Op[] = [];
  const count = rng.between(5, 11);
  const face = (): FaceName => (blocking && rng.chance(0.35) ? 'blocking' : 'async');
  const delay = () => rng.pick([0, 0, 0, 0, 1, 2, 4]);
  const name = (id: number) => `${seed}.${id}`;
  while (ops.length < count) {
    const id = ops.length;
    const base = { id, tag: rng.pick(tags), delayMs: delay() };
    const roll = rng.next();
    if (roll < 0.2) {
      ops.push({
        ...base,
        face: face(),
        kind: 'tx',
        by: rng.between(1, 999),
        marker: `m${name(id)}`,
        wrongType: rng.chance(0.15),
        append: rng.chance(0.3) ? `${name(id)};` : null,
        getBack: rng.chance(0.3),
      });
    } else if (roll < 0.36) {
      ops.push({
        ...base,
        face: face(),
        kind: 'watch',
        by: rng.between(1, 999),
        marker: `w${name(id)}`,
        watchMarker: rng.chance(0.3),
        interfere: rng.chance(0.3) ? rng.between(1, 999) : 0,
        release: rng.chance(0.2),
      });
    } else if (roll < 0.52) {
      const lists = rng.chance(0.3) ? [0, 1] : [rng.int(2)];
      ops.push({ ...base, face: face(), kind: 'pop', lists, timeout: rng.pick(['0.01', '0.02', '0.03']) });
      // Usually fed by another user (the async face's shared link), so the pop returns a value.
      if (rng.chance(0.7)) {
        const pid = ops.length;
        ops.push({
          id: pid,
          face: 'async',
          tag: base.tag,
          delayMs: delay(),
          kind: 'push',
          list: rng.pick(lists),
          token: `p${name(pid)}`,
        });
      }
    } else if (roll < 0.64) {
      ops.push({ ...base, face: face(), kind: 'push', list: rng.int(2), token: `p${name(id)}` });
    } else if (roll < 0.8) {
      ops.push({
        ...base,
        face: face(),
        kind: 'get',
        key: rng.pick(['c', 'm', 'j'] as const),
        timeoutMs: rng.chance(0.2) ? 5000 : -1,
      });
    } else if (roll < 0.88) {
      ops.push({ ...base, face: face(), kind: 'incr', by: rng.chance(0.5) ? 1 : rng.between(2, 999) });
    } else if (roll < 0.95) {
      ops.push({ ...base, face: face(), kind: 'append', token: `${name(id)};` });
    } else {
      ops.push({ ...base, face: 'async', kind: 'clients' });
    }
  }
  return { seed, tags, ops };
}
