/**
 * A look inside an AsyncClusterContext for the links-with-roles specs: every top-level outcome the engine
 * hands the context (each command must get exactly one: a second one for the same command is counted), and
 * each node's dedicated-link pool sampled at every outcome (open links never past the bound).
 */
import type { AsyncClusterContext } from '../../../lib/async-context.js';
import type { Command } from '../../../lib/engine/command.js';
import type { ClusterError } from '../../../lib/errors.js';

interface PoolView {
  addr: string;
  dedicated: { counts: { open: number; leased: number } };
}

/** The engine's node entries (private to the context: a spec's look only). */
function entriesOf(acc: AsyncClusterContext): Iterable<PoolView> {
  return (
    acc as unknown as { engine: { topology: { entries: Map<string, PoolView> } } }
  ).engine.topology.entries.values();
}

export class EngineProbe {
  /** Outcomes the engine handed the context. */
  completions = 0;
  /** Outcomes for a command that already had one. */
  duplicates = 0;
  /** Most dedicated links open on one node at any sample, and samples with every one of them leased. */
  maxOpen = 0;
  atBound = 0;
  private readonly seen = new WeakSet<Command>();

  constructor(
    private readonly acc: AsyncClusterContext,
    private readonly max: number,
  ) {
    const complete = acc.complete.bind(acc);
    acc.complete = (cmd: Command, reply: unknown, err: ClusterError | null) => {
      this.completions++;
      if (this.seen.has(cmd)) this.duplicates++;
      this.seen.add(cmd);
      this.sample();
      complete(cmd, reply, err);
    };
  }

  /** Dedicated links leased now, all nodes. */
  get leased(): number {
    let leased = 0;
    for (const entry of entriesOf(this.acc)) leased += entry.dedicated.counts.leased;
    return leased;
  }

  private sample(): void {
    for (const entry of entriesOf(this.acc)) {
      const { open, leased } = entry.dedicated.counts;
      if (open > this.maxOpen) this.maxOpen = open;
      if (leased === this.max) this.atBound++;
    }
  }
}
