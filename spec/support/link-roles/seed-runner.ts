/**
 * Runs seeds of the links-with-roles random spec on one AsyncClusterContext (and the blocking child): a
 * seed's ops at once, then the checks — one outcome per command (EngineProbe), every link back in its pool,
 * the keys read back against the model (model.ts), and the nodes' own view of our links (CLIENT LIST):
 * none left in MULTI, watching or blocked, none past the bounds.
 */
import type { AsyncClusterContext } from '../../../lib/async-context.js';
import { sleep } from '../async-helpers.js';
import type { BlockingChild } from './blocking-child.js';
import { type ClientEntry, clientsOf, parseClientList, socketsOf } from './client-list.js';
import { EngineProbe } from './engine-probe.js';
import { checkSeed, type Figures, type TagFinal } from './model.js';
import type { Op, SeedPlan, TagKeys } from './plan.js';
import { asyncDriver, type FaceDriver, type OpOutcome, outcomeOf, runOp } from './run-op.js';

/** Bound on one op, and on the blocking child's share of a seed. */
const OP_BOUND_MS = 10_000;
/** Reads of the nodes' view of our links before a state is taken as stuck (an UNWATCH may be in flight). */
const SETTLE_TRIES = 40;

/** What a run saw of the links, over its seeds. */
export interface LinkFigures {
  /** Most links of ours on one node, by maxDedicatedLinks. */
  mostOurs: Map<number, number>;
  mostChild: number;
  /** Samples with every dedicated link of a node leased (ops then wait for one). */
  atBound: number;
  /** Re-reads of CLIENT LIST while a state was in flight. */
  settleRetries: number;
}

/** What an async op issues to the engine: each gets one outcome. */
function commandsOf(op: Op): number {
  if (op.kind !== 'watch') return 1;
  return 2 + (op.interfere > 0 ? 1 : 0) + (op.release ? 0 : 1);
}

function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no outcome within ${OP_BOUND_MS} ms`)), OP_BOUND_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class SeedRunner {
  readonly probe: EngineProbe;
  private readonly face: FaceDriver;
  /** Sockets this process held before the context: never counted as its links. */
  private readonly foreign: Map<number, number>;

  constructor(
    private readonly acc: AsyncClusterContext,
    private readonly max: number,
    private readonly keys: readonly TagKeys[],
    private readonly child: BlockingChild,
    private readonly childMax: number,
    private readonly links: LinkFigures,
  ) {
    [this.foreign] = socketsOf([process.pid]) as [Map<number, number>];
    this.probe = new EngineProbe(acc, max);
    this.face = asyncDriver(acc);
  }

  /** One seed; its problems (none when all is well). */
  async run(plan: SeedPlan, figures: Figures): Promise<string[]> {
    const problems: string[] = [];
    const asyncOps = plan.ops.filter((op) => op.face === 'async');
    const childOps = plan.ops.filter((op) => op.face === 'blocking');
    const completionsBefore = this.probe.completions;
    const childRun = childOps.length === 0 ? null : this.child.run(plan.seed, childOps, OP_BOUND_MS);
    const runs = asyncOps.map(async (op): Promise<[number, OpOutcome]> => {
      if (op.delayMs > 0) await sleep(op.delayMs);
      const run =
        op.kind === 'clients'
          ? () => this.linksMidSeed(op.tag, problems)
          : () => runOp(this.face, op, this.keys[op.tag]!);
      return [op.id, await bounded(outcomeOf(run), `seed ${plan.seed} op ${op.id}`)];
    });
    const outcomes = new Map(await Promise.all(runs));
    for (const [id, outcome] of (await childRun) ?? []) outcomes.set(id, outcome);

    const issued = asyncOps.reduce((sum, op) => sum + commandsOf(op), 0);
    const completed = this.probe.completions - completionsBefore;
    if (completed !== issued) problems.push(`${issued} commands issued, ${completed} outcomes`);
    if (this.acc.pendingCount !== 0)
      problems.push(`pendingCount ${this.acc.pendingCount} after every outcome`);
    // A released session gives its link back once UNWATCH is answered.
    for (let i = 0; this.probe.leased > 0 && i < 200; i++) await sleep(1);
    if (this.probe.leased > 0)
      problems.push(`${this.probe.leased} dedicated links still leased after the seed`);

    const reads = await Promise.all(plan.tags.map((tag) => this.readBackAndClear(this.keys[tag]!)));
    const finals = new Map<number, TagFinal>();
    plan.tags.forEach((tag, i) => {
      const final = reads[i]!;
      if (final === null) problems.push(`tag ${tag}: the readback transaction replied with another shape`);
      else finals.set(tag, final);
    });
    if (finals.size === plan.tags.length)
      problems.push(...checkSeed(plan, (tag) => this.keys[tag]!, outcomes, finals, figures));
    problems.push(...(await this.quietLinks(plan)));
    return problems;
  }

  /** FLUSHALL and FLUSHDB calls the primaries have served since they started. */
  async flushesSoFar(): Promise<number> {
    let calls = 0;
    for (const k of this.keys) {
      const stats = String(await this.acc.sendToNode(this.acc.nodeForKey(k.c)!, 'INFO', 'commandstats'));
      for (const match of stats.matchAll(/cmdstat_flush(?:all|db):calls=(\d+)/g)) calls += Number(match[1]);
    }
    return calls;
  }

  /**
   * The keys' values, read in one transaction that then sets every key (so a link still watching one is
   * flagged `d` on its node) and deletes them all; null when its reply has another shape.
   */
  private async readBackAndClear(k: TagKeys): Promise<TagFinal | null> {
    const all = [k.c, k.m, k.j, ...k.l];
    const reply = await this.acc
      .multi()
      .add('GET', k.c)
      .add('GET', k.m)
      .add('GET', k.j)
      .add('LRANGE', k.l[0], 0, -1)
      .add('LRANGE', k.l[1], 0, -1)
      .add('MSET', ...all.flatMap((key) => [key, 'end']))
      .add('DEL', ...all)
      .exec();
    if (reply?.length !== 7 || reply[5] !== 'OK' || reply[6] !== 5) return null;
    const [c, m, j, l0, l1] = reply;
    return { c, m, j, l: [l0 as unknown[], l1 as unknown[]] };
  }

  /** Our and the child's clients on the nodes serving `tags`, as the nodes list them; the counts noted. */
  private async clientsOn(tags: readonly number[]): Promise<{ ours: ClientEntry[]; child: ClientEntry[] }[]> {
    const nodes = tags.map((tag) => this.acc.nodeForKey(this.keys[tag]!.c)!);
    const lists = await Promise.all(nodes.map((node) => this.acc.sendToNode(node, 'CLIENT', 'LIST')));
    const [mine, childs] = socketsOf([process.pid, this.child.pid]) as [
      Map<number, number>,
      Map<number, number>,
    ];
    const ours = new Map([...mine].filter(([port]) => !this.foreign.has(port)));
    return nodes.map((node, i) => {
      const entries = parseClientList(String(lists[i]));
      const seen = {
        ours: clientsOf(entries, node.port, ours),
        child: clientsOf(entries, node.port, childs),
      };
      const most = this.links.mostOurs;
      most.set(this.max, Math.max(most.get(this.max) ?? 0, seen.ours.length));
      this.links.mostChild = Math.max(this.links.mostChild, seen.child.length);
      return seen;
    });
  }

  private bounds(seen: { ours: ClientEntry[]; child: ClientEntry[] }): string[] {
    const found: string[] = [];
    if (seen.ours.length > 1 + this.max) found.push(`${seen.ours.length} links of ours to one node`);
    if (seen.child.length > 1 + this.childMax)
      found.push(`the child has ${seen.child.length} links to one node`);
    return found;
  }

  /** A clients op: in the middle of the mix, no node has more of our links than 1 + the bound. */
  private async linksMidSeed(tag: number, problems: string[]): Promise<null> {
    const [seen] = await this.clientsOn([tag]);
    problems.push(...this.bounds(seen!).map((text) => `mid-seed: ${text}`));
    return null;
  }

  /**
   * After the seed, on every primary: no link of ours or the child's in MULTI (flag x, multi >= 0),
   * watching a key (d), or blocked (b), and none past the bounds. The child's last UNWATCH may still be on
   * its way: a state that clears within a few re-reads was in flight; a stuck one never clears.
   */
  private async quietLinks(plan: SeedPlan): Promise<string[]> {
    let found: string[] = [];
    for (let attempt = 0; attempt < SETTLE_TRIES; attempt++) {
      found = [];
      for (const seen of await this.clientsOn(this.keys.map((_, tag) => tag))) {
        found.push(...this.bounds(seen));
        for (const client of [...seen.ours, ...seen.child]) {
          if (client.flags !== 'N' || client.multi !== -1) found.push(`left in state: ${client.line}`);
        }
      }
      if (found.length === 0) return [];
      this.links.settleRetries++;
      await sleep(5);
    }
    return found.map((text) => `after seed ${plan.seed}: ${text}`);
  }
}
