/**
 * The chaos specs' key model itself: it accepts exactly the values a key may hold (its last acknowledged
 * write, or a write that failed) and flags every other one — so the chaos specs built on it can fail —
 * and its one allowance, writes a SIGKILLed primary may lose, covers only the writes it names.
 */
import { expect } from 'chai';
import { KeyModel } from '../../support/chaos/key-model.js';

describe('spec support: chaos key model', () => {
  let model: KeyModel;
  beforeEach(() => {
    model = new KeyModel(['k0', 'k1']);
  });

  it('accepts nil before any acknowledged write, then only the last acknowledged value', () => {
    model.read(0, null, 'GET');
    model.written(0, 1, true, 100);
    model.read(0, 'k0:1', 'GET');
    model.written(0, 2, true, 200);
    model.read(0, 'k0:2', 'GET');
    expect(model.violations).to.deep.equal([]);
    model.read(0, 'k0:1', 'GET');
    model.read(0, null, 'GET');
    expect(model.violations).to.deep.equal([
      'GET k0: k0:1 is an older acknowledged write, the last acknowledged is 2',
      'GET k0: nil, but write 2 was acknowledged',
    ]);
  });

  it("flags another key's value, a write never made, and a value without a sequence number", () => {
    model.written(0, 1, true, 100);
    model.written(1, 2, true, 100);
    model.read(0, 'k1:2', 'GET');
    model.read(0, 'k0:7', 'GET');
    model.read(0, 'k0:x', 'GET');
    model.read(0, 42, 'GET');
    expect(model.violationCount).to.equal(4);
    expect(model.violations).to.deep.equal([
      'GET k0: "k1:2" is not a value of this key',
      'GET k0: k0:7 is not a value this key may hold, the last acknowledged is 1',
      'GET k0: "k0:x" has no sequence number',
      'GET k0: 42 is not a value of this key',
    ]);
  });

  it('accepts a failed write, even after a later acknowledged one (a stopped node may apply it late)', () => {
    model.written(0, 1, false, 100);
    model.read(0, null, 'GET');
    model.read(0, 'k0:1', 'GET');
    model.written(0, 2, true, 200);
    model.read(0, 'k0:1', 'GET');
    model.read(0, 'k0:2', 'GET');
    expect(model.violations).to.deep.equal([]);
  });

  it('a loss allowance covers only the writes it names, and a lost write stays lost', () => {
    model.setLossAllowance((key, at) => key === 0 && at >= 250);
    model.written(0, 1, true, 100);
    model.written(0, 2, true, 260);
    model.written(0, 3, true, 270);
    model.written(1, 4, true, 100);
    model.written(1, 5, true, 300);
    // k0 back at write 1: writes 2 and 3 came after 250, so Redis may have lost them.
    model.read(0, 'k0:1', 'readback');
    expect(model.lostWrites).to.equal(2);
    // From then on write 1 is what k0 holds.
    model.read(0, 'k0:1', 'GET');
    model.read(0, 'k0:3', 'GET');
    // k1 is not the killed primary's: its older value is wrong.
    model.read(1, 'k1:4', 'readback');
    expect(model.violations).to.deep.equal([
      'GET k0: k0:3 is not a value this key may hold, the last acknowledged is 1',
      'readback k1: k1:4 is an older acknowledged write, the last acknowledged is 5',
    ]);
  });

  it('a loss allowance never covers a write acknowledged before its window', () => {
    model.setLossAllowance((_key, at) => at >= 250);
    model.written(0, 1, true, 100);
    model.written(0, 2, true, 200);
    model.written(0, 3, true, 300);
    model.read(0, 'k0:1', 'readback');
    model.read(0, null, 'readback');
    expect(model.lostWrites).to.equal(0);
    expect(model.violationCount).to.equal(2);
  });
});
