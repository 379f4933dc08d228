/**
 * The load of a chaos run, both faces at once on the chaos cluster: an AsyncClusterContext in this process
 * with one lane per key (1000 by default: that many commands in flight) and a BlockingClusterContext loop
 * in a child process, over disjoint keys, every outcome going into one ledger checked against one key
 * model. It also counts each face's slot-map updates, and reads every key back at the end.
 */
import { AsyncClusterContext } from '../../../lib/async-context.js';
import type { BlockingOptions } from '../../../lib/blocking/blocking-context.js';
import { keySlot } from '../../../lib/cluster/keyslot.js';
import type { ClusterOptions } from '../../../lib/options.js';
import { AsyncLoad } from './async-load.js';
import { CHAOS_SEEDS } from './chaos-cluster.js';
import {
  CHAOS_CLIENT,
  type ChaosBounds,
  type ChaosExtras,
  chaosBounds,
  PAUSE_AFTER_FAILURE_MS,
} from './client-settings.js';
import { KeyModel } from './key-model.js';
import { epochMs, type Face, Ledger } from './ledger.js';
import { type OwnerView, SyncLoad } from './sync-load.js';

/** How far behind its primary a replica may be when readFrom reads from it (a loaded machine's lag). */
const STALE_READS_MS = 5000;

export interface MixedLoadOptions {
  /** Keys (lanes) of the async load. Default 1000. */
  asyncKeys?: number;
  /** Keys of the sync child. Default 100. */
  syncKeys?: number;
  /** The first `keys` async keys are made to fall in slots `slots` (e.g. the slots a reshard moves). */
  focus?: { slots: [number, number]; keys: number };
  /** No key of either face falls in these slots (so nothing is sent to them). */
  avoid?: [number, number];
  /** Slots whose owner the sync child reports when its view changes (`syncOwnerViews`). */
  watchSlots?: number[];
  /** Issue #17's options, for both faces (their deadlines follow: `bounds`). */
  client?: ChaosExtras;
  /** Bound on the sync child's run, ms. Default 4 minutes. */
  maxMs?: number;
}

/** Slot-map updates a context made: succeeded and failed. */
export interface UpdateCount {
  ok: number;
  failed: number;
}

export class MixedLoad {
  readonly names: string[];
  readonly model: KeyModel;
  readonly ledger: Ledger;
  readonly acc: AsyncClusterContext;
  private readonly asyncLoad: AsyncLoad;
  private readonly syncLoad: SyncLoad;
  private readonly asyncUpdates: UpdateCount = { ok: 0, failed: 0 };
  /** The deadlines of both faces under these settings. */
  readonly bounds: ChaosBounds;

  constructor(options: MixedLoadOptions = {}) {
    const run = Date.now().toString(36);
    const asyncKeys = options.asyncKeys ?? 1000;
    const syncKeys = options.syncKeys ?? 100;
    const name = (base: string, i: number) => keyName(base, i, options.focus, options.avoid);
    this.names = [
      ...Array.from({ length: asyncKeys }, (_, i) => name(`chaos:${run}:a:${i}`, i)),
      ...Array.from({ length: syncKeys }, (_, i) => name(`chaos:${run}:s:${i}`, Number.POSITIVE_INFINITY)),
    ];
    this.model = new KeyModel(this.names);
    this.ledger = new Ledger(this.model);
    const extras = options.client ?? {};
    this.bounds = chaosBounds(extras);
    if ((extras.readFrom ?? 'primary') !== 'primary') this.model.staleReadsMs = STALE_READS_MS;
    this.acc = new AsyncClusterContext({ nodes: CHAOS_SEEDS, ...CHAOS_CLIENT, ...extras } as ClusterOptions);
    this.acc.on('slotmap-updated', () => this.asyncUpdates.ok++);
    this.acc.on('update-error', () => this.asyncUpdates.failed++);
    const indexes = this.names.map((_, i) => i);
    this.asyncLoad = new AsyncLoad(this.acc, this.ledger, this.model, indexes.slice(0, asyncKeys), {
      pauseMs: PAUSE_AFTER_FAILURE_MS,
    });
    this.syncLoad = new SyncLoad(this.ledger, indexes.slice(asyncKeys), {
      names: this.names.slice(asyncKeys),
      ...(options.watchSlots === undefined ? {} : { watchSlots: options.watchSlots }),
      options: {
        nodes: CHAOS_SEEDS,
        ...CHAOS_CLIENT,
        ...extras,
        callTimeout: this.bounds.callTimeoutMs,
      } as BlockingOptions,
      pauseMs: PAUSE_AFTER_FAILURE_MS,
      maxMs: options.maxMs ?? 240_000,
      maxCommands: Number.MAX_SAFE_INTEGER,
    });
  }

  /** The sync child's process id (for its memory), null before start and after stop. */
  get childPid(): number | null {
    return this.syncLoad.pid;
  }

  /** The longest sync call so far, ms. */
  get maxSyncCallMs(): number {
    return this.syncLoad.maxCallMs;
  }

  /** The sync child's owners of `watchSlots`, each time they changed. */
  get syncOwnerViews(): readonly OwnerView[] {
    return this.syncLoad.ownerViews;
  }

  /** Slot-map updates per face (the sync child's arrive with its last line). */
  get updates(): Record<Face, UpdateCount> {
    return {
      async: this.asyncUpdates,
      sync: { ok: this.syncLoad.updates, failed: this.syncLoad.updateErrors },
    };
  }

  /** Connects the async context, starts the sync child, then both loads. */
  async start(): Promise<void> {
    await this.acc.connect();
    await this.syncLoad.start();
    this.asyncLoad.start();
  }

  /** Stops both loads, waiting for the commands in flight (bounded by their deadlines). */
  async stop(): Promise<void> {
    await this.asyncLoad.stop(this.bounds.asyncBoundMs);
    await this.syncLoad.stop(this.bounds.syncBoundMs + 5000);
  }

  /**
   * Reads every key back through the async context and checks it against the model; returns the count.
   * It asks for a fresh slot map first: as in hiredis-cluster, the context learns of moved slots from the
   * MOVED replies and failures of its own commands, at most one update a second, so a slot it sent nothing
   * to (the sync child's keys) may still point at a node that has since left the cluster.
   */
  async readBack(): Promise<number> {
    await this.acc.connect();
    const reads = this.names.map(async (name, key) => {
      try {
        const value = await this.acc.send('GET', name);
        this.model.read(key, value, 'readback', epochMs());
      } catch (err) {
        this.ledger.problem(`readback ${name}: ${(err as Error).message}`);
      }
    });
    await Promise.all(reads);
    return reads.length;
  }

  /** Stops what still runs and frees the async context. */
  async close(): Promise<void> {
    await this.stop();
    this.acc.free();
  }
}

/**
 * `base`, or the first `base:n` whose slot fits: in the focus range for the first `focus.keys` keys (index
 * `i`), outside `avoid` for every key.
 */
function keyName(
  base: string,
  i: number,
  focus: MixedLoadOptions['focus'],
  avoid: MixedLoadOptions['avoid'],
): string {
  const focused = focus !== undefined && i < focus.keys;
  const fits = (slot: number) =>
    (!focused || (slot >= focus.slots[0] && slot <= focus.slots[1])) &&
    (avoid === undefined || slot < avoid[0] || slot > avoid[1]);
  if (!focused && fits(keySlot(base))) return base;
  for (let n = 0; ; n++) {
    if (fits(keySlot(`${base}:${n}`))) return `${base}:${n}`;
  }
}
