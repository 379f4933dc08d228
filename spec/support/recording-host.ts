/**
 * The real WorkerHost with its batch sink watched: every outcome the engine gives is counted per command and
 * logged in the order it came, before the host writes it into the answer.
 */
import { WorkerHost } from '../../lib/blocking/worker-host.js';
import type { ClusterError } from '../../lib/errors.js';
import { buildReply, plainReplies } from '../../lib/resp/build.js';

export class RecordingHost extends WorkerHost {
  /** Outcomes per command of the current batch (see expect()). */
  counts: number[] = [];
  /** Outcomes in arrival order: `index reply-as-JSON` or `index failed code message`. */
  readonly log: string[] = [];

  /** The next batch has `count` commands. */
  expect(count: number): void {
    this.counts = new Array(count).fill(0);
    this.log.length = 0;
  }

  override reply(index: number, buf: Uint8Array, start: number, end: number): void {
    this.counts[index]!++;
    this.log.push(`${index} ${JSON.stringify(buildReply(buf, start, end, plainReplies))}`);
    super.reply(index, buf, start, end);
  }

  override failure(index: number, err: ClusterError): void {
    this.counts[index]!++;
    this.log.push(`${index} failed ${err.code} ${err.message}`);
    super.failure(index, err);
  }
}
