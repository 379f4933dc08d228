/**
 * The checks of one seed of the links-with-roles random spec: every op's reply has its own op's shape and
 * values, and the keys read back at the end hold exactly what the committed writes made, none lost.
 * Concurrent writes are put in server order by their own replies: an INCRBY's result and an APPEND's length
 * each follow from the write before them, so sorted by them the writes must chain exactly (a reply handed
 * to the wrong command, or a write applied twice or not at all, breaks the chain).
 */
import type { Op, SeedPlan, TagKeys } from './plan.js';
import type { OpOutcome, WatchValue } from './run-op.js';
import { txCommands } from './run-op.js';

/** A tag's keys as read back at the end. */
export interface TagFinal {
  c: unknown;
  m: unknown;
  j: unknown;
  l: readonly [unknown[], unknown[]];
}

/** What happened, summed over seeds. */
export interface Figures {
  ops: Map<string, number>;
  txCommitted: number;
  watchExec: number;
  watchAborted: number;
  watchReleased: number;
  popValue: number;
  popTimeout: number;
}

export function newFigures(): Figures {
  return {
    ops: new Map(),
    txCommitted: 0,
    watchExec: 0,
    watchAborted: 0,
    watchReleased: 0,
    popValue: 0,
    popTimeout: 0,
  };
}

/** Adds `from` to `into`. */
export function addFigures(into: Figures, from: Figures): void {
  for (const [kind, n] of from.ops) into.ops.set(kind, (into.ops.get(kind) ?? 0) + n);
  into.txCommitted += from.txCommitted;
  into.watchExec += from.watchExec;
  into.watchAborted += from.watchAborted;
  into.watchReleased += from.watchReleased;
  into.popValue += from.popValue;
  into.popTimeout += from.popTimeout;
}

interface Step {
  op: Op;
  by: number;
  result: number;
}

/** What the ops did to one tag's keys. */
class TagModel {
  readonly increments: Step[] = [];
  /** Markers set, with the counter result of the same transaction (its place in server order). */
  readonly markers: { op: Op; result: number; marker: string }[] = [];
  readonly appends: { op: Op; token: string; length: number }[] = [];
  readonly pushed: [Map<string, Op>, Map<string, Op>] = [new Map(), new Map()];
  readonly popped: { op: Op; list: number; token: string }[] = [];
  readonly reads: { op: Op; key: 'c' | 'm' | 'j'; value: unknown }[] = [];
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

/** Checks one seed; returns the violations (empty when all is well) and adds to `figures`. */
export function checkSeed(
  plan: SeedPlan,
  keysOf: (tag: number) => TagKeys,
  outcomes: ReadonlyMap<number, OpOutcome>,
  finals: ReadonlyMap<number, TagFinal>,
  figures: Figures,
): string[] {
  const violations: string[] = [];
  const models = new Map(plan.tags.map((tag) => [tag, new TagModel()]));
  for (const op of plan.ops) {
    const name = `${op.kind}/${op.face}`;
    figures.ops.set(name, (figures.ops.get(name) ?? 0) + 1);
    const bad = (text: string) => violations.push(`seed ${plan.seed} op ${op.id} (${name}): ${text}`);
    const outcome = outcomes.get(op.id);
    if (outcome === undefined) bad('no outcome');
    else if (!outcome.ok) bad(`failed: ${outcome.error} (code ${outcome.code})`);
    else if (op.kind !== 'clients')
      record(op, outcome.value, models.get(op.tag)!, keysOf(op.tag), bad, figures);
  }
  for (const [tag, model] of models) {
    const bad = (text: string) => violations.push(`seed ${plan.seed} tag ${tag}: ${text}`);
    checkTag(model, finals.get(tag)!, bad);
  }
  return violations;
}

/** Checks one op's reply against its own op and records what it wrote. */
function record(
  op: Op,
  value: unknown,
  model: TagModel,
  k: TagKeys,
  bad: (text: string) => void,
  figures: Figures,
): void {
  switch (op.kind) {
    case 'tx': {
      const commands = txCommands(op, k);
      if (!Array.isArray(value) || value.length !== commands.length) {
        bad(`EXEC replied ${show(value)} for ${commands.length} commands`);
        return;
      }
      commands.forEach((argv, i) => {
        const reply = value[i];
        const wanted =
          argv[0] === 'INCRBY' || argv[0] === 'APPEND'
            ? isInt(reply)
            : argv[0] === 'LPUSH'
              ? String((reply as { error?: string } | null)?.error).startsWith('WRONGTYPE')
              : argv[0] === 'SET'
                ? reply === 'OK'
                : reply === op.marker;
        if (!wanted) bad(`${argv[0]} in the transaction replied ${show(reply)}`);
      });
      if (!isInt(value[0])) return;
      figures.txCommitted++;
      model.increments.push({ op, by: op.by, result: value[0] });
      model.markers.push({ op, result: value[0], marker: op.marker });
      if (op.append !== null) {
        const length = value[commands.findIndex((argv) => argv[0] === 'APPEND')];
        if (isInt(length)) model.appends.push({ op, token: op.append, length });
      }
      return;
    }
    case 'watch': {
      const { v0, interfered, exec } = value as WatchValue;
      model.reads.push({ op, key: 'c', value: v0 });
      if (op.interfere > 0) {
        if (isInt(interfered)) model.increments.push({ op, by: op.interfere, result: interfered });
        else bad(`the interfering INCRBY replied ${show(interfered)}`);
      }
      if (op.release) {
        figures.watchReleased++;
        if (exec !== 'released') bad(`released, yet EXEC replied ${show(exec)}`);
        return;
      }
      if (exec === null) {
        figures.watchAborted++;
        return;
      }
      figures.watchExec++;
      if (op.interfere > 0) bad(`EXEC ran although the watched key changed after WATCH: ${show(exec)}`);
      if (!Array.isArray(exec) || exec.length !== 2 || !isInt(exec[0]) || exec[1] !== 'OK') {
        bad(`EXEC replied ${show(exec)}`);
        return;
      }
      if (exec[0] !== Number(v0 ?? 0) + op.by)
        bad(`INCRBY ${op.by} after reading ${show(v0)} under WATCH replied ${exec[0]}`);
      model.increments.push({ op, by: op.by, result: exec[0] });
      model.markers.push({ op, result: exec[0], marker: op.marker });
      return;
    }
    case 'pop': {
      if (value === null) {
        figures.popTimeout++;
        return;
      }
      const [key, token] = Array.isArray(value) ? value : [];
      const list = op.lists.find((i) => k.l[i] === key);
      if (!Array.isArray(value) || value.length !== 2 || list === undefined || typeof token !== 'string') {
        bad(`BLPOP replied ${show(value)}`);
        return;
      }
      figures.popValue++;
      model.popped.push({ op, list, token });
      return;
    }
    case 'push':
      if (isInt(value) && value >= 1) model.pushed[op.list]!.set(op.token, op);
      else bad(`RPUSH replied ${show(value)}`);
      return;
    case 'get':
      model.reads.push({ op, key: op.key, value });
      return;
    case 'incr':
      if (isInt(value)) model.increments.push({ op, by: op.by, result: value });
      else bad(`INCRBY replied ${show(value)}`);
      return;
    case 'append':
      if (isInt(value)) model.appends.push({ op, token: op.token, length: value });
      else bad(`APPEND replied ${show(value)}`);
      return;
    case 'clients':
      return;
  }
}

/** The tag's final values against its model, and every read against the states the keys went through. */
function checkTag(model: TagModel, final: TagFinal, bad: (text: string) => void): void {
  const steps = [...model.increments].sort((a, b) => a.result - b.result);
  let counter = 0;
  for (const step of steps) {
    if (step.result - step.by !== counter)
      bad(`op ${step.op.id} added ${step.by} and got ${step.result}, after the counter was ${counter}`);
    counter = step.result;
  }
  const counterStates = new Set<unknown>([null, ...steps.map((s) => String(s.result))]);
  const lastCounter = steps.length === 0 ? null : String(counter);
  if (final.c !== lastCounter)
    bad(`counter read back ${show(final.c)}, the committed writes make ${lastCounter}`);

  const markers = [...model.markers].sort((a, b) => a.result - b.result);
  const lastMarker = markers.at(-1)?.marker ?? null;
  if (final.m !== lastMarker) bad(`marker read back ${show(final.m)}, the last committed is ${lastMarker}`);
  const markerStates = new Set<unknown>([null, ...markers.map((m) => m.marker)]);

  const appends = [...model.appends].sort((a, b) => a.length - b.length);
  let journal = '';
  const journalStates = new Set<unknown>([null]);
  for (const append of appends) {
    if (append.length - append.token.length !== journal.length)
      bad(
        `op ${append.op.id} appended ${append.token} and got length ${append.length} after ${journal.length}`,
      );
    journal += append.token;
    journalStates.add(journal);
  }
  if (final.j !== (appends.length === 0 ? null : journal))
    bad(`journal read back ${show(final.j)}, the appends make ${show(journal)}`);

  const states = { c: counterStates, m: markerStates, j: journalStates };
  for (const read of model.reads) {
    if (!states[read.key].has(read.value))
      bad(`op ${read.op.id} read ${read.key} as ${show(read.value)}, a value it never held`);
  }

  for (const list of [0, 1]) {
    const pushed = model.pushed[list]!;
    const taken = new Set<string>();
    for (const pop of model.popped.filter((p) => p.list === list)) {
      if (!pushed.has(pop.token)) bad(`op ${pop.op.id} popped ${pop.token}, never pushed to list ${list}`);
      if (taken.has(pop.token)) bad(`${pop.token} popped twice from list ${list}`);
      taken.add(pop.token);
    }
    const left = final.l[list]!;
    for (const token of left) {
      if (!pushed.has(token as string) || taken.has(token as string))
        bad(`list ${list} holds ${show(token)} at the end: not pushed, or popped too`);
    }
    if (new Set(left).size !== left.length) bad(`list ${list} holds a value twice: ${show(left)}`);
    if (left.length + taken.size !== pushed.size)
      bad(`list ${list}: ${pushed.size} pushed, ${taken.size} popped, ${left.length} left`);
  }
}
