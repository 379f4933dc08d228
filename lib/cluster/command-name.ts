/**
 * Command and subcommand names as callers spell them, looked up in a table: a table holds each name in
 * upper and lower case, so the usual spellings take one Map lookup; any other is upper-cased first.
 */
import type { CommandArg } from '../resp/encode.js';

/** Adds `name` (upper case) to `table` in upper and lower case. */
export function addName<T>(table: Map<string, T>, name: string, value: T): void {
  table.set(name, value);
  table.set(name.toLowerCase(), value);
}

/**
 * `table`'s entry for the name `arg`, in any case. Bytes longer than `maxLength` (the table's longest
 * name) and numbers are no name.
 */
export function lookupName<T>(
  table: ReadonlyMap<string, T>,
  arg: CommandArg,
  maxLength: number,
): T | undefined {
  let name: string;
  if (typeof arg === 'number' || typeof arg === 'bigint') return undefined;
  if (typeof arg === 'string') {
    name = arg;
  } else {
    // Command names are short ASCII: build the string directly instead of through a Buffer view.
    if (arg.length > maxLength) return undefined;
    name = '';
    for (let i = 0; i < arg.length; i++) name += String.fromCharCode(arg[i]!);
  }
  return table.get(name) ?? table.get(name.toUpperCase());
}
