/**
 * The worker's side of the link board: lends the engine's idle command links to the caller, takes them
 * back, and publishes which link serves each slot (layout and states: link-board.ts).
 */
import type { Connection } from '../engine/connection.js';
import type { Engine } from '../engine/engine.js';
import type { Lender } from '../engine/lending.js';
import { otherError } from '../errors.js';
import { fdWord, type LinkBoard, LinkState, MAX_BOARD_LINKS, stateWord } from './link-board.js';

export class LinkLender implements Lender {
  /** Board index per node address, kept for the context's life (indices are never reused). */
  private readonly indices = new Map<string, number>();
  /** The link lent (or handed over) at each index. */
  private readonly lent: (Connection | null)[] = new Array(MAX_BOARD_LINKS).fill(null);
  private routeVersion = -1;

  constructor(private readonly board: LinkBoard) {}

  lend(link: Connection, fd: number): void {
    const index = this.indexOf(link.addr);
    // A closed link of the same node may still be with the caller: its index is not free until it is back.
    if (index === 0 || (this.lent[index] !== null && this.lent[index] !== link)) return;
    this.lent[index] = link;
    this.board.words[fdWord(index)] = fd;
    Atomics.store(this.board.words, stateWord(index), LinkState.LENT);
  }

  reclaim(link: Connection): boolean {
    const index = this.indices.get(link.addr) ?? 0;
    if (this.lent[index] !== link) return true;
    const words = this.board.words;
    if (
      Atomics.compareExchange(words, stateWord(index), LinkState.LENT, LinkState.WORKER) !== LinkState.LENT
    ) {
      return false;
    }
    this.lent[index] = null;
    return true;
  }

  /** The link the caller handed a command over on, back in the worker's hands; null if it was not handed over. */
  takeHanded(index: number): Connection | null {
    const link = index > 0 && index < MAX_BOARD_LINKS ? this.lent[index]! : null;
    if (link === null || Atomics.load(this.board.words, stateWord(index)) !== LinkState.HANDED) return null;
    this.lent[index] = null;
    Atomics.store(this.board.words, stateWord(index), LinkState.WORKER);
    return link;
  }

  /**
   * A link the caller handed over without its hand-over arriving: the request was replaced by a newer one
   * (the call timed out before the worker read it). What the caller wrote and read there is unknown, so the
   * link is closed; the call already ended with its timeout. `except`: the index the current request hands
   * over (0: none).
   */
  dropOrphans(except: number): void {
    for (let index = 1; index <= this.indices.size && index < MAX_BOARD_LINKS; index++) {
      if (index === except) continue;
      if (Atomics.load(this.board.words, stateWord(index)) !== LinkState.HANDED) continue;
      this.takeHanded(index)?.dropHandedOver(otherError('a call handed over on this link was abandoned'));
    }
  }

  /**
   * Publishes the engine's route and whether direct calls may go now, before each answer: during a call the
   * caller is blocked, so the board is current whenever it looks.
   */
  sync(engine: Engine): void {
    if (engine.routeVersion !== this.routeVersion) {
      this.routeVersion = engine.routeVersion;
      const { slots, owners } = engine.routeTable();
      const indices = owners.map((addr) => this.indexOf(addr));
      const route = this.board.route;
      for (let slot = 0; slot < route.length; slot++) {
        const owner = slots[slot]!;
        route[slot] = owner === 0 ? 0 : indices[owner - 1]!;
      }
    }
    this.board.enabled = engine.version > 0 && !engine.updateOwed;
  }

  /**
   * No direct call until the worker has answered one: it raised an event between calls (a background
   * refresh), which reaches the caller only with an answer, and the route may have changed.
   */
  suspend(): void {
    this.board.enabled = false;
  }

  /** The board index of a node's link, given on first sight; 0 once the board is full. */
  private indexOf(addr: string): number {
    let index = this.indices.get(addr);
    if (index === undefined) {
      index = this.indices.size + 1;
      if (index >= MAX_BOARD_LINKS) return 0;
      this.indices.set(addr, index);
    }
    return index;
  }
}
