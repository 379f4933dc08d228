/**
 * Whether a node serves a command on keys or redirects it, after Redis' getNodeByQuery (cluster.c):
 * CROSSSLOT for keys of several slots, CLUSTERDOWN for a slot without owner, ASK / TRYAGAIN while the
 * slot migrates, MOVED to the owner, and reads on a replica for READONLY links.
 */
import { keySlot } from '../cluster/keyslot.js';
import { address, type ClusterState, type Member } from './cluster-state.js';
import type { ErrorReply } from './mock-reply.js';

/** The link flags that change routing. */
export interface RoutingFlags {
  /** ASKING was sent just before this command. */
  asking: boolean;
  /** READONLY was sent on this link. */
  readonly: boolean;
}

/** The command being routed. */
export interface RoutedCommand {
  /** The key arguments. */
  keys: readonly Buffer[];
  /** The command writes (its table flags say `write`). */
  write: boolean;
  /** MIGRATE: served by a node that has the slot open either way, to move keys freely. */
  migrate: boolean;
}

const CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
const TRYAGAIN = 'TRYAGAIN Multiple keys request during rehashing of slot';

/** null when `node` serves the command, else the redirect or error to reply with. */
export function routeCommand(
  state: ClusterState,
  node: Member,
  command: RoutedCommand,
  flags: RoutingFlags,
): ErrorReply | null {
  const slot = keySlot(command.keys[0]!);
  for (let i = 1; i < command.keys.length; i++) {
    if (keySlot(command.keys[i]!) !== slot) return { error: CROSSSLOT };
  }
  const owner = state.owner(slot);
  if (owner === null) return { error: 'CLUSTERDOWN Hash slot not served' };
  const migratingTo = owner === node ? state.migrating.get(slot)?.to : undefined;
  const importing = owner !== node && state.importing.get(slot)?.to === node;
  if ((migratingTo !== undefined || importing) && command.migrate) return null;
  let missing = 0;
  if (migratingTo !== undefined || importing) {
    for (const key of command.keys) if (!node.store.has(key.toString('utf8'))) missing++;
  }
  if (migratingTo !== undefined && missing > 0) {
    if (missing < command.keys.length) return { error: TRYAGAIN };
    return { error: `ASK ${slot} ${address(migratingTo)}` };
  }
  if (importing && flags.asking) return command.keys.length > 1 && missing > 0 ? { error: TRYAGAIN } : null;
  if (flags.readonly && !command.write && node.role === 'replica' && node.primary === owner) return null;
  return owner === node ? null : { error: `MOVED ${slot} ${address(owner)}` };
}
