/**
 * hiredis `redisFormatCommand` format strings -> argv.
 *
 * Spaces in the format split arguments (a run of spaces makes no empty argument); interpolated values
 * are never split. `%s` takes a string or bytes, `%b` one binary value (hiredis' pointer + length pair
 * is one Uint8Array here), `%%` is a literal `%`, and the printf numeric conversions format like C.
 * A `%` that ends the format is a literal `%`, as in hiredis. The arguments must be exactly one per
 * conversion: C would read garbage for a missing one and ignore an extra one; both are refused here.
 */
import { Buffer } from 'node:buffer';
import { otherError } from '../errors.js';
import { formatNumeric, type NumericConversion, parseNumericConversion } from './printf.js';

/** One piece of an argument: literal text, or a conversion consuming the next value. */
type Piece = string | { kind: 's' | 'b'; text: string } | NumericConversion;

/** A compiled format: per argument, its pieces, and how many values its conversions take. */
interface Template {
  args: Piece[][];
  conversions: number;
}

// Formats are usually literals reused call after call; compiling once saves the scan.
const cache = new Map<string, Template>();
const CACHE_LIMIT = 512;

/** Applies `format` to `args` like hiredis' redisFormatCommand; throws otherError('Invalid format string: ...'). */
export function formatArgv(format: string, args: readonly unknown[]): (string | Uint8Array)[] {
  if (typeof format !== 'string')
    throw otherError(`Invalid format string: expected a string, got ${typeof format}`);
  let template = cache.get(format);
  if (template === undefined) {
    template = compile(format);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(format, template);
  }
  if (args.length !== template.conversions) {
    throw otherError(
      `Invalid format string: wrong number of arguments, expected ${template.conversions} (one per conversion), got ${args.length}`,
    );
  }
  const pieceLists = template.args;
  const argv: (string | Uint8Array)[] = new Array(pieceLists.length);
  let next = 0;
  for (let a = 0; a < pieceLists.length; a++) {
    const pieces = pieceLists[a]!;
    if (pieces.length === 1) {
      const piece = pieces[0]!;
      argv[a] = typeof piece === 'string' ? piece : convert(piece, args[next], ++next);
      continue;
    }
    let text = '';
    let bytes: Uint8Array[] | null = null;
    for (const piece of pieces) {
      const value = typeof piece === 'string' ? piece : convert(piece, args[next], ++next);
      if (typeof value === 'string') text += value;
      else {
        bytes ??= [];
        bytes.push(Buffer.from(text), value);
        text = '';
      }
    }
    if (bytes === null) argv[a] = text;
    else {
      bytes.push(Buffer.from(text));
      argv[a] = Buffer.concat(bytes);
    }
  }
  return argv;
}

function convert(piece: Exclude<Piece, string>, arg: unknown, argNumber: number): string | Uint8Array {
  if ('conversion' in piece) return formatNumeric(piece, arg, argNumber);
  if (typeof arg === 'string' || arg instanceof Uint8Array) return arg;
  throw otherError(
    `Invalid format string: '${piece.text}' expects a string or a Uint8Array, got ${arg === null ? 'null' : typeof arg} (argument ${argNumber})`,
  );
}

function compile(format: string): Template {
  const template: Piece[][] = [];
  let conversions = 0;
  let current: Piece[] | null = null;
  let literal = '';
  const flush = (): Piece[] => {
    current ??= [];
    if (literal !== '') {
      current.push(literal);
      literal = '';
    }
    return current;
  };
  let i = 0;
  while (i < format.length) {
    const c = format.charAt(i);
    if (c === ' ') {
      if (current !== null || literal !== '') {
        template.push(flush());
        current = null;
      }
      i++;
    } else if (c !== '%' || i + 1 === format.length) {
      literal += c;
      i++;
    } else {
      const next = format.charAt(i + 1);
      if (next === '%') {
        literal += '%';
        i += 2;
      } else if (next === 's' || next === 'b') {
        flush().push({ kind: next, text: `%${next}` });
        conversions++;
        i += 2;
      } else {
        const conversion = parseNumericConversion(format, i);
        flush().push(conversion);
        conversions++;
        i = conversion.end;
      }
    }
  }
  if (current !== null || literal !== '') template.push(flush());
  return { args: template, conversions };
}
