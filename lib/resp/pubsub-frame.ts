/**
 * What a subscriber link hears, read straight from its frames: a message (`message`, `pmessage`,
 * `smessage`), a confirmation (`subscribe`, `unsubscribe`, ... with the link's count), a server's own
 * `sunsubscribe` (its slot moved), an error (`-MOVED ...`), or anything else (a PONG). RESP2 sends these
 * as arrays, RESP3 as push frames; both read the same here. Strings are UTF-8.
 */
import { bufferView } from './buffer-view.js';

/** One frame of a subscriber link, in a shape reused from frame to frame (copy what you keep). */
export interface PubsubFrame {
  /** Lower-case first element (`message`, `subscribe`, ...); `error` for an error frame; '' otherwise. */
  kind: string;
  /** Elements after the first: [channel, message], [pattern, channel, message], [channel, count]; [text] for an error. */
  args: string[];
}

const CR = 0x0d;

/** Reads `buf[start..end)` into `into`; a frame of another shape gets kind ''. */
export function readPubsubFrame(buf: Uint8Array, start: number, end: number, into: PubsubFrame): PubsubFrame {
  const view = bufferView(buf);
  const type = buf[start];
  into.kind = '';
  into.args.length = 0;
  if (type === 0x2d || type === 0x21) {
    // -text, or !len text (RESP3 blob error).
    let from = start + 1;
    if (type === 0x21) from = buf.indexOf(0x0a, from) + 1;
    into.kind = 'error';
    into.args.push(view.utf8Slice(from, end - 2));
    return into;
  }
  if (type !== 0x2a && type !== 0x3e) return into;
  let pos = start + 1;
  let count = 0;
  while (buf[pos] !== CR) count = count * 10 + buf[pos++]! - 48;
  pos += 2;
  for (let i = 0; i < count && pos < end; i++) {
    const t = buf[pos++];
    if (t === 0x24) {
      let len = 0;
      while (buf[pos] !== CR) len = len * 10 + buf[pos++]! - 48;
      pos += 2;
      const text = view.utf8Slice(pos, pos + len);
      if (i === 0) into.kind = text.toLowerCase();
      else into.args.push(text);
      pos += len + 2;
    } else {
      // :count, +PONG, _null: one line.
      const lineEnd = buf.indexOf(CR, pos);
      if (i > 0) into.args.push(view.latin1Slice(pos, lineEnd));
      pos = lineEnd + 2;
    }
  }
  return into;
}
