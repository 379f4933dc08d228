import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import calculateSlot from 'cluster-key-slot';
import { keySlot, SLOT_COUNT } from '../../../lib/cluster/keyslot.js';

// Expected slots come from `CLUSTER KEYSLOT` of a Redis 7.0.15 cluster.
describe('cluster/keyslot', () => {
  const vectors: [string, number][] = [
    ['123456789', 12739],
    ['', 0],
    ['a', 15495],
    ['foo', 12182],
    ['bar', 5061],
    ['{user1000}.following', 3443],
    ['{user1000}.followers', 3443],
    ['{}x', 10595],
    ['foo{}{bar}', 8363],
    ['foo{{bar}}zap', 4015],
    ['foo{bar}{zap}', 5061],
    ['{bar', 4015],
    ['bar}', 6624],
    ['x{a}', 15495],
    ['x{b}', 3300],
    ['x{c}', 7365],
    ['ключ', 10303],
    ['{ключ}x', 10303],
    ['emoji😀', 3827],
  ];

  for (const [key, slot] of vectors) {
    it(`'${key}' -> ${slot} (string and bytes)`, () => {
      expect(keySlot(key)).to.equal(slot);
      expect(keySlot(Buffer.from(key, 'utf8'))).to.equal(slot);
      expect(keySlot(new Uint8Array(Buffer.from(key, 'utf8')))).to.equal(slot);
    });
  }

  it('hashes only the tag, so tagged keys share a slot', () => {
    expect(keySlot('{user1000}.following')).to.equal(keySlot('{user1000}.followers'));
    expect(keySlot('prefix{tag}')).to.equal(keySlot('tag'));
  });

  it('hashes binary keys byte for byte', () => {
    expect(keySlot(Buffer.from([0xff, 0x00, 0x7b, 0x01, 0x7d, 0xfe]))).to.equal(4129);
    expect(keySlot(Buffer.from([0xff, 0x00, 0x61, 0x62, 0xfe]))).to.equal(5485);
  });

  it('hashes a Uint8Array view at its own offset', () => {
    const backing = Buffer.from('xxx123456789yyy');
    expect(keySlot(new Uint8Array(backing.buffer, backing.byteOffset + 3, 9))).to.equal(12739);
  });

  it('hashes a lone surrogate as the U+FFFD bytes the encoder sends', () => {
    expect(keySlot('\ud800')).to.equal(13381);
    expect(keySlot('\ud800')).to.equal(keySlot(Buffer.from([0xef, 0xbf, 0xbd])));
  });

  it('corrects the one case where cluster-key-slot differs from Redis (empty first tag)', () => {
    expect(calculateSlot('foo{}{bar}')).to.equal(4015);
    expect(keySlot('foo{}{bar}')).to.equal(8363);
    expect(keySlot(Buffer.from('foo{}{bar}'))).to.equal(8363);
  });

  it('stays within 0..16383', () => {
    expect(SLOT_COUNT).to.equal(16384);
    for (let i = 0; i < 2000; i++) {
      const slot = keySlot(`key:${i}`);
      expect(slot).to.be.at.least(0).and.below(SLOT_COUNT);
      expect(slot).to.equal(calculateSlot(`key:${i}`));
    }
  });
});
