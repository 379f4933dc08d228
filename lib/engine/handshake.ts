/**
 * What a new link sends before any command: AUTH, HELLO, SELECT and, for replica reads, READONLY — each
 * reply checked (a refusal fails the link with the server's words). The first reply also times the link's
 * round trip, and HELLO's reply names the node's availability zone when the server reports one (Valkey
 * 8.1+): what `readFrom` 'nearest' and `{ az }` choose by.
 */
import { ClusterError, REDIS_ERR_OTHER } from '../errors.js';
import { buildReply, plainReplies } from '../resp/build.js';
import type { Connection, Pending } from './connection.js';

const MINUS = 0x2d; // '-'
const BANG = 0x21; // '!'

/** What the handshake sends, from the link's settings. */
export interface HandshakeSettings {
  username: string;
  password: string;
  resp: 2 | 3;
  selectDb: number;
  /** Send READONLY: replicas then serve reads (a primary ignores it). */
  readOnly: boolean;
  /** Send HELLO even with RESP2, to learn the node's availability zone. */
  askZone: boolean;
}

/** Checks one handshake reply; a refused step fails the link with the server's words. */
export class HandshakeStep implements Pending {
  constructor(private readonly what: string) {}

  onFrame(link: Connection, buf: Uint8Array, start: number, end: number): void {
    link.handshakeAnswered();
    if (buf[start] !== MINUS && buf[start] !== BANG) return;
    const text = errorText(buf, start, end);
    link.destroy(
      new ClusterError(
        REDIS_ERR_OTHER,
        this.what === 'AUTH' ? text : `${this.what} failed: ${text}`,
        link.addr,
      ),
    );
  }

  onFail(): void {}
}

/** HELLO: checked as any step, and the zone its reply names kept on the link. */
class HelloStep extends HandshakeStep {
  override onFrame(link: Connection, buf: Uint8Array, start: number, end: number): void {
    super.onFrame(link, buf, start, end);
    if (buf[start] === MINUS || buf[start] === BANG) return;
    link.zone = zoneOf(buildReply(buf, start, end, plainReplies));
  }
}

const AUTH_STEP = new HandshakeStep('AUTH');
const HELLO_STEPS = { 2: new HelloStep('HELLO 2'), 3: new HelloStep('HELLO 3') };
const SELECT_STEP = new HandshakeStep('SELECT');
const READONLY_STEP = new HandshakeStep('READONLY');

/** Queues the handshake on a new link (it leaves first, once the link connects). */
export function sendHandshake(link: Connection, s: HandshakeSettings): void {
  if (s.password !== '') {
    link.send(s.username === '' ? ['AUTH', s.password] : ['AUTH', s.username, s.password], AUTH_STEP);
  }
  if (s.resp === 3 || s.askZone) link.send(['HELLO', String(s.resp)], HELLO_STEPS[s.resp]);
  if (s.selectDb !== 0) link.send(['SELECT', s.selectDb], SELECT_STEP);
  if (s.readOnly) link.send(['READONLY'], READONLY_STEP);
}

/** The `availability_zone` of a HELLO reply (a map, or RESP2's flat list), '' when it has none. */
function zoneOf(reply: unknown): string {
  if (reply instanceof Map) return text(reply.get('availability_zone'));
  if (!Array.isArray(reply)) return '';
  for (let i = 0; i + 1 < reply.length; i += 2) {
    if (reply[i] === 'availability_zone') return text(reply[i + 1]);
  }
  return '';
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The text of an error frame (`-text` or `!len text`). */
export function errorText(buf: Uint8Array, start: number, end: number): string {
  let from = start + 1;
  if (buf[start] === BANG) {
    while (buf[from] !== 0x0a) from++;
    from++;
  }
  return Buffer.from(buf.buffer, buf.byteOffset + from, end - 2 - from).toString('utf8');
}
