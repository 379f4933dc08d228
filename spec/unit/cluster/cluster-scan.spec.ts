/**
 * ClusterScan against a model cluster (no I/O): nodes with slots, an epoch, open slots and keys per slot,
 * answering SCAN, CLUSTER NODES, COUNTKEYSINSLOT and GETKEYSINSLOT. Slots move between steps; every key must
 * still come out, and slots the node scans could not vouch for are read again by slot.
 */
import { expect } from 'chai';
import { createNode } from '../../../lib/cluster/cluster-node.js';
import { ClusterScan } from '../../../lib/cluster/cluster-scan.js';
import type { FanOutRequest } from '../../../lib/cluster/fan-out-plan.js';
import { globMatch } from '../../../lib/cluster/glob-match.js';
import { SlotMap } from '../../../lib/cluster/slotmap.js';

interface ModelNode {
  addr: string;
  epoch: number;
  slots: Set<number>;
  open: Set<number>;
}

class ModelCluster {
  readonly nodes: ModelNode[] = [
    { addr: '127.0.0.1:1', epoch: 1, slots: new Set(), open: new Set() },
    { addr: '127.0.0.1:2', epoch: 2, slots: new Set(), open: new Set() },
  ];
  /** Keys per slot: 3 each, 'k<slot>:<n>'. */
  readonly keys = new Map<number, string[]>();
  getKeysReads = 0;
  /** Runs before each step's requests are answered. */
  beforeStep: (step: number) => void = () => {};
  /** Runs before the first node's first SCAN is answered: after its opening view. */
  beforeFirstScan: () => void = () => {};
  private step = 0;

  constructor() {
    for (let slot = 0; slot < 16384; slot++) {
      this.nodes[slot < 8192 ? 0 : 1]!.slots.add(slot);
      this.keys.set(
        slot,
        [0, 1, 2].map((n) => `k${slot}:${n}`),
      );
    }
  }

  map(): SlotMap {
    return new SlotMap(
      this.nodes.map((n) => {
        const node = createNode('', '127.0.0.1', Number(n.addr.split(':')[1]), 'master');
        const sorted = [...n.slots].sort((a, b) => a - b);
        for (const slot of sorted) {
          const last = node.slots.at(-1);
          if (last !== undefined && last[1] === slot - 1) last[1] = slot;
          else node.slots.push([slot, slot]);
        }
        return node;
      }),
    );
  }

  /** Takes `slots` from their node; with `to`, gives them to that node, which takes a new epoch. */
  move(slots: number[], to: number | null): void {
    for (const slot of slots) for (const node of this.nodes) node.slots.delete(slot);
    if (to === null) return;
    for (const slot of slots) this.nodes[to]!.slots.add(slot);
    this.nodes[to]!.epoch = 10 + this.step;
  }

  exchange(requests: readonly FanOutRequest[]): unknown[] {
    this.beforeStep(this.step++);
    return requests.map(({ address, argv }) => {
      const node = this.nodes.find((n) => n.addr === address)!;
      const [cmd, sub, arg, limit] = argv.map(String);
      if (cmd === 'SCAN' && this.step === 1 && node === this.nodes[0]) this.beforeFirstScan();
      if (cmd === 'SCAN') {
        const keys = [...node.slots].flatMap((slot) => this.keys.get(slot)!);
        const match = argv.indexOf('MATCH');
        return ['0', match < 0 ? keys : keys.filter((key) => globMatch(String(argv[match + 1]), key))];
      }
      if (sub === 'NODES') {
        const ranges = this.map()
          .master(address)!
          .slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
        const open = [...node.open].map((slot) => `[${slot}->-x]`);
        return `id ${address}@1 myself,master - 0 0 ${node.epoch} connected ${[...ranges, ...open].join(' ')}\n`;
      }
      const slot = Number(arg);
      const keys = node.slots.has(slot) ? this.keys.get(slot)! : [];
      if (sub === 'COUNTKEYSINSLOT') return keys.length;
      this.getKeysReads++;
      return keys.slice(0, Number(limit));
    });
  }
}

function run(model: ModelCluster, options = {}): string[] {
  const scan = new ClusterScan(options, model.map());
  const out: string[] = [];
  for (let steps = 0; steps < 1000; steps++) {
    while (scan.hasKey) out.push(scan.nextKey() as string);
    const step = scan.next(model.map());
    if (step === null) return out;
    scan.feed(model.exchange(step.requests));
  }
  throw new Error('the scan did not end');
}

const ALL_KEYS = 16384 * 3;

describe('ClusterScan (model cluster)', () => {
  it('scans each node once when nothing moves: every key once, no slot read', () => {
    const model = new ModelCluster();
    const keys = run(model);
    expect(keys).to.have.length(ALL_KEYS);
    expect(new Set(keys).size).to.equal(ALL_KEYS);
    expect(model.getKeysReads).to.equal(0);
  });

  it('slots that moved before the node scan read them are read again from their new owner', () => {
    const model = new ModelCluster();
    const moved = Array.from({ length: 3000 }, (_, i) => i);
    // After node 1's opening view, before its SCAN is answered, the keys leave; they reach node 2 after its
    // SCAN: no SCAN returns them.
    model.beforeFirstScan = () => model.move(moved, null);
    model.beforeStep = (step) => step === 1 && model.move(moved, 1);
    const keys = run(model, { dedupe: true });
    expect(new Set(keys).size).to.equal(ALL_KEYS);
    expect(keys).to.have.length(ALL_KEYS);
    // Both nodes' views disagree: node 1 lost the moved slots, node 2 took a new epoch (all its slots).
    expect(model.getKeysReads).to.equal(3000 + 8192);
  });

  it('a slot moved away and back is caught by the epoch', () => {
    const model = new ModelCluster();
    model.beforeFirstScan = () => model.move([5], 1);
    model.beforeStep = (step) => step === 1 && model.move([5], 0);
    const keys = run(model, { dedupe: true });
    expect(new Set(keys).size).to.equal(ALL_KEYS);
    // Node 1 holds slot 5 at both views, but took it back with a new epoch: all its slots are read again.
    expect(model.getKeysReads).to.equal(8192);
  });

  it('a slot left migrating at the closing view is read again', () => {
    const model = new ModelCluster();
    model.beforeStep = (step) => (step === 1 ? model.nodes[0]!.open.add(7) : model.nodes[0]!.open.clear());
    run(model);
    expect(model.getKeysReads).to.equal(1);
  });

  it('reads a slot again with a higher limit when it holds more keys than asked', () => {
    const model = new ModelCluster();
    model.keys.set(
      9,
      Array.from({ length: 1500 }, (_, i) => `big${i}`),
    );
    model.beforeStep = (step) => (step === 1 ? model.nodes[0]!.open.add(9) : model.nodes[0]!.open.clear());
    const keys = run(model);
    expect(keys.filter((k) => k.startsWith('big'))).to.have.length(3000); // SCAN + the slot read
    expect(model.getKeysReads).to.equal(2);
  });

  it('MATCH applies to slot reads, and the cursor resumes with the keys not handed out', () => {
    const model = new ModelCluster();
    model.beforeStep = (step) => (step === 1 ? model.nodes[0]!.open.add(7) : model.nodes[0]!.open.clear());
    const keys = run(model, { match: 'k7:*' });
    expect([...new Set(keys)].sort()).to.deep.equal(['k7:0', 'k7:1', 'k7:2']);
    expect(model.getKeysReads).to.equal(1);
    const scan = new ClusterScan({ match: 'k1?:[01]' }, model.map());
    scan.feed(model.exchange(scan.next(model.map())!.requests));
    scan.nextKey();
    const cursor = JSON.parse(JSON.stringify(scan.cursor));
    expect(cursor.keys.length).to.be.greaterThan(0);
    expect(new ClusterScan({ cursor }, model.map()).hasKey).to.equal(true);
  });
});
