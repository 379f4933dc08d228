/**
 * A SCAN of the whole cluster that follows the slots, not the nodes, as a state machine with no I/O: each
 * step names the commands to send (the faces send them, the blocking face in one round trip) and takes
 * their outcomes. It never misses a key that exists, unchanged, for the whole scan, even while slots move:
 *
 * 1. Every primary is scanned with SCAN, in parallel, between two views of itself (CLUSTER NODES, sent on
 *    the same link as the first and after the last SCAN). The slots it held throughout (self-view.ts) are
 *    done: SCAN returns every key of the node that stayed there for the whole node scan.
 * 2. Every other slot (moved, migrating, failed over, its node unreachable) is read again from its owner
 *    now, by CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT between two views of that node, until one read is
 *    verified the same way; MATCH is applied here, TYPE asked per key.
 *
 * Duplicates are possible (a key seen in both steps), as SCAN allows; `dedupe` drops them. The state is
 * plain data: `cursor` saves it, and a scan started from it resumes.
 */
import { Buffer } from 'node:buffer';
import { otherError } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import type { FanOutRequest } from './fan-out-plan.js';
import { globMatch } from './glob-match.js';
import { SLOT_COUNT } from './keyslot.js';
import { heldThroughout, parseSelfView, type SelfView, slotMarks, slotRanges } from './self-view.js';
import type { SlotMap } from './slotmap.js';

/** What a cluster SCAN returns (see ClusterScan), or where it resumes. */
export interface ClusterScanOptions {
  /** SCAN's MATCH pattern. */
  match?: string;
  /** SCAN's COUNT hint per node and call. Default 10 (Redis' default). */
  count?: number;
  /** SCAN's TYPE filter (string, list, set, zset, hash, stream). */
  type?: string;
  /** Drop the keys already returned (kept in a Set for the run). Default false. */
  dedupe?: boolean;
  /** Resume from a saved `cursor`. */
  cursor?: ClusterScanCursor;
}

/** A scan's saved state: plain data (JSON-safe unless replies are Buffers). */
export interface ClusterScanCursor {
  /** The cursor's format. */
  readonly version: 1;
  /** The scan's MATCH pattern, or null. */
  readonly match: string | null;
  /** The scan's COUNT hint. */
  readonly count: number;
  /** The scan's TYPE filter, or null. */
  readonly type: string | null;
  /** Each primary's node scan: its SCAN cursor, and the view it started from. */
  readonly lanes: readonly LaneState[];
  /** Slots done (ranges), once the node scans are all over. */
  readonly done: string;
  /** Whether the node scans are over (slot reads follow). */
  readonly slotPhase: boolean;
  /** Keys read but not yet handed out. */
  readonly keys: readonly unknown[];
}

/** One primary's node scan, in a cursor. */
export interface LaneState {
  /** The node's 'host:port'. */
  address: string;
  /** Its SCAN cursor. */
  cursor: string;
  /** 'start': not sent yet; 'scan': SCAN under way; 'end': the closing view is due; 'over'. */
  state: 'start' | 'scan' | 'end' | 'over';
  /** The opening view's config epoch (-1: no view). */
  epoch: number;
  /** Whether the opening view said primary. */
  primary: boolean;
  /** The opening view's stable slots (ranges). */
  stable: string;
}

/** What to do next: send `requests`, or refresh the slot map and wait `delayMs` first. */
export type ScanStep = { requests: FanOutRequest[]; delayMs: number; refresh: boolean };

/** Slots read by one pipeline of slot reads. */
const SLOTS_PER_READ = 64;
/** Attempts of one slot (or one key's TYPE) before the scan fails: at 50 ms apart, ~30 s of a moving slot. */
const MAX_ATTEMPTS = 600;
const RETRY_DELAY_MS = 50;

interface SlotRead {
  address: string;
  slots: number[];
}

export class ClusterScan {
  private readonly lanes: LaneState[];
  private readonly done: Uint8Array;
  private slotPhase: boolean;
  private keys: unknown[];
  /** Keys before it were handed out. */
  private handedOut = 0;
  private readonly match: string | null;
  private readonly count: number;
  private readonly type: string | null;
  private readonly seen: Set<string> | null;
  private readonly limits = new Map<number, number>();
  private readonly attempts = new Map<number, number>();
  /** Keys of slot reads waiting for their TYPE. */
  private typeChecks: { key: unknown; slot: number }[] = [];
  /** What the outcomes of the step under way are for. */
  private inFlight: ((outcomes: readonly unknown[]) => void) | null = null;
  private retryDue = false;

  constructor(options: ClusterScanOptions, map: SlotMap) {
    const c = options.cursor;
    this.match = c?.match ?? options.match ?? null;
    this.count = c?.count ?? options.count ?? 10;
    this.type = c?.type ?? options.type ?? null;
    if (!(Number.isInteger(this.count) && this.count > 0))
      throw otherError(`Invalid scan option 'count': ${String(this.count)}`);
    this.seen = options.dedupe ? new Set() : null;
    this.lanes = c
      ? c.lanes.map((lane) => ({ ...lane }))
      : map.nodes.map((node) => ({
          address: node.addr,
          cursor: '0',
          state: 'start',
          epoch: 0,
          primary: false,
          stable: '',
        }));
    this.done = slotMarks(c?.done ?? '');
    this.slotPhase = c?.slotPhase ?? false;
    this.keys = c ? [...c.keys] : [];
  }

  /** True once every slot is done and every key handed out. */
  get finished(): boolean {
    return this.slotPhase && this.typeChecks.length === 0 && this.pendingSlots().length === 0;
  }

  /** Whether a key read is waiting to be handed out. */
  get hasKey(): boolean {
    return this.handedOut < this.keys.length;
  }

  /** The next key read (check hasKey first); each is handed out once. */
  nextKey(): unknown {
    const key = this.keys[this.handedOut++];
    if (this.handedOut === this.keys.length) {
      this.keys = [];
      this.handedOut = 0;
    }
    return key;
  }

  get cursor(): ClusterScanCursor {
    return {
      version: 1,
      match: this.match,
      count: this.count,
      type: this.type,
      lanes: this.lanes.map((lane) => ({ ...lane })),
      done: slotRanges(this.done),
      slotPhase: this.slotPhase,
      keys: [...this.keys.slice(this.handedOut), ...this.typeChecks.map((check) => check.key)],
    };
  }

  /** The next step on the current slot map, or null when there is nothing left to send. */
  next(map: SlotMap): ScanStep | null {
    if (!this.slotPhase) {
      const active = this.lanes.filter((lane) => lane.state !== 'over');
      if (active.length > 0) return this.laneStep(active);
      this.slotPhase = true;
    }
    if (this.typeChecks.length > 0) return this.typeStep();
    const reads = this.slotReads(map);
    if (reads.length === 0) return null;
    const retry = this.retryDue;
    this.retryDue = false;
    return this.readStep(reads, retry);
  }

  /** The outcomes of the last step's requests, in order. */
  feed(outcomes: readonly unknown[]): void {
    const handle = this.inFlight;
    this.inFlight = null;
    handle?.(outcomes);
  }

  private laneStep(active: LaneState[]): ScanStep {
    const requests: FanOutRequest[] = [];
    const handlers: ((outcomes: readonly unknown[], at: number) => number)[] = [];
    for (const lane of active) {
      const to = (argv: readonly CommandArg[]) => requests.push({ address: lane.address, slot: -1, argv });
      if (lane.state === 'end') {
        to(['CLUSTER', 'NODES']);
        handlers.push((outcomes, at) => {
          this.closeLane(lane, parseSelfView(outcomes[at]));
          return 1;
        });
        continue;
      }
      const opening = lane.state === 'start';
      if (opening) to(['CLUSTER', 'NODES']);
      to(this.scanArgv(lane.cursor));
      handlers.push((outcomes, at) => {
        if (opening) this.openLane(lane, parseSelfView(outcomes[at]));
        this.scanned(lane, outcomes[opening ? at + 1 : at]);
        return opening ? 2 : 1;
      });
    }
    this.inFlight = (outcomes) => {
      let at = 0;
      for (const handle of handlers) at += handle(outcomes, at);
    };
    return { requests, delayMs: 0, refresh: false };
  }

  private openLane(lane: LaneState, view: SelfView | null): void {
    lane.state = 'scan';
    lane.epoch = view?.epoch ?? -1;
    lane.primary = view?.primary ?? false;
    lane.stable = view === null ? '' : slotRanges(view.stable);
  }

  private scanned(lane: LaneState, reply: unknown): void {
    if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) {
      lane.state = 'over'; // the node failed or left: its slots are read again from their owners
      return;
    }
    for (const key of reply[1]) this.emit(key);
    lane.cursor = String(reply[0]);
    if (lane.cursor === '0') lane.state = 'end';
  }

  private closeLane(lane: LaneState, after: SelfView | null): void {
    lane.state = 'over';
    if (lane.epoch < 0) return;
    const before: SelfView = { epoch: lane.epoch, primary: lane.primary, stable: slotMarks(lane.stable) };
    const held = heldThroughout(before, after);
    if (held !== null) for (let slot = 0; slot < SLOT_COUNT; slot++) this.done[slot] |= held[slot]!;
  }

  private scanArgv(cursor: string): CommandArg[] {
    const argv: CommandArg[] = ['SCAN', cursor];
    if (this.match !== null) argv.push('MATCH', this.match);
    argv.push('COUNT', this.count);
    if (this.type !== null) argv.push('TYPE', this.type);
    return argv;
  }

  private pendingSlots(): number[] {
    const pending: number[] = [];
    for (let slot = 0; slot < SLOT_COUNT; slot++) if (!this.done[slot]) pending.push(slot);
    return pending;
  }

  /** The slots not done, by their owner on `map`, in pipelines of SLOTS_PER_READ. */
  private slotReads(map: SlotMap): SlotRead[] {
    const byOwner = new Map<string, number[]>();
    for (const slot of this.pendingSlots()) {
      const owner = map.owner(slot);
      if (owner === undefined) {
        this.failedAttempt(slot, 'is not served');
        continue;
      }
      const slots = byOwner.get(owner.addr);
      if (slots === undefined) byOwner.set(owner.addr, [slot]);
      else slots.push(slot);
    }
    const reads: SlotRead[] = [];
    for (const [address, slots] of byOwner) {
      for (let i = 0; i < slots.length; i += SLOTS_PER_READ)
        reads.push({ address, slots: slots.slice(i, i + SLOTS_PER_READ) });
    }
    return reads;
  }

  private readStep(reads: SlotRead[], retry: boolean): ScanStep {
    const requests: FanOutRequest[] = [];
    for (const { address, slots } of reads) {
      const to = (argv: readonly CommandArg[]) => requests.push({ address, slot: -1, argv });
      to(['CLUSTER', 'NODES']);
      for (const slot of slots) {
        to(['CLUSTER', 'COUNTKEYSINSLOT', slot]);
        to(['CLUSTER', 'GETKEYSINSLOT', slot, this.limits.get(slot) ?? 1000]);
      }
      to(['CLUSTER', 'NODES']);
    }
    this.inFlight = (outcomes) => {
      let at = 0;
      for (const { slots } of reads) {
        const before = parseSelfView(outcomes[at]);
        const after = parseSelfView(outcomes[at + 1 + 2 * slots.length]);
        const held = heldThroughout(before, after);
        for (let i = 0; i < slots.length; i++) {
          this.slotRead(slots[i]!, held, outcomes[at + 1 + 2 * i], outcomes[at + 2 + 2 * i]);
        }
        at += 2 + 2 * slots.length;
      }
    };
    return { requests, delayMs: retry ? RETRY_DELAY_MS : 0, refresh: retry };
  }

  private slotRead(slot: number, held: Uint8Array | null, count: unknown, keys: unknown): void {
    if (held === null || !held[slot] || typeof count !== 'number' || !Array.isArray(keys)) {
      this.failedAttempt(slot, 'did not stay on one node while it was read');
      return;
    }
    const limit = this.limits.get(slot) ?? 1000;
    if (count > limit) {
      this.limits.set(slot, count + 100);
      return;
    }
    this.done[slot] = 1;
    for (const key of keys) {
      if (this.match !== null && !globMatch(this.match, keyText(key))) continue;
      if (this.type !== null) this.typeChecks.push({ key, slot });
      else this.emit(key);
    }
  }

  private typeStep(): ScanStep {
    const checks = this.typeChecks.splice(0, 1000);
    const requests = checks.map(({ key, slot }) => ({
      address: '',
      slot,
      argv: ['TYPE', key as CommandArg],
    }));
    this.inFlight = (outcomes) => {
      for (let i = 0; i < checks.length; i++) {
        const reply = outcomes[i];
        if (typeof reply === 'string' || reply instanceof Uint8Array) {
          if (keyText(reply) === this.type) this.emit(checks[i]!.key);
        } else {
          this.failedAttempt(-1, 'TYPE of a key kept failing');
          this.typeChecks.push(checks[i]!);
        }
      }
    };
    return { requests, delayMs: 0, refresh: false };
  }

  private failedAttempt(slot: number, why: string): void {
    const attempts = (this.attempts.get(slot) ?? 0) + 1;
    if (attempts > MAX_ATTEMPTS) {
      throw otherError(slot >= 0 ? `cluster scan: slot ${slot} ${why}` : `cluster scan: ${why}`);
    }
    this.attempts.set(slot, attempts);
    this.retryDue = true;
  }

  private emit(key: unknown): void {
    if (this.seen !== null) {
      const text = keyText(key);
      if (this.seen.has(text)) return;
      this.seen.add(text);
    }
    this.keys.push(key);
  }
}

function keyText(key: unknown): string {
  return typeof key === 'string' ? key : Buffer.from(key as Uint8Array).toString('latin1');
}
