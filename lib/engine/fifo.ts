/**
 * A first-in first-out queue on a ring: O(1) push and shift, no `Array.shift()` copying. The ring grows
 * by doubling while the queue fills up, and is given back only after a burst of thousands. A branch that
 * runs for the first time after thousands of calls meets the optimized code without type feedback and
 * deoptimizes it, and every hot function it is inlined in, long after warm-up: the array compaction and
 * reset this queue had before did that to the read and write paths of every link.
 */
const INITIAL_CAPACITY = 16;
/** A ring grown beyond this many places is given back once it empties (a burst should not pin its memory). */
const SHRINK_ABOVE = 4096;

export class Fifo<T> {
  private items: (T | undefined)[] = ring(INITIAL_CAPACITY);
  /** Capacity - 1 (capacity is a power of two). */
  private mask = INITIAL_CAPACITY - 1;
  private head = 0;
  private count = 0;

  /** Items in the queue. */
  get length(): number {
    return this.count;
  }

  /** Adds an item at the tail. */
  push(item: T): void {
    if (this.count > this.mask) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  /** The oldest item; the queue must not be empty. */
  peek(): T {
    return this.items[this.head]!;
  }

  /** Takes the oldest item out; the queue must not be empty. */
  shift(): T {
    const head = this.head;
    const item = this.items[head]!;
    this.items[head] = undefined;
    this.head = (head + 1) & this.mask;
    const count = --this.count;
    // The capacity test comes first: it runs at every call, so the optimized code has its feedback; the
    // rest only after a burst of thousands (an empty queue alone is common enough to come late).
    if (this.mask >= SHRINK_ABOVE && count === 0) this.shrink();
    return item;
  }

  /** The item `i` places from the head (0: the oldest). */
  at(i: number): T {
    return this.items[(this.head + i) & this.mask]!;
  }

  /** Replaces the item `i` places from the head. */
  set(i: number, item: T): void {
    this.items[(this.head + i) & this.mask] = item;
  }

  /** Empties the queue; returns what it held, oldest first. */
  drain(): T[] {
    const end = this.head + this.count;
    const items = this.items
      .slice(this.head, end)
      .concat(this.items.slice(0, Math.max(0, end - this.items.length)));
    this.items.fill(undefined);
    this.head = this.count = 0;
    return items as T[];
  }

  private shrink(): void {
    this.items = ring(INITIAL_CAPACITY);
    this.mask = INITIAL_CAPACITY - 1;
    this.head = 0;
  }

  /** Doubles the full ring, its items oldest first from index 0 (builtins copy: no loop for the JIT to compile). */
  private grow(): void {
    const items = this.items;
    this.items = items.slice(this.head).concat(items.slice(0, this.head), ring(items.length));
    this.mask = this.items.length - 1;
    this.head = 0;
  }
}

/** `size` empty places, packed (a holey `new Array(size)` would make every load check for holes). */
function ring<T>(size: number): (T | undefined)[] {
  return Array.from({ length: size });
}
