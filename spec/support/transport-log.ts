/** Transport events as text, for adapter specs: 'connect', 'data:+OK\r\n', 'close:3 Server closed ...'. */
import type { TransportError, TransportEvents } from '../../adapters/adapter.js';

export class TransportLog implements TransportEvents {
  /** What happened, in order (data chunks one entry each, as latin1 text). */
  readonly seen: string[] = [];

  onConnect(): void {
    this.seen.push('connect');
  }

  onData(chunk: Uint8Array): void {
    this.seen.push(`data:${Buffer.from(chunk).toString('latin1')}`);
  }

  onClose(error?: TransportError): void {
    this.seen.push(error === undefined ? 'close' : `close:${error.code} ${error.message}`);
  }
}
