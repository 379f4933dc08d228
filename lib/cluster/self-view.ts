/**
 * What a node says of itself in its CLUSTER NODES reply (the `myself` line): its config epoch, whether it
 * is a primary, and the slots it serves with no migration open. A cluster SCAN trusts a node's keys of a
 * slot only when two such views, before and after, agree (cluster-scan.ts).
 */
import { Buffer } from 'node:buffer';
import { SLOT_COUNT } from './keyslot.js';

export interface SelfView {
  epoch: number;
  primary: boolean;
  /** Per slot: 1 when served here with no migration in or out open. */
  stable: Uint8Array;
}

/** The myself line of a CLUSTER NODES reply (a string or bytes), or null when the reply has none. */
export function parseSelfView(reply: unknown): SelfView | null {
  const text =
    typeof reply === 'string' ? reply : reply instanceof Uint8Array ? Buffer.from(reply).toString() : null;
  if (text === null) return null;
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 8 || !fields[2]!.split(',').includes('myself')) continue;
    const epoch = Number(fields[6]);
    if (!Number.isInteger(epoch)) return null;
    const stable = new Uint8Array(SLOT_COUNT);
    const open: number[] = [];
    for (const token of fields.slice(8)) {
      if (token.startsWith('[')) open.push(Number.parseInt(token.slice(1), 10));
      else {
        const [start, end] = token.split('-').map(Number);
        if (start !== undefined && start >= 0) stable.fill(1, start, (end ?? start) + 1);
      }
    }
    for (const slot of open) if (slot >= 0 && slot < SLOT_COUNT) stable[slot] = 0;
    return { epoch, primary: fields[2]!.split(',').includes('master'), stable };
  }
  return null;
}

/**
 * The slots a node served for the whole time between two views of itself: both say primary with the same
 * config epoch and the slot stable. A node that lost a slot and took it back bumped its epoch (Redis' SETSLOT
 * NODE on an importing node, and a failover, take a new one), so an equal epoch rules that out.
 */
export function heldThroughout(before: SelfView | null, after: SelfView | null): Uint8Array | null {
  if (before === null || after === null || !before.primary || !after.primary) return null;
  if (before.epoch !== after.epoch) return null;
  const held = new Uint8Array(SLOT_COUNT);
  for (let slot = 0; slot < SLOT_COUNT; slot++) held[slot] = before.stable[slot]! & after.stable[slot]!;
  return held;
}

/** Slot marks as ranges text ("0-99,200"), for a cursor that goes through JSON. */
export function slotRanges(marks: Uint8Array): string {
  const parts: string[] = [];
  for (let slot = 0; slot < marks.length; slot++) {
    if (!marks[slot]) continue;
    let end = slot;
    while (end + 1 < marks.length && marks[end + 1]) end++;
    parts.push(end === slot ? String(slot) : `${slot}-${end}`);
    slot = end;
  }
  return parts.join(',');
}

/** The marks of slotRanges' text. */
export function slotMarks(ranges: string): Uint8Array {
  const marks = new Uint8Array(SLOT_COUNT);
  for (const part of ranges === '' ? [] : ranges.split(',')) {
    const [start, end] = part.split('-').map(Number);
    marks.fill(1, start!, (end ?? start!) + 1);
  }
  return marks;
}
