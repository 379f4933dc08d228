/**
 * A first-in first-out queue on a ring: O(1) push and shift, no `Array.shift()` copying. The ring only
 * grows (doubling, while the queue fills up); shift has no rare branch — a compaction or reset that runs
 * only after thousands of calls would meet the optimized code without type feedback and deoptimize it
 * (and every hot function it is inlined in) long after warm-up.
 */
const INITIAL_CAPACITY = 16;

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
    this.count--;
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
