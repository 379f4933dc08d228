import { expect } from 'chai';
import { ManualLoop } from '../../../adapters/manual.js';
import type { Connection } from '../../../lib/engine/connection.js';
import type { Lender } from '../../../lib/engine/lending.js';
import { Parking, PROBE_AFTER_PAUSE } from '../../../lib/engine/link-parking.js';

/** A lender whose borrower holds the link until `give()`. */
class HeldLender implements Lender {
  holding = true;
  lend(): void {}
  reclaim(): boolean {
    return !this.holding;
  }
}

describe('engine/link-parking Parking', () => {
  const link = {} as Connection;

  it('what waited for a lent link runs when it comes back, whoever takes it back (a send, a wake)', () => {
    const loop = new ManualLoop();
    const lender = new HeldLender();
    const resumed: number[] = [];
    const parking = new Parking(lender, link, loop, (probe) => resumed.push(probe));
    parking.lend(3);
    const ran: string[] = [];
    // The borrower holds the link: the engine's send waits.
    expect(parking.takeBack(PROBE_AFTER_PAUSE, () => ran.push('slot-map request'))).to.equal(false);
    expect(parking.waiting).to.equal(true);
    // The borrower gives it back; a wake takes it before the retry timer does: the waiting send goes first.
    lender.holding = false;
    expect(parking.takeBack(0)).to.equal(true);
    expect(ran).to.deep.equal(['slot-map request']);
    expect(parking.waiting).to.equal(false);
    expect(parking.lent).to.equal(false);
    loop.advance(5);
    expect(ran).to.deep.equal(['slot-map request']);
    expect(resumed).to.deep.equal([0]);
  });

  it('the retry timer takes a link back once the borrower gives it, and runs what waited', () => {
    const loop = new ManualLoop();
    const lender = new HeldLender();
    const parking = new Parking(lender, link, loop, () => {});
    parking.lend(3);
    const ran: string[] = [];
    parking.takeBack(PROBE_AFTER_PAUSE, () => ran.push('send'));
    loop.advance(3);
    expect(ran).to.deep.equal([]);
    lender.holding = false;
    loop.advance(1);
    expect(ran).to.deep.equal(['send']);
    expect(parking.lent).to.equal(false);
  });
});
