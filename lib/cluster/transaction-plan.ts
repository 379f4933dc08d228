/**
 * A transaction as it goes on the wire: MULTI, its commands and EXEC encoded as one contiguous write, so
 * no other command of the link can come between them, routed by the one slot every key of it hashes to.
 * A command with keys of another slot is refused when it is added, before anything is sent.
 */
import { ClusterError, otherError } from '../errors.js';
import { type CommandArg, CommandWriter } from '../resp/encode.js';
import { commandKeys } from './command-keys.js';
import { keySlot } from './keyslot.js';

/** No key yet. */
const NO_SLOT = -1;

export class TransactionPlan {
  /** The slot of its keys (NO_SLOT while none was added). */
  slot = NO_SLOT;
  /** Commands added. */
  count = 0;
  private readonly writer = new CommandWriter(256);

  /** `slot`: the slot it must keep to (a WATCH session's), else taken from its first key. */
  constructor(slot = NO_SLOT) {
    this.slot = slot;
    this.writer.writeArgv(['MULTI']);
  }

  /** Adds a command; throws, adding nothing, when its keys hash to another slot than the others'. */
  add(argv: readonly CommandArg[]): void {
    const slot = slotOfKeys(argv, this.slot);
    this.writer.writeArgv(argv);
    this.slot = slot;
    this.count++;
  }

  /**
   * MULTI, the commands and EXEC, and how many reply frames they bring (each command's QUEUED, MULTI's OK
   * and EXEC's array). Throws when no command has a key to route by.
   */
  finish(): { bytes: Buffer; frames: number } {
    if (this.slot === NO_SLOT)
      throw otherError('A transaction needs at least one command with a key (it is routed by its slot)');
    this.writer.writeArgv(['EXEC']);
    return { bytes: this.writer.take(), frames: this.count + 2 };
  }
}

/**
 * The one slot of a command's keys, when it has to keep to `slot` (NO_SLOT: any); a command without keys
 * (PING, TIME) keeps `slot`. Throws a CROSSSLOT error naming both slots otherwise.
 */
export function slotOfKeys(argv: readonly CommandArg[], slot = NO_SLOT): number {
  let keys: number[];
  try {
    keys = commandKeys(argv).keys;
  } catch (err) {
    if (!(err instanceof ClusterError) || !err.message.startsWith('No keys')) throw err;
    keys = [];
  }
  let at = slot;
  for (const index of keys) {
    const keySlotOf = keySlot(argv[index]!);
    if (at === NO_SLOT) at = keySlotOf;
    else if (keySlotOf !== at) {
      throw otherError(
        `CROSSSLOT Keys in a transaction must hash to one slot: '${String(argv[0])}' has a key of slot ${keySlotOf}, the transaction is on slot ${at}`,
      );
    }
  }
  return at;
}
