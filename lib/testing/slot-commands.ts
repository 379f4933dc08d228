/**
 * The commands that move a slot by hand, as `redis-cli --cluster reshard` sends them: CLUSTER SETSLOT
 * (IMPORTING, MIGRATING, STABLE, NODE) and MIGRATE, with Redis 7's checks and error texts. MIGRATE only
 * reaches nodes of the same mock cluster.
 */
import { SLOT_COUNT } from '../cluster/keyslot.js';
import type { ClusterState, Member } from './cluster-state.js';
import type { MockReply } from './mock-reply.js';

const OK: MockReply = { status: 'OK' };

function error(message: string): MockReply {
  return { error: message };
}

function text(arg: Buffer): string {
  return arg.toString('utf8');
}

/** `CLUSTER SETSLOT <slot> IMPORTING|MIGRATING|NODE <id>` or `... STABLE`, sent to `myself`. */
export function setSlot(state: ClusterState, myself: Member, args: readonly Buffer[]): MockReply {
  if (myself.role !== 'master') return error('ERR Please use SETSLOT only with masters.');
  const slotText = text(args[0]!);
  const slot = Number(slotText);
  if (!/^[0-9]+$/.test(slotText) || slot >= SLOT_COUNT) return error('ERR Invalid or out of range slot');
  const action = text(args[1]!).toUpperCase();
  if (action === 'STABLE' && args.length === 2) {
    state.stable(slot, myself);
    return OK;
  }
  if (args.length !== 3 || !['MIGRATING', 'IMPORTING', 'NODE'].includes(action)) {
    return error('ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
  }
  const id = text(args[2]!);
  const node = state.members.find((m) => m.id === id);
  if (node === undefined) return error(`ERR I don't know about node ${id}`);
  if (node.role !== 'master') return error('ERR Target node is not a master');
  const owner = state.owner(slot);
  if (action === 'MIGRATING') {
    if (owner !== myself) return error(`ERR I'm not the owner of hash slot ${slot}`);
    state.setMigrating(slot, myself, node);
  } else if (action === 'IMPORTING') {
    if (owner === myself) return error(`ERR I'm already the owner of hash slot ${slot}`);
    state.setImporting(slot, node, myself);
  } else {
    if (owner === myself && node !== myself && myself.store.keysInSlot(slot).length > 0) {
      return error(
        `ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`,
      );
    }
    state.assign(slot, node, myself);
  }
  return OK;
}

/**
 * `MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS key ...]`:
 * moves (or copies) the keys that exist to the node at host:port. `password` is the cluster's.
 */
export function migrate(
  state: ClusterState,
  myself: Member,
  argv: readonly Buffer[],
  password: string,
): MockReply {
  const host = text(argv[1]!);
  const port = Number(text(argv[2]!));
  let copy = false;
  let replace = false;
  let auth = '';
  let keys = [text(argv[3]!)];
  for (let i = 6; i < argv.length; i++) {
    const option = text(argv[i]!).toUpperCase();
    if (option === 'COPY') copy = true;
    else if (option === 'REPLACE') replace = true;
    else if (option === 'AUTH' && i + 1 < argv.length) auth = text(argv[++i]!);
    else if (option === 'AUTH2' && i + 2 < argv.length) {
      auth = text(argv[i + 2]!);
      i += 2;
    } else if (option === 'KEYS') {
      if (keys[0] !== '') {
        return error('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      }
      keys = argv.slice(i + 1).map(text);
      break;
    } else return error('ERR syntax error');
  }
  const target = state.members.find((m) => m.host === host && m.port === port && !m.failed);
  if (target === undefined) return error('IOERR error or timeout connecting to the client');
  if (password !== '' && auth !== password) {
    return error('ERR Target instance replied with error: NOAUTH Authentication required.');
  }
  if (text(argv[4]!) !== '0') {
    return error('ERR Target instance replied with error: ERR SELECT is not allowed in cluster mode');
  }
  const present = keys.filter((key) => myself.store.has(key));
  if (present.length === 0) return { status: 'NOKEY' };
  if (!replace && present.some((key) => target.store.has(key))) {
    return error('ERR Target instance replied with error: BUSYKEY Target key name already exists.');
  }
  if (target.store !== myself.store) for (const key of present) myself.store.moveKey(key, target.store, copy);
  return OK;
}
