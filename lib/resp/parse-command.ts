/**
 * A pre-encoded RESP command (hiredis' "formatted command") back to its argv, for routing.
 */
import { Buffer } from 'node:buffer';
import { ClusterError, REDIS_ERR_PROTOCOL } from '../errors.js';

/** Largest count or length accepted (Redis' own multibulk/bulk limits are below this). */
const MAX_NUMBER = 2 ** 31 - 1;

/** hiredis-cluster's parser failure: REDIS_ERR_PROTOCOL, as for every command it cannot parse. */
function parseError(): Error {
  return new ClusterError(REDIS_ERR_PROTOCOL, 'Command parse error');
}

/** Reads `<digits>\r\n` at `pos`; returns [value, offset after the CRLF]. */
function readNumber(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  const start = pos;
  while (pos < bytes.length) {
    const c = bytes[pos]!;
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
    if (value > MAX_NUMBER) throw parseError();
    pos++;
  }
  if (pos === start || bytes[pos] !== 13 || bytes[pos + 1] !== 10) throw parseError();
  return [value, pos + 2];
}

/**
 * One RESP multibulk of bulk strings (exactly one command, nothing after it) -> argv as Buffers copied
 * out of `bytes`. Inline commands, empty commands and anything malformed throw 'Command parse error' (REDIS_ERR_PROTOCOL).
 */
export function parseCommand(bytes: Uint8Array): Buffer[] {
  if (!(bytes instanceof Uint8Array) || bytes[0] !== 42) throw parseError();
  const [count, first] = readNumber(bytes, 1);
  if (count === 0) throw parseError();
  const argv: Buffer[] = [];
  let pos = first;
  for (let i = 0; i < count; i++) {
    if (bytes[pos] !== 36) throw parseError();
    const [len, start] = readNumber(bytes, pos + 1);
    const end = start + len;
    if (end + 2 > bytes.length || bytes[end] !== 13 || bytes[end + 1] !== 10) throw parseError();
    argv.push(Buffer.from(bytes.subarray(start, end)));
    pos = end + 2;
  }
  if (pos !== bytes.length) throw parseError();
  return argv;
}
