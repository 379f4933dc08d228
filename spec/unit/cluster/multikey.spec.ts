import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { keySlot } from '../../../lib/cluster/keyslot.js';
import { isSplittable, type MergeOps, splitMultiKey } from '../../../lib/cluster/multikey.js';
import { ClusterError, REDIS_ERR_OTHER, ReplyError } from '../../../lib/errors.js';

// Slots (CLUSTER KEYSLOT): a and {a}x -> 15495, b -> 3300, c -> 7365.
const SLOT_A = 15495;
const SLOT_B = 3300;
const SLOT_C = 7365;

function keysOf(argv: string[], step = 1): number[] {
  const keys: number[] = [];
  for (let i = 1; i < argv.length; i += step) keys.push(i);
  return keys;
}

function mergeFailure(run: () => unknown): ClusterError {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    expect((err as ClusterError).code).to.equal(REDIS_ERR_OTHER);
    return err as ClusterError;
  }
  expect.fail('merge did not throw');
}

describe('cluster/multikey', () => {
  it('uses the slots the comments assume', () => {
    expect([keySlot('a'), keySlot('{a}x'), keySlot('b'), keySlot('c')]).to.deep.equal([
      SLOT_A,
      SLOT_A,
      SLOT_B,
      SLOT_C,
    ]);
  });

  it('splits MGET per slot, keeping key order inside a part and parts in first-seen order', () => {
    const argv = ['MGET', 'a', 'b', '{a}x', 'c'];
    const plan = splitMultiKey(argv, keysOf(argv))!;
    expect(plan.parts).to.deep.equal([
      { slot: SLOT_A, argv: ['MGET', 'a', '{a}x'] },
      { slot: SLOT_B, argv: ['MGET', 'b'] },
      { slot: SLOT_C, argv: ['MGET', 'c'] },
    ]);
    expect(plan.merge([['va', 'vax'], ['vb'], [null]])).to.deep.equal(['va', 'vb', 'vax', null]);
  });

  it('makes one part per slot even for keys on one node', () => {
    const argv = ['DEL', 'x{b}', 'x{c}'];
    const plan = splitMultiKey(argv, keysOf(argv))!;
    expect(plan.parts.map((p) => p.slot)).to.deep.equal([SLOT_B, SLOT_C]);
  });

  it('splits MSET into key/value pairs and merges to OK', () => {
    const argv = ['MSET', 'a', '1', 'b', '2', '{a}x', '3'];
    const plan = splitMultiKey(argv, [1, 3, 5])!;
    expect(plan.parts).to.deep.equal([
      { slot: SLOT_A, argv: ['MSET', 'a', '1', '{a}x', '3'] },
      { slot: SLOT_B, argv: ['MSET', 'b', '2'] },
    ]);
    expect(plan.merge(['OK', 'OK'])).to.equal('OK');
    expect(mergeFailure(() => plan.merge(['OK', 'QUEUED'])).message).to.equal('reply type error');
  });

  for (const command of ['DEL', 'EXISTS', 'UNLINK', 'TOUCH']) {
    it(`sums ${command} counts`, () => {
      const argv = [command, 'a', 'b', 'c', '{a}x'];
      const plan = splitMultiKey(argv, keysOf(argv))!;
      expect(plan.parts.map((p) => p.argv)).to.deep.equal([
        [command, 'a', '{a}x'],
        [command, 'b'],
        [command, 'c'],
      ]);
      expect(plan.merge([2, 0, 1])).to.equal(3);
      expect(mergeFailure(() => plan.merge([2, 'x', 1])).message).to.equal('reply type error');
    });
  }

  it('returns the first error reply in part order, whatever the command', () => {
    const argv = ['MGET', 'a', 'b', 'c'];
    const plan = splitMultiKey(argv, keysOf(argv))!;
    const first = new ReplyError('MOVED 3300 127.0.0.1:7001');
    const second = new ReplyError('ERR second');
    expect(plan.merge([['va'], first, second])).to.equal(first);
    expect(plan.merge([second, first, ['vc']])).to.equal(second);
    const mset = splitMultiKey(['MSET', 'a', '1', 'b', '2'], [1, 3])!;
    expect(mset.merge(['OK', second])).to.equal(second);
  });

  it('rejects MGET parts that are not arrays of the right length', () => {
    const argv = ['MGET', 'a', 'b', '{a}x'];
    const plan = splitMultiKey(argv, keysOf(argv))!;
    expect(mergeFailure(() => plan.merge(['va', ['vb']])).message).to.equal('reply type error');
    expect(mergeFailure(() => plan.merge([null, ['vb']])).message).to.equal('reply type error');
    expect(mergeFailure(() => plan.merge([['va'], ['vb']])).message).to.equal('sub reply elements error');
    expect(mergeFailure(() => plan.merge([['va', 'vax']])).message).to.equal(
      'multi-key merge needs 2 replies, got 1',
    );
  });

  it('does not split one slot, one key, or commands it does not know', () => {
    expect(splitMultiKey(['MGET', 'a', '{a}x', '{a}y'], [1, 2, 3])).to.equal(null);
    expect(splitMultiKey(['MGET', 'a'], [1])).to.equal(null);
    expect(splitMultiKey(['SUNION', 'a', 'b'], [1, 2])).to.equal(null);
    expect(splitMultiKey(['MSETNX', 'a', '1', 'b', '2'], [1, 3])).to.equal(null);
  });

  it('keeps the argument objects (no copies) and reads byte keys and names', () => {
    const a = Buffer.from('a');
    const b = new Uint8Array(Buffer.from('b'));
    const name = Buffer.from('mget');
    const plan = splitMultiKey([name, a, b], [1, 2])!;
    expect(plan.parts[0]!.argv[0]).to.equal(name);
    expect(plan.parts[0]!.argv[1]).to.equal(a);
    expect(plan.parts[1]!.argv[1]).to.equal(b);
  });

  it('rejects an MSET key index without a value', () => {
    expect(() => splitMultiKey(['MSET', 'a', '1', 'b'], [1, 3])).to.throw(
      ClusterError,
      'MSET key at index 3 has no value',
    );
  });

  it('merges other reply shapes through MergeOps (hiredis-style typed replies)', () => {
    interface Typed {
      type: number;
      str?: string;
      integer?: number;
      element?: Typed[];
    }
    const ops: MergeOps<Typed> = {
      isError: (r) => r.type === 6,
      elements: (r) => (r.type === 2 ? r.element : undefined),
      integer: (r) => (r.type === 3 ? r.integer : undefined),
      isOk: (r) => r.type === 5 && r.str === 'OK',
      makeArray: (element) => ({ type: 2, element }),
      makeInteger: (integer) => ({ type: 3, integer }),
      makeOk: () => ({ type: 5, str: 'OK' }),
    };
    const s = (str: string): Typed => ({ type: 1, str });
    const mget = splitMultiKey(['MGET', 'a', 'b', '{a}x'], [1, 2, 3])!;
    expect(
      mget.mergeWith(
        [
          { type: 2, element: [s('va'), s('vax')] },
          { type: 2, element: [s('vb')] },
        ],
        ops,
      ),
    ).to.deep.equal({
      type: 2,
      element: [s('va'), s('vb'), s('vax')],
    });
    const del = splitMultiKey(['DEL', 'a', 'b'], [1, 2])!;
    expect(
      del.mergeWith(
        [
          { type: 3, integer: 1 },
          { type: 3, integer: 1 },
        ],
        ops,
      ),
    ).to.deep.equal({ type: 3, integer: 2 });
    const error: Typed = { type: 6, str: 'ERR x' };
    expect(del.mergeWith([{ type: 3, integer: 1 }, error], ops)).to.equal(error);
  });

  it('names the commands it splits', () => {
    for (const name of ['MGET', 'MSET', 'DEL', 'EXISTS', 'UNLINK', 'TOUCH'])
      expect(isSplittable(name)).to.equal(true);
    for (const name of ['MSETNX', 'SUNION', 'mget']) expect(isSplittable(name)).to.equal(false);
  });
});
