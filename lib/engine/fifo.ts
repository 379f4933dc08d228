/**
 * A first-in first-out queue on one array with a moving head: O(1) push and shift, no `Array.shift()`
 * copying; the array is reset when it empties and compacted when its dead front reaches half of it.
 */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  /** Items in the queue. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Adds an item at the tail. */
  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item; the queue must not be empty. */
  peek(): T {
    return this.items[this.head]!;
  }

  /** Takes the oldest item out; the queue must not be empty. */
  shift(): T {
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as T;
    if (this.head === this.items.length) this.items.length = this.head = 0;
    else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The item `i` places from the head (0: the oldest). */
  at(i: number): T {
    return this.items[this.head + i]!;
  }

  /** Replaces the item `i` places from the head. */
  set(i: number, item: T): void {
    this.items[this.head + i] = item;
  }

  /** Empties the queue; returns what it held, oldest first. */
  drain(): T[] {
    const items = this.head === 0 ? this.items : this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return items;
  }
}
