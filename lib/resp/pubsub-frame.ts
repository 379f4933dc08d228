/**
 * What a subscriber link hears, read straight from its frames: a message (`message`, `pmessage`,
 * `smessage`), a confirmation (`subscribe`, `unsubscribe`, ... with the link's count), a server's own
 * `sunsubscribe` (its slot moved), an error (`-MOVED ...`), or anything else (a PONG). RESP2 sends these
 * as arrays, RESP3 as push frames; both read the same here. Strings are UTF-8. Messages are the hot path:
 * their kind is told from its bytes, without making a string of it.
 */
import { bufferView } from './buffer-view.js';

/** A frame's kind: one of the three messages, an error, or another frame (see `PubsubFrame.kind`). */
export const MESSAGE = 1;
export const PMESSAGE = 2;
export const SMESSAGE = 3;
export const ERROR = 4;
export const OTHER = 5;

/** One frame of a subscriber link, in a shape reused from frame to frame (copy what you keep). */
export interface PubsubFrame {
  /** MESSAGE, PMESSAGE, SMESSAGE, ERROR or OTHER. */
  kind: number;
  /** OTHER: the first element in lower case (`subscribe`, `sunsubscribe`, `pong`, ...); else ''. */
  name: string;
  /** The elements after the first: channel, message (pmessage: pattern, channel, message); an error's text. */
  a: string;
  b: string;
  c: string;
}

const CR = 0x0d;

/** Reads `buf[start..end)` into `into`. */
export function readPubsubFrame(buf: Uint8Array, start: number, end: number, into: PubsubFrame): PubsubFrame {
  const view = bufferView(buf);
  const type = buf[start];
  into.kind = OTHER;
  into.name = '';
  into.a = into.b = into.c = '';
  if (type === 0x2d || type === 0x21) {
    // -text, or !len text (RESP3 blob error).
    const from = type === 0x21 ? buf.indexOf(0x0a, start + 1) + 1 : start + 1;
    into.kind = ERROR;
    into.a = view.utf8Slice(from, end - 2);
    return into;
  }
  if (type !== 0x2a && type !== 0x3e) return into;
  let pos = start + 1;
  let count = 0;
  while (buf[pos] !== CR) count = count * 10 + buf[pos++]! - 48;
  pos += 2;
  for (let i = 0; i < count && pos < end; i++) {
    let text: string;
    if (buf[pos++] === 0x24) {
      let len = 0;
      while (buf[pos] !== CR) len = len * 10 + buf[pos++]! - 48;
      pos += 2;
      if (i === 0) {
        into.kind = messageKind(buf, pos, len);
        if (into.kind === OTHER) into.name = view.latin1Slice(pos, pos + len).toLowerCase();
        pos += len + 2;
        continue;
      }
      text = view.utf8Slice(pos, pos + len);
      pos += len + 2;
    } else {
      // :count, +PONG, _null: one line.
      const lineEnd = buf.indexOf(CR, pos);
      text = view.latin1Slice(pos, lineEnd);
      pos = lineEnd + 2;
      if (i === 0) {
        into.name = text.toLowerCase();
        continue;
      }
    }
    if (i === 1) into.a = text;
    else if (i === 2) into.b = text;
    else if (i === 3) into.c = text;
  }
  return into;
}

/** 'message', 'pmessage' or 'smessage' at buf[pos..pos+len), else OTHER. */
function messageKind(buf: Uint8Array, pos: number, len: number): number {
  // "message" is the last 7 bytes of all three.
  const at = pos + len - 7;
  if (
    len < 7 ||
    len > 8 ||
    buf[at] !== 0x6d ||
    buf[at + 1] !== 0x65 ||
    buf[at + 2] !== 0x73 ||
    buf[at + 3] !== 0x73 ||
    buf[at + 4] !== 0x61 ||
    buf[at + 5] !== 0x67 ||
    buf[at + 6] !== 0x65
  )
    return OTHER;
  if (len === 7) return MESSAGE;
  if (buf[pos] === 0x70) return PMESSAGE;
  return buf[pos] === 0x73 ? SMESSAGE : OTHER;
}
