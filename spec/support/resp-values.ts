/**
 * Values -> RESP2 bytes, for the fake nodes of the specs (scripted nodes on loopback, the simulated
 * network's nodes): what a server sends, written as plain JS values.
 */
import { Buffer } from 'node:buffer';

/** A `+status` or `-error` line: what a plain JS value cannot say. */
export class Line {
  constructor(
    readonly prefix: '+' | '-',
    readonly text: string,
  ) {
    if (/[\r\n]/.test(text)) throw new Error(`a RESP line cannot hold CR or LF: ${JSON.stringify(text)}`);
  }
}

/** `+text`, e.g. `status('OK')`. */
export function status(text: string): Line {
  return new Line('+', text);
}

/** `-text`, e.g. `error('MOVED 12182 127.0.0.1:7001')`. */
export function error(text: string): Line {
  return new Line('-', text);
}

/** string / Uint8Array -> bulk, integer number / bigint -> `:n`, null -> `$-1`, arrays -> `*n`. */
export type RespValue = string | Uint8Array | number | bigint | null | Line | readonly RespValue[];

/** The RESP2 encoding of `value`. */
export function encodeResp(value: RespValue): Buffer {
  const parts: Buffer[] = [];
  encodeInto(value, parts);
  return Buffer.concat(parts);
}

function encodeInto(value: RespValue, parts: Buffer[]): void {
  if (value === null) parts.push(Buffer.from('$-1\r\n'));
  else if (typeof value === 'string' || value instanceof Uint8Array) {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isInteger(value)) {
      throw new Error(`RESP2 has no doubles: send ${value} as a string or with sendRaw()`);
    }
    parts.push(Buffer.from(`:${value}\r\n`));
  } else if (value instanceof Line) parts.push(Buffer.from(`${value.prefix}${value.text}\r\n`));
  else {
    parts.push(Buffer.from(`*${value.length}\r\n`));
    for (const item of value) encodeInto(item, parts);
  }
}

/** A CLUSTER SLOTS reply: [start, end, [host, port, id]] per range, the id 'id-<name>'. */
export function slots(
  ...ranges: [number, number, { host: string; port: number; name: string }][]
): RespValue {
  return ranges.map(([start, end, node]) => [start, end, [node.host, node.port, `id-${node.name}`]]);
}
