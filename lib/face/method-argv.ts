/**
 * A typed method's call as argv, from its entry in lib/face/methods.generated.ts (how arguments map to
 * parameters and options: scripts/gen-methods.mjs). A value the types would refuse, given from JavaScript,
 * is refused here with the method and parameter named, before anything is sent.
 */
import { otherError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import { REPLY_SHAPES } from './reply-shapes.js';

/** An argument: [kind, key (option, field or alternative name), token ('' for none), flags, sub-arguments]. */
export type ArgSpec = readonly [
  kind: number,
  key: string,
  token: string,
  flags: number,
  sub?: readonly ArgSpec[],
];

/** A method: [command, arguments, reply shape, [parameter index, field, shape] that select another shape]. */
export type MethodSpec = readonly [
  command: string,
  args: readonly ArgSpec[],
  shape: string,
  alternatives?: readonly (readonly [index: number, field: string, shape: string])[],
];

// The table's codes, as scripts/gen-methods.mjs writes them (keep in step).
const VALUE = 0;
const PURE_TOKEN = 1;
const ONEOF = 2;
const OPTIONAL = 1;
const MULTIPLE = 2;
const MULTIPLE_TOKEN = 4;
const POSITIONAL = 8;
const NUMKEYS = 16;
const REST = 32;

type Shape = (reply: unknown) => unknown;

/** A method ready to call: its argv from the call's arguments, and the shape of its reply. */
export class Method {
  private readonly words: readonly string[];
  private readonly args: readonly ArgSpec[];
  /** Where the options object is among the call's arguments; -1 for a method without options. */
  private readonly optionsAt: number;
  private readonly shape: Shape | null;
  /** Whether any reply of it is shaped (else the reply is returned as built). */
  readonly shapes: boolean;
  private readonly alternatives: readonly (readonly [number, string, Shape | null])[];

  constructor(
    readonly name: string,
    spec: MethodSpec,
  ) {
    this.words = spec[0].split(' ');
    this.args = spec[1];
    const hasOptions = spec[1].some((a) => (a[3] & (POSITIONAL | OPTIONAL)) === OPTIONAL);
    this.optionsAt = hasOptions
      ? spec[1].filter((a) => (a[3] & (POSITIONAL | NUMKEYS)) === POSITIONAL).length
      : -1;
    this.shape = shapeNamed(spec[2]);
    this.alternatives = (spec[3] ?? []).map(([at, field, shape]) => [at, field, shapeNamed(shape)] as const);
    this.shapes = this.shape !== null || this.alternatives.length > 0;
  }

  argv(call: ArrayLike<unknown>): CommandArg[] {
    const argv: CommandArg[] = this.words.slice();
    const options =
      this.optionsAt < 0 ? undefined : (call[this.optionsAt] as Record<string, unknown> | undefined);
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw this.invalid('options', 'an object');
    }
    let at = 0;
    for (const arg of this.args) {
      const flags = arg[3];
      let value: unknown;
      if (flags & NUMKEYS) value = countKeys(call, at);
      else if (flags & REST) value = Array.prototype.slice.call(call, at);
      else if (flags & POSITIONAL) value = call[at++];
      else if (flags & OPTIONAL) value = options?.[arg[1]];
      else value = true; // a required pure token
      this.putAll(argv, arg, value);
    }
    return argv;
  }

  /** The reply as the method returns it. */
  reply(reply: unknown, call: ArrayLike<unknown>): unknown {
    let shape = this.shape;
    for (const [at, field, alternative] of this.alternatives) {
      let given = call[at] as unknown;
      if (field !== '') given = (given as Record<string, unknown> | undefined)?.[field];
      if (given !== undefined && given !== false) {
        shape = alternative;
        break;
      }
    }
    return shape === null ? reply : shape(reply);
  }

  /** An argument with its repeats; an optional one left out sends nothing. */
  private putAll(argv: CommandArg[], arg: ArgSpec, value: unknown): void {
    if (value === undefined || value === null) {
      if (arg[3] & OPTIONAL) return;
      throw this.invalid(arg[1], 'a value (it is required)');
    }
    if (!(arg[3] & MULTIPLE)) {
      this.put(argv, arg, value, true);
      return;
    }
    const items = repeated(value);
    if (items === null) throw this.invalid(arg[1], 'an array');
    if (items.length === 0 && !(arg[3] & OPTIONAL)) throw this.invalid(arg[1], 'at least one item');
    const eachToken = (arg[3] & MULTIPLE_TOKEN) !== 0;
    if (!eachToken && arg[2] !== '' && items.length > 0) argv.push(arg[2]);
    for (const item of items) this.put(argv, arg, item, eachToken);
  }

  /** One occurrence of an argument. */
  private put(argv: CommandArg[], arg: ArgSpec, value: unknown, token: boolean): void {
    const kind = arg[0];
    if (kind === PURE_TOKEN) {
      if (value !== false) argv.push(arg[2]);
      return;
    }
    if (token && arg[2] !== '') argv.push(arg[2]);
    if (kind === VALUE) argv.push(value as CommandArg);
    else if (kind === ONEOF) this.putChoice(argv, arg, value);
    else this.putBlock(argv, arg, value);
  }

  /** A oneof: a pure token's literal, `{ name: value }` for another alternative, or a plain value. */
  private putChoice(argv: CommandArg[], arg: ArgSpec, value: unknown): void {
    const alternatives = arg[4]!;
    const chosen = isFields(value)
      ? alternatives.find((a) => value[a[1]] !== undefined)
      : (alternatives.find((a) => a[0] === PURE_TOKEN && a[2] === value) ??
        alternatives.find((a) => a[0] === VALUE && a[2] === ''));
    if (chosen === undefined) {
      const names = alternatives.map((a) => (a[0] === PURE_TOKEN ? `'${a[2]}'` : `{ ${a[1]} }`));
      throw this.invalid(arg[1], `one of ${names.join(', ')}`);
    }
    if (isFields(value)) this.putAll(argv, chosen, value[chosen[1]]);
    else if (chosen[0] === PURE_TOKEN) argv.push(chosen[2]);
    else argv.push(value as CommandArg);
  }

  /** A block: a tuple (a repeated block's item) or an object of its fields. */
  private putBlock(argv: CommandArg[], arg: ArgSpec, value: unknown): void {
    const fields = arg[4]!;
    const tuple = Array.isArray(value);
    if (!tuple && !isFields(value)) throw this.invalid(arg[1], 'an object');
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      const given = tuple ? (value as unknown[])[i] : (value as Record<string, unknown>)[field[1]];
      if (field[0] === PURE_TOKEN && !(field[3] & OPTIONAL)) argv.push(field[2]);
      else this.putAll(argv, field, given);
    }
  }

  private invalid(parameter: string, expected: string): Error {
    return otherError(`Invalid argument '${parameter}' of ${this.name}(): expected ${expected}`);
  }
}

function shapeNamed(name: string): Shape | null {
  return name === '' ? null : REPLY_SHAPES[name]!;
}

/** An object of named values (not bytes, not an array). */
function isFields(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** The items of a repeated argument: an array, or a Record's / Map's entries (a field-value list). */
function repeated(value: unknown): readonly unknown[] | null {
  if (Array.isArray(value)) return value;
  if (value instanceof Map) return [...value];
  if (isFields(value)) return Object.entries(value);
  return null;
}

/** numkeys: how many keys the next argument gives (an array parameter, or the rest of the call). */
function countKeys(call: ArrayLike<unknown>, at: number): number {
  const keys = call[at];
  if (keys === undefined) return 0;
  return Array.isArray(keys) ? keys.length : call.length - at;
}
