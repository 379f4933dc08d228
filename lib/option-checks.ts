/**
 * How one option value is checked, and the wording of what is wrong with it: "Invalid option 'name':
 * must be ..., got <value>" (the channel's options: "expected an integer from min to max").
 */
import { otherError } from './errors.js';

/** Throws "Invalid option 'name': why, got <value>". */
export function invalid(name: string, why: string, value: unknown): never {
  throw otherError(`Invalid option '${name}': ${why}, got ${describe(value)}`);
}

/** A value as an error names it: strings quoted, objects and functions by their kind. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** An integer option, `fallback` when undefined. */
export function integer(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
    invalid(name, `must be an integer ${range}`, value);
  }
  return value;
}

/** A boolean option, false when undefined. */
export function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') invalid(name, 'must be a boolean', value);
  return value;
}

/** A string option, '' when undefined or null. */
export function text(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') invalid(name, 'must be a string', value);
  return value;
}

/** A secret: a wrong one is named by its type only, never shown. */
export function secret(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    const type = Array.isArray(value) ? 'an array' : `a value of type ${typeof value}`;
    throw otherError(`Invalid option '${name}': must be a string, got ${type}`);
  }
  return value;
}

/** An integer option of the blocking context's channel, in `min..max`, `fallback` when undefined. */
export function channelInteger(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw otherError(
      `Invalid option '${name}': expected an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}
