/**
 * Where a command goes: the slot of its first key and, for a cross-slot MGET/MSET/DEL/EXISTS/UNLINK/
 * TOUCH, the split per slot. Throws hiredis' errors for keyless or unknown commands. The blocking
 * context routes on the caller's thread, so its worker never loads the command table.
 */

import type { CommandArg } from '../resp/encode.js';
import { blockTimeoutMs } from './blocking-commands.js';
import { type CommandTable, commandKeys } from './command-keys.js';
import { keySlot } from './keyslot.js';
import { type MultiKeyPlan, splitMultiKey } from './multikey.js';

export interface Route {
  slot: number;
  /** Set when the keys span several slots and the command can be split. */
  plan: MultiKeyPlan | null;
  /** How long it may wait on its link by its own arguments: NOT_BLOCKING, 0 for ever, else ms. */
  blockMs: number;
  /** A read-only command (readFrom may send it to a replica). */
  readOnly: boolean;
}

/** The route of `argv`; `learned` holds the commands a server taught the context (see learned-commands.ts). */
export function routeOf(argv: readonly CommandArg[], learned: CommandTable | null = null): Route {
  const found = commandKeys(argv, learned);
  const keys = found.keys;
  return {
    slot: keySlot(argv[keys[0]!]!),
    plan: keys.length > 1 ? splitMultiKey(argv, keys) : null,
    blockMs: blockTimeoutMs(argv),
    readOnly: found.readOnly,
  };
}
