import { expect } from 'chai';
import { Fifo } from '../../../lib/engine/fifo.js';

/** The items of `fifo` from the head, by index. */
function contents<T>(fifo: Fifo<T>): T[] {
  return Array.from({ length: fifo.length }, (_, i) => fifo.at(i));
}

describe('engine/fifo Fifo', () => {
  it('hands items out in the order they came, across wrap-arounds and growth', () => {
    const fifo = new Fifo<number>();
    const model: number[] = [];
    let next = 0;
    // Push bursts longer than the shifts, so the ring both wraps and grows several times.
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < (round % 7) + 3; i++) {
        fifo.push(next);
        model.push(next++);
      }
      for (let i = 0; i < (round % 5) + 1 && model.length > 0; i++) {
        expect(fifo.peek()).to.equal(model[0]);
        expect(fifo.shift()).to.equal(model.shift());
      }
      expect(fifo.length).to.equal(model.length);
    }
    expect(contents(fifo)).to.deep.equal(model);
  });

  it('replaces an item in place, and drains oldest first into an empty queue', () => {
    const fifo = new Fifo<string>();
    for (let i = 0; i < 20; i++) fifo.push(`a${i}`);
    for (let i = 0; i < 15; i++) fifo.shift();
    for (let i = 0; i < 14; i++) fifo.push(`b${i}`);
    fifo.set(1, 'x');
    const expected = ['a15', 'x', 'a17', 'a18', 'a19', ...Array.from({ length: 14 }, (_, i) => `b${i}`)];
    expect(contents(fifo)).to.deep.equal(expected);
    expect(fifo.drain()).to.deep.equal(expected);
    expect(fifo.length).to.equal(0);
    fifo.push('c');
    expect(fifo.shift()).to.equal('c');
    expect(fifo.drain()).to.deep.equal([]);
  });

  it('works on after a burst of thousands empties (the ring is given back then)', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 10_000; i++) fifo.push(i);
    for (let i = 0; i < 10_000; i++) expect(fifo.shift()).to.equal(i);
    expect(fifo.length).to.equal(0);
    for (let i = 0; i < 40; i++) fifo.push(i);
    expect(contents(fifo)).to.deep.equal(Array.from({ length: 40 }, (_, i) => i));
  });
});
