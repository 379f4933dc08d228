/**
 * The JavaScript values typed command methods return, made from replies built with the plain reply builder
 * (strings, or Buffers for the binary-safe methods) under either protocol: where RESP3 answers with a map,
 * a set, a double or nested pairs and RESP2 with a flat array or a bulk string, both become the same value.
 */
import { Buffer } from 'node:buffer';

type Reply = unknown;

/** A map key or an ID as text. */
function text(value: Reply): string {
  return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

/** A score or a float: RESP3 sends a double, RESP2 a bulk string ("inf" included). */
function number(value: Reply): number | null {
  if (value === null || typeof value === 'number') return value as number | null;
  const s = text(value);
  if (s === 'inf' || s === '+inf') return Number.POSITIVE_INFINITY;
  if (s === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(s);
}

/** A RESP3 map or a RESP2 flat array of keys and values, as an object. */
function object(value: Reply): Record<string, unknown> | null {
  if (value === null) return null;
  const out: Record<string, unknown> = {};
  if (value instanceof Map) {
    for (const [k, v] of value) out[text(k)] = v;
    return out;
  }
  const flat = value as unknown[];
  for (let i = 0; i + 1 < flat.length; i += 2) out[text(flat[i])] = flat[i + 1];
  return out;
}

/** Pairs from RESP3 (an array of pairs) or RESP2 (a flat array), the second of each made by `second`. */
function pairs(value: Reply, second: (v: Reply) => unknown): [unknown, unknown][] {
  const items = value as unknown[];
  const out: [unknown, unknown][] = [];
  if (items.length > 0 && Array.isArray(items[0])) {
    for (const pair of items as unknown[][]) out.push([pair[0], second(pair[1])]);
  } else {
    for (let i = 0; i + 1 < items.length; i += 2) out.push([items[i], second(items[i + 1])]);
  }
  return out;
}

const same = (v: Reply): Reply => v;

function entries(value: Reply): unknown[] {
  return (value as [Reply, Reply][]).map(([id, fields]) => [text(id), object(fields)]);
}

/** The shapes by the name scripts/method-replies.mjs gives them. */
export const REPLY_SHAPES: Readonly<Record<string, (reply: Reply) => unknown>> = {
  text: (v) => (v === null ? null : text(v)),
  number,
  numbers: (v) => (v as Reply[]).map(number),
  object,
  objects: (v) => (v as Reply[]).map(object),
  list: (v) => (v instanceof Set ? [...v] : v),
  scored: (v) => pairs(v, number),
  pairs: (v) => pairs(v, same),
  entries,
  streams(v) {
    if (v === null) return null;
    const out: Record<string, unknown> = {};
    const streams = v instanceof Map ? v : (v as [Reply, Reply][]);
    for (const [key, items] of streams) out[text(key)] = entries(items);
    return out;
  },
  autoclaim(v) {
    const [next, claimed, deleted] = v as [Reply, Reply, Reply[]];
    return [text(next), entries(claimed), deleted.map(text)];
  },
  autoclaimIds(v) {
    const [next, ids, deleted] = v as [Reply, Reply[], Reply[]];
    return [text(next), ids.map(text), deleted.map(text)];
  },
  ids: (v) => (v as Reply[]).map(text),
  bzpop: (v) => (v === null ? null : [(v as Reply[])[0], (v as Reply[])[1], number((v as Reply[])[2])]),
  zmpop: (v) => (v === null ? null : [(v as Reply[])[0], pairs((v as Reply[])[1], number)]),
  coordinates: (v) =>
    (v as (Reply[] | null)[]).map((p) => (p === null ? null : [number(p[0]), number(p[1])])),
};
