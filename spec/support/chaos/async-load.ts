/**
 * A steady load on an AsyncClusterContext: one lane per key, each lane one command at a time (so the key
 * model knows exactly what a key holds), all lanes together keeping that many commands in flight. A lane
 * alternates `SET key value GET` and `GET key`; after a failure it waits `pauseMs` before its next
 * command, as an application would, so an outage does not turn into a busy loop. Every callback is
 * checked to be the one outcome of the lane's current command.
 */
import type { AsyncClusterContext } from '../../../lib/async-context.js';
import { ReplyError } from '../../../lib/errors.js';
import type { KeyModel } from './key-model.js';
import { epochMs, type Ledger, type Result } from './ledger.js';

/** One command in flight: what the callback's privdata points at. */
interface Token {
  lane: Lane;
  seq: number;
  write: boolean;
  start: number;
  done: boolean;
}

interface Lane {
  key: number;
  count: number;
  token: Token | null;
  timer: NodeJS.Timeout | null;
}

export interface AsyncLoadOptions {
  /** Wait after a failure before the lane's next command (ms). */
  pauseMs: number;
}

export class AsyncLoad {
  private readonly lanes: Lane[];
  private seq = 0;
  private stopping = false;
  /** Lanes not yet stopped. */
  private busy = 0;
  private onIdle: (() => void) | null = null;

  constructor(
    private readonly acc: AsyncClusterContext,
    private readonly ledger: Ledger,
    private readonly model: KeyModel,
    /** The model's key indexes this load writes, one lane each. */
    keys: readonly number[],
    private readonly options: AsyncLoadOptions,
  ) {
    this.lanes = keys.map((key) => ({ key, count: 0, token: null, timer: null }));
  }

  start(): void {
    this.busy = this.lanes.length;
    for (const lane of this.lanes) this.issue(lane);
  }

  /**
   * Stops issuing and waits for the commands in flight, at most `timeoutMs`; those still without an
   * outcome then are recorded as missing.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const lane of this.lanes) {
      if (lane.timer === null) continue;
      clearTimeout(lane.timer);
      lane.timer = null;
      this.idle();
    }
    if (this.busy > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const waiting = this.lanes.filter((lane) => lane.token !== null);
    if (waiting.length > 0) {
      const first = waiting[0]!.token!;
      this.ledger.missing(
        'async',
        waiting.length,
        `e.g. ${this.model.names[first.lane.key]} issued ${Math.round(epochMs() - first.start)} ms ago`,
      );
    }
  }

  private issue(lane: Lane): void {
    lane.timer = null;
    if (this.stopping) {
      this.idle();
      return;
    }
    const seq = this.seq++;
    const write = lane.count++ % 2 === 0;
    const token: Token = { lane, seq, write, start: epochMs(), done: false };
    lane.token = token;
    const name = this.model.names[lane.key]!;
    const queued = write
      ? this.acc.command(this.callback, token, 'SET %s %s GET', name, this.model.value(lane.key, seq))
      : this.acc.command(this.callback, token, 'GET %s', name);
    if (!queued) this.finish(token, { ok: false, code: this.acc.err, message: this.acc.errstr });
  }

  private readonly callback = (acc: AsyncClusterContext, reply: unknown, token: Token): void => {
    if (token.done) {
      this.ledger.extra(
        'async',
        `a second callback for ${this.model.names[token.lane.key]} seq ${token.seq}`,
      );
      return;
    }
    let result: Result;
    if (reply === null && acc.errstr !== '') result = { ok: false, code: acc.err, message: acc.errstr };
    else if (reply instanceof ReplyError) result = { ok: false, code: -1, message: reply.message };
    else result = { ok: true, value: reply };
    this.finish(token, result);
  };

  private finish(token: Token, result: Result): void {
    token.done = true;
    const lane = token.lane;
    if (lane.token !== token) {
      this.ledger.extra(
        'async',
        `a callback for ${this.model.names[lane.key]} seq ${token.seq}, not in flight`,
      );
      return;
    }
    lane.token = null;
    this.ledger.outcome('async', lane.key, token.write, token.seq, token.start, epochMs(), result);
    if (result.ok) this.issue(lane);
    else lane.timer = setTimeout(() => this.issue(lane), this.options.pauseMs);
  }

  /** A lane stopped for good. */
  private idle(): void {
    this.busy--;
    if (this.busy === 0) this.onIdle?.();
  }
}
