/**
 * How one option value is checked, and the wording of what is wrong with it: "Invalid option 'name':
 * must be ..., got <value>" (the channel's options: "expected an integer from min to max").
 */
import type { TimerWheelOptions } from '../adapters/timer-wheel.js';
import type { SpinSetting } from './blocking/spin.js';
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

/** The `timerWheel` option: undefined for none, else the wheel's settings. */
export function resolveTimerWheel(
  value: boolean | TimerWheelOptions | undefined,
): TimerWheelOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    invalid('timerWheel', 'must be a boolean or { tickMs, slots }', value);
  }
  for (const key of Object.keys(value)) {
    if (key !== 'tickMs' && key !== 'slots') throw otherError(`Unknown option 'timerWheel.${key}'`);
  }
  const wheel: TimerWheelOptions = {};
  if (value.tickMs !== undefined) wheel.tickMs = integer('timerWheel.tickMs', value.tickMs, 1, 1, 60_000);
  if (value.slots !== undefined) {
    const slots = integer('timerWheel.slots', value.slots, 1, 1, 2 ** 24);
    if ((slots & (slots - 1)) !== 0) invalid('timerWheel.slots', 'must be a power of two', slots);
    wheel.slots = slots;
  }
  return wheel;
}

/** The blocking context's busy-polling: 'auto', or a budget in µs. */
export function spinSetting(value: unknown): SpinSetting {
  if (value === undefined || value === 'auto') return 'auto';
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw otherError(`Invalid option 'spin': expected 'auto' or a number of µs >= 0, got ${String(value)}`);
}
