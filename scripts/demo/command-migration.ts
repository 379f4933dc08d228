/**
 * Moving one slot between masters with commands, as `redis-cli --cluster reshard` does: CLUSTER SETSLOT
 * IMPORTING on the target, MIGRATING on the source, MIGRATE of the slot's keys, then SETSLOT NODE on the
 * target, the source and every other master. Used by `npm run demo -- --cluster ... --migrate`.
 */
import type { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import type { ClusterNode } from '../../lib/cluster/slotmap.js';
import { ReplyError } from '../../lib/errors.js';

/** Keys moved per MIGRATE. */
const BATCH = 100;

export class CommandMigration {
  constructor(
    private readonly cc: BlockingClusterContext,
    readonly slot: number,
    readonly from: ClusterNode,
    readonly to: ClusterNode,
    /** Every master, told the new owner at the end. */
    private readonly masters: readonly ClusterNode[],
  ) {}

  /** The slot is MIGRATING on the source and IMPORTING on the target: ASK for keys that have left. */
  begin(): void {
    this.expectOk(this.to, 'CLUSTER', 'SETSLOT', String(this.slot), 'IMPORTING', this.from.name);
    this.expectOk(this.from, 'CLUSTER', 'SETSLOT', String(this.slot), 'MIGRATING', this.to.name);
  }

  /** MIGRATEs every key of the slot to the target; returns how many moved. */
  moveKeys(): number {
    let moved = 0;
    for (;;) {
      const keys = this.call(this.from, 'CLUSTER', 'GETKEYSINSLOT', String(this.slot), String(BATCH));
      if (!Array.isArray(keys) || keys.length === 0) return moved;
      this.expectOk(
        this.from,
        'MIGRATE',
        this.to.host,
        String(this.to.port),
        '',
        '0',
        '5000',
        'KEYS',
        ...keys,
      );
      moved += keys.length;
    }
  }

  /** The target owns the slot: every master is told (MOVED from then on). */
  finish(): void {
    const others = this.masters.filter((m) => m.addr !== this.to.addr && m.addr !== this.from.addr);
    for (const node of [this.to, this.from, ...others]) {
      this.expectOk(node, 'CLUSTER', 'SETSLOT', String(this.slot), 'NODE', this.to.name);
    }
  }

  /** After a failure: both halves forgotten, the source owns the slot again (best effort). */
  abort(): void {
    for (const node of [this.to, this.from])
      this.call(node, 'CLUSTER', 'SETSLOT', String(this.slot), 'STABLE');
    for (const node of this.masters)
      this.call(node, 'CLUSTER', 'SETSLOT', String(this.slot), 'NODE', this.from.name);
  }

  private call(node: ClusterNode, ...argv: string[]): unknown {
    return this.cc.commandToNode(node, argv.map(() => '%s').join(' '), ...argv);
  }

  private expectOk(node: ClusterNode, ...argv: string[]): void {
    const reply = this.call(node, ...argv);
    if (reply === 'OK') return;
    const text = reply instanceof ReplyError ? reply.message : String(reply);
    throw new Error(`${argv.join(' ')} on ${node.addr} answered ${text}`);
  }
}
