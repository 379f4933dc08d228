/**
 * Reading topology replies as the plain reply builder makes them: bulk strings are strings, or Buffers
 * when the builder was asked for `returnBuffers`; integers are numbers.
 */

import { Buffer } from 'node:buffer';

/** The text of a string or byte-string reply value; undefined for anything else. */
export function replyText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString();
  return undefined;
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}
