/**
 * What each key of a chaos load may hold. Every key has one writer that runs one command at a time, and
 * every written value is `<key>:<seq>`, so a value names the key and the write it came from. A value read
 * back (GET, or the old value `SET ... GET` returns) is right when it is the key's last acknowledged write,
 * or a write whose outcome was an error (it may or may not have been applied, even late: a node stopped
 * with SIGSTOP runs the commands it had read once it continues). Anything else — another key's value, a
 * value never written, an acknowledged write gone — is a violation.
 *
 * One allowance, Redis' own: replication is asynchronous, so a primary killed with SIGKILL may take the
 * writes it acknowledged in its last instant with it. `allowLoss` names those (the killed primary's keys,
 * acknowledged no earlier than just before the kill); every other acknowledged write must read back.
 *
 * And one for reads from replicas (`readFrom`): a GET may return what a replica has not yet replaced —
 * a write superseded at most `staleReadsMs` before the read was answered, or nil while the key's first
 * write is that recent. `staleReads` counts them.
 */

/** An acknowledged write: its sequence number and when its acknowledgement came (epoch ms). */
interface Acked {
  seq: number;
  at: number;
}

/** Which acknowledged writes Redis may lose: `key` index, acknowledged at `at` (epoch ms). */
export type LossAllowance = (key: number, at: number) => boolean;

/** Acknowledged writes kept per key. */
const HISTORY = 64;

class KeyState {
  /** Acknowledged writes, oldest first. */
  readonly acked: Acked[] = [];
  /** When the first write was acknowledged (epoch ms). */
  firstAck = Number.POSITIVE_INFINITY;
  /** Writes that failed: each may have been applied. */
  readonly maybe = new Set<number>();
}

export class KeyModel {
  readonly names: string[];
  private readonly states: KeyState[];
  private allowLoss: LossAllowance = () => false;
  /** Descriptions of wrong values, at most `maxViolations` kept. */
  readonly violations: string[] = [];
  violationCount = 0;
  /** Acknowledged writes that did not read back but Redis may lose (see `allowLoss`). */
  lostWrites = 0;
  private readonly maxViolations = 20;
  /** How far behind a read may be (ms): reads may come from replicas. 0: none may. */
  staleReadsMs = 0;
  /** Reads that returned a superseded write (or nil) within `staleReadsMs`. */
  staleReads = 0;

  constructor(names: readonly string[]) {
    this.names = [...names];
    this.states = names.map(() => new KeyState());
  }

  /** The value a write of `key` with sequence number `seq` stores. */
  value(key: number, seq: number): string {
    return `${this.names[key]}:${seq}`;
  }

  /** Sets which acknowledged writes Redis may lose (a primary killed with SIGKILL). */
  setLossAllowance(allow: LossAllowance): void {
    this.allowLoss = allow;
  }

  /** A write's outcome: acknowledged at `at`, or failed (it may still have been applied). */
  written(key: number, seq: number, ok: boolean, at: number): void {
    const state = this.states[key]!;
    if (!ok) {
      state.maybe.add(seq);
      return;
    }
    state.acked.push({ seq, at });
    if (state.firstAck === Number.POSITIVE_INFINITY) state.firstAck = at;
    // Only the last few acknowledged writes can matter (a loss takes the writes of an instant): bounded.
    if (state.acked.length > 2 * HISTORY) state.acked.splice(0, HISTORY);
  }

  /**
   * Checks a value read from `key` (`what` names the command for the report); `readAt` (epoch ms) for a read
   * that may be stale (a GET, which readFrom may send to a replica).
   */
  read(key: number, value: unknown, what: string, readAt?: number): void {
    const state = this.states[key]!;
    const name = this.names[key]!;
    const last = state.acked.at(-1);
    const staleSince =
      readAt === undefined || this.staleReadsMs === 0 ? Infinity : readAt - this.staleReadsMs;
    if (value === null) {
      if (last === undefined || this.lost(key, state, -1)) return;
      if (state.firstAck >= staleSince) {
        this.staleReads++;
        return;
      }
      this.violation(`${what} ${name}: nil, but write ${last.seq} was acknowledged`);
      return;
    }
    if (typeof value !== 'string' || !value.startsWith(`${name}:`)) {
      this.violation(`${what} ${name}: ${JSON.stringify(value)} is not a value of this key`);
      return;
    }
    const seq = Number(value.slice(name.length + 1));
    if (!Number.isInteger(seq)) {
      this.violation(`${what} ${name}: ${JSON.stringify(value)} has no sequence number`);
      return;
    }
    if (seq === last?.seq || state.maybe.has(seq)) return;
    if (this.lost(key, state, seq)) return;
    const index = state.acked.findIndex((a) => a.seq === seq);
    // Superseded by the next acknowledged write: stale, if that one came recently enough.
    if (index >= 0 && state.acked[index + 1]!.at >= staleSince) {
      this.staleReads++;
      return;
    }
    const known = index >= 0;
    this.violation(
      `${what} ${name}: ${value} is ${known ? 'an older acknowledged write' : 'not a value this key may hold'}` +
        `, the last acknowledged is ${last === undefined ? 'none' : last.seq}`,
    );
  }

  /**
   * True when `seq` (-1: nil) is an earlier acknowledged write and every acknowledged write after it may
   * have been lost; counts those losses once they are seen.
   */
  private lost(key: number, state: KeyState, seq: number): boolean {
    let lost = 0;
    for (let i = state.acked.length - 1; i >= 0; i--) {
      const write = state.acked[i]!;
      if (write.seq === seq) break;
      if (!this.allowLoss(key, write.at)) return false;
      lost++;
    }
    if (seq !== -1 && !state.acked.some((a) => a.seq === seq)) return false;
    // The lost writes are gone for good: forget them so later reads compare with what survived.
    state.acked.length -= lost;
    this.lostWrites += lost;
    return true;
  }

  private violation(text: string): void {
    this.violationCount++;
    if (this.violations.length < this.maxViolations) this.violations.push(text);
  }
}
