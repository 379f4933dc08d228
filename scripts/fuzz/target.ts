/**
 * What the fuzz runner drives: a target runs one case from its own seeded generator, counts what it
 * covered, and throws a {@link Finding} (with the input, printable) when the code under test misbehaves.
 */
import { Buffer } from 'node:buffer';
import type { Random } from './random.js';

/** Coverage counters of a run: how often each kind of input or outcome occurred. */
export class Stats {
  readonly counts = new Map<string, number>();

  add(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }
}

/** A misbehaviour found by a case: what went wrong and the input that made it. */
export class Finding extends Error {
  override readonly name = 'Finding';

  constructor(
    message: string,
    /** The input, printable (see {@link printable}). */
    readonly input: string,
  ) {
    super(message);
  }
}

/** One fuzz target. */
export interface FuzzTarget {
  /** As given to `--target`. */
  readonly name: string;
  /** Runs one case; throws a Finding when the code under test misbehaves. */
  run(rng: Random, stats: Stats): void | Promise<void>;
  /** Releases what the target holds between cases (servers, contexts). */
  close?(): Promise<void>;
}

/** Bytes as a JSON string with escapes (latin1), cut at `max` characters; and their length. */
export function printable(bytes: Uint8Array, max = 2000): string {
  const text = JSON.stringify(Buffer.from(bytes).toString('latin1'));
  return `${text.length > max ? `${text.slice(0, max)}..." (cut)` : text} (${bytes.length} bytes)`;
}

/** An unexpected exception: a crash, named with its type so that it is never mistaken for an answer. */
export function crash(what: string, err: unknown, input: string): Finding {
  const text = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err);
  return new Finding(`${what} threw ${text}`, input);
}
