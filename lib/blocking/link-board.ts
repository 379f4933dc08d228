/// <reference lib="es2024.sharedmemory" />
/**
 * The link board: the worker's idle command links that the caller may use itself (direct calls), in shared
 * memory. Per slot, the board index of the link to the slot's owner (0: none); per index, the link's state
 * and its socket's file descriptor; and one word that turns direct calls off while the next command must
 * go through the worker (an update is under way or owed to it).
 *
 * A link's state moves:
 *   worker  WORKER -> LENT    (store: reads paused, nothing pending; the descriptor written before)
 *   caller  LENT   -> CALLER  (compare-exchange: it writes its command and reads the reply)
 *   caller  CALLER -> LENT    (store: an ordinary reply, the link is as it was)
 *   caller  CALLER -> HANDED  (store, then a request: the worker adopts what it started)
 *   worker  HANDED -> WORKER  (store, as it adopts)
 *   worker  LENT   -> WORKER  (compare-exchange: it needs the link; while CALLER or HANDED it waits)
 * Only the worker writes the descriptor, the route and the switch; the caller reads them.
 */

/** Values of a link's state word. */
export const LinkState = { WORKER: 0, LENT: 1, CALLER: 2, HANDED: 3 } as const;

/** Board indices run 1..MAX_BOARD_LINKS-1; a cluster with more nodes has its extra ones off the board. */
export const MAX_BOARD_LINKS = 1024;
const SLOTS = 16384;

/** Int32 word indices. */
const ENABLED = 0;
/** The link words start on their own cache line, away from the switch. */
const LINKS = 16;
const ROUTE_OFFSET = (LINKS + 2 * MAX_BOARD_LINKS) * 4;
export const BOARD_BYTES = ROUTE_OFFSET + SLOTS * 2;

/** Views of a board's memory, the same on both threads. */
export class LinkBoard {
  readonly words: Int32Array;
  /** Per slot, the board index of its owner's link. */
  readonly route: Uint16Array;

  constructor(readonly memory: SharedArrayBuffer) {
    this.words = new Int32Array(memory, 0, ROUTE_OFFSET / 4);
    this.route = new Uint16Array(memory, ROUTE_OFFSET, SLOTS);
  }

  get enabled(): boolean {
    return Atomics.load(this.words, ENABLED) !== 0;
  }

  set enabled(on: boolean) {
    Atomics.store(this.words, ENABLED, on ? 1 : 0);
  }
}

/** The word index of link `index`'s state. */
export function stateWord(index: number): number {
  return LINKS + 2 * index;
}

/** The word index of link `index`'s file descriptor. */
export function fdWord(index: number): number {
  return LINKS + 2 * index + 1;
}
