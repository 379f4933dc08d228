/**
 * A real engine link (lib/engine/connection.ts) fed from memory: bytes arrive in the chunks a case
 * chooses, each chunk in a reused buffer that is scribbled over after the call (as the Node adapter
 * reuses its read buffer), and everything the link does is written down — frames handed to pending
 * commands, pushes, failures, the close.
 */
import { Buffer } from 'node:buffer';
import type { EventLoopAdapter, TimerHandle, Transport, TransportEvents } from '../../adapters/adapter.js';
import { Connection, type Pending } from '../../lib/engine/connection.js';
import type { ClusterError } from '../../lib/errors.js';
import type { RespLimits } from '../../lib/resp/scan.js';

/** The address every fed link has, as it appears in its error messages. */
export const FEED_ADDR = '127.0.0.1:1';

/** An adapter whose one transport is driven by the caller; timers never fire. */
class MemoryAdapter implements EventLoopAdapter {
  events: TransportEvents | null = null;

  connect(_addr: unknown, events: TransportEvents): Transport {
    this.events = events;
    return { write() {}, end() {}, destroy() {} };
  }

  setTimer(): TimerHandle {
    return {};
  }

  clearTimer(): void {}

  defer(): void {}

  now(): number {
    return 0;
  }
}

/** What the link did, in order: `frame <hex>`, `push <hex>`, `fail <code> <message>`, `close <...>`. */
export type LinkRecord = string[];

let scratch = Buffer.alloc(64 * 1024);

function failure(err: ClusterError | null): string {
  return err === null ? 'null' : `${err.code} ${err.message}`;
}

/**
 * Feeds `chunks` (their concatenation is the stream) to a new link with `pending` commands waiting and
 * returns the record.
 */
export function feedLink(chunks: readonly Buffer[], pending: number, limits: RespLimits): LinkRecord {
  const record: LinkRecord = [];
  const adapter = new MemoryAdapter();
  const [host, port] = FEED_ADDR.split(':') as [string, string];
  const link = new Connection(
    adapter,
    {
      host,
      port: Number(port),
      tls: undefined,
      connectTimeout: 0,
      commandTimeout: 0,
      readOnly: false,
      askZone: false,
      username: '',
      password: '',
      resp: 2,
      selectDb: 0,
      limits,
      connectTimeoutError: null,
    },
    {
      onConnect() {},
      onClose: (_link, err) => record.push(`close ${failure(err)}`),
      onPush: (_link, buf, start, end) =>
        record.push(`push ${Buffer.from(buf.subarray(start, end)).toString('hex')}`),
    },
  );
  const entry: Pending = {
    onFrame: (_link, buf, start, end) =>
      record.push(`frame ${Buffer.from(buf.subarray(start, end)).toString('hex')}`),
    onFail: (_link, err) => record.push(`fail ${failure(err)}`),
  };
  for (let i = 0; i < pending; i++) link.send(['GET', 'k'], entry);
  adapter.events!.onConnect();
  for (const chunk of chunks) {
    if (!link.usable) break;
    if (chunk.length > scratch.length) scratch = Buffer.alloc(chunk.length);
    chunk.copy(scratch);
    adapter.events!.onData(scratch.subarray(0, chunk.length));
    scratch.fill(0xee, 0, chunk.length);
  }
  if (link.usable) record.push(`pending ${link.pendingCount}`);
  return record;
}
