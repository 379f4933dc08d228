/**
 * What a mock node does with one command, in Redis' order: an injected reply, the AUTH gate, MULTI
 * queueing, the connection commands (PING, ECHO, AUTH, HELLO, SELECT, QUIT, ASKING, READONLY,
 * READWRITE), CLUSTER, transactions, then the data commands after the cluster routing check. Error
 * texts are Redis 7's.
 */
import type { Buffer } from 'node:buffer';
import { commandInfo, commandKeys } from '../cluster/command-keys.js';
import { clusterReply, isClusterSubcommand } from './cluster-replies.js';
import type { ClusterState, Member } from './cluster-state.js';
import { dataCommand } from './data-commands.js';
import type { InjectedReplies } from './injected-replies.js';
import type { LinkPubsub, PubsubBoard } from './mock-pubsub.js';
import { errorText, type MockReply } from './mock-reply.js';
import { migrate, setSlot } from './slot-commands.js';
import { routeCommand } from './slot-routing.js';

/** What the commands of one link change. */
export interface LinkState {
  /** A unique number, HELLO's `id`. */
  readonly id: number;
  authenticated: boolean;
  resp: 2 | 3;
  asking: boolean;
  readonly: boolean;
  /** Commands queued since MULTI; null outside a transaction. */
  multi: Buffer[][] | null;
  /** A queued command was refused: EXEC aborts. */
  multiFailed: boolean;
  /** QUIT: close after this reply. */
  quit: boolean;
  /** Its subscriptions. */
  readonly pubsub: LinkPubsub;
}

/** The node a command runs on and what it shares with the cluster. */
export interface NodeContext {
  readonly state: ClusterState;
  readonly node: Member;
  /** The password every link must AUTH with; '' for none. */
  readonly password: string;
  /** Whether HELLO is known (Redis 6+); without it the node answers like Redis 5. */
  readonly resp3: boolean;
  readonly tls: boolean;
  readonly injected: InjectedReplies;
  /** The cluster's pub/sub. */
  readonly pubsub: PubsubBoard;
}

const OK: MockReply = { status: 'OK' };
const NOAUTH = 'NOAUTH Authentication required.';
const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const NO_PASSWORD =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
const HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';
/** Commands a link may send before AUTH. */
const BEFORE_AUTH = new Set(['AUTH', 'HELLO', 'QUIT']);
/** Commands that act on a transaction rather than being queued in it. */
const TRANSACTION = new Set(['MULTI', 'EXEC', 'DISCARD', 'QUIT']);

function text(arg: Buffer): string {
  return arg.toString('utf8');
}

function error(message: string): MockReply {
  return { error: message };
}

/** Redis 7: `ERR unknown command 'foo', with args beginning with: 'a' 'b' `. */
function unknownCommand(argv: readonly Buffer[]): MockReply {
  const args = argv
    .slice(1)
    .map((a) => `'${text(a).slice(0, 128)}' `)
    .join('');
  return error(`ERR unknown command '${text(argv[0]!)}', with args beginning with: ${args}`);
}

function wrongArity(name: string): MockReply {
  return error(`ERR wrong number of arguments for '${name.toLowerCase().replace(' ', '|')}' command`);
}

/** Whether argc fits the table's arity for `name` (negative arity: a minimum). */
function arityFits(name: string, argc: number): boolean {
  const arity = commandInfo(name)?.arity ?? -1;
  return arity >= 0 ? argc === arity : argc >= -arity;
}

/** The key positions of a command, or none when the table finds none. */
function keyPositions(argv: readonly Buffer[]): readonly number[] {
  try {
    return commandKeys(argv).keys;
  } catch {
    return [];
  }
}

function isWrite(name: string): boolean {
  return commandInfo(name)?.flags.includes('write') ?? false;
}

/** The reply to one command on one link; a data command's reply may come from a promise. */
export function executeCommand(
  ctx: NodeContext,
  link: LinkState,
  argv: readonly Buffer[],
): MockReply | Promise<MockReply> {
  const name = text(argv[0]!).toUpperCase();
  const asking = link.asking;
  if (name !== 'ASKING') link.asking = false;
  const injected = ctx.injected.take(
    ctx.node.id,
    name,
    argv.length > 1 ? text(argv[1]!).toUpperCase() : '',
    keyPositions(argv).length > 0,
  );
  if (injected !== undefined) return injected;
  if (ctx.password !== '' && !link.authenticated && !BEFORE_AUTH.has(name)) return error(NOAUTH);
  if (link.multi !== null && !TRANSACTION.has(name)) return queue(ctx, link, argv, name, asking);
  const subscribed = ctx.pubsub.refusal(link.pubsub, name);
  if (subscribed !== null) return subscribed;
  switch (name) {
    case 'SUBSCRIBE':
    case 'PSUBSCRIBE':
    case 'SSUBSCRIBE':
    case 'UNSUBSCRIBE':
    case 'PUNSUBSCRIBE':
    case 'SUNSUBSCRIBE':
      return ctx.pubsub.command(link.pubsub, name, argv.slice(1), asking, link.readonly);
    case 'PUBLISH':
      if (argv.length !== 3) return wrongArity('publish');
      return ctx.pubsub.publish(ctx.node, text(argv[1]!), text(argv[2]!));
    case 'SPUBLISH': {
      if (argv.length !== 3) return wrongArity('spublish');
      const keys = [argv[1]!];
      const refused = routeCommand(
        ctx.state,
        ctx.node,
        { keys, write: false, migrate: false },
        { asking, readonly: false },
      );
      return refused ?? ctx.pubsub.spublish(ctx.node, text(argv[1]!), text(argv[2]!));
    }
    case 'CONFIG':
      return ctx.pubsub.config(ctx.node, argv);
    case 'PING':
      if (argv.length > 2) return wrongArity('ping');
      if (ctx.pubsub.ping(link.pubsub, argv) !== undefined) return ctx.pubsub.ping(link.pubsub, argv)!;
      return argv.length === 2 ? argv[1]! : { status: 'PONG' };
    case 'ECHO':
      return argv.length === 2 ? argv[1]! : wrongArity('echo');
    case 'AUTH':
      if (argv.length < 2 || argv.length > 3) return wrongArity('auth');
      return authenticate(ctx, link, argv.length === 3 ? argv[1]! : null, argv[argv.length - 1]!);
    case 'HELLO':
      return ctx.resp3 ? hello(ctx, link, argv) : unknownCommand(argv);
    case 'SELECT':
      if (argv.length !== 2) return wrongArity('select');
      return text(argv[1]!) === '0' ? OK : error('ERR SELECT is not allowed in cluster mode');
    case 'QUIT':
      link.quit = true;
      return OK;
    case 'ASKING':
      link.asking = true;
      return OK;
    case 'READONLY':
    case 'READWRITE':
      link.readonly = name === 'READONLY';
      return OK;
    case 'CLUSTER':
      return cluster(ctx, argv);
    case 'MIGRATE': {
      if (!arityFits(name, argv.length)) return wrongArity(name);
      const keys = keyPositions(argv).map((k) => argv[k]!);
      const flags = { asking, readonly: link.readonly };
      const refused =
        keys.length === 0
          ? null
          : routeCommand(ctx.state, ctx.node, { keys, write: true, migrate: true }, flags);
      return refused ?? migrate(ctx.state, ctx.node, argv, ctx.password);
    }
    case 'MULTI':
      if (link.multi !== null) return error('ERR MULTI calls can not be nested');
      link.multi = [];
      link.multiFailed = false;
      return OK;
    case 'EXEC':
      return exec(ctx, link, asking);
    case 'DISCARD':
      if (link.multi === null) return error('ERR DISCARD without MULTI');
      link.multi = null;
      return OK;
  }
  const refused = check(ctx, link, argv, name, asking);
  if (refused !== null) return refused;
  return run(ctx, link, argv);
}

/** Arity, routing and replica checks of a data command: null when it may run here. */
function check(ctx: NodeContext, link: LinkState, argv: readonly Buffer[], name: string, asking: boolean) {
  const command = dataCommand(name);
  if (command === undefined) return unknownCommand(argv);
  if (!arityFits(name, argv.length)) return wrongArity(name);
  const keys = keyPositions(argv);
  const write = isWrite(name);
  if (keys.length > 0) {
    return routeCommand(
      ctx.state,
      ctx.node,
      { keys: keys.map((k) => argv[k]!), write, migrate: false },
      { asking, readonly: link.readonly },
    );
  }
  if (write && ctx.node.role === 'replica')
    return error("READONLY You can't write against a read only replica.");
  return null;
}

function run(ctx: NodeContext, link: LinkState, argv: readonly Buffer[]): MockReply | Promise<MockReply> {
  const command = dataCommand(text(argv[0]!))!;
  const keys = keyPositions(argv);
  const reply = ctx.node.store.run(command, argv, keys, link.resp);
  if (!isWrite(command.name.toUpperCase())) return reply;
  // Keyspace notifications once the write is done (Redis sends them after the command runs).
  const notify = (result: MockReply) => {
    if (errorText(result) === undefined)
      ctx.pubsub.notify(
        ctx.node,
        command.name,
        keys.map((k) => argv[k]!),
      );
    return result;
  };
  return reply instanceof Promise ? reply.then(notify) : notify(reply);
}

function authenticate(ctx: NodeContext, link: LinkState, user: Buffer | null, pass: Buffer): MockReply {
  if (ctx.password === '') return error(NO_PASSWORD);
  if ((user !== null && text(user) !== 'default') || text(pass) !== ctx.password) return error(WRONGPASS);
  link.authenticated = true;
  return OK;
}

/** HELLO [protover [AUTH user pass] [SETNAME name]]. */
function hello(ctx: NodeContext, link: LinkState, argv: readonly Buffer[]): MockReply {
  let resp = link.resp;
  if (argv.length > 1) {
    const version = text(argv[1]!);
    if (!/^[0-9]+$/.test(version)) return error('ERR Protocol version is not an integer or out of range');
    if (version !== '2' && version !== '3') return error('NOPROTO unsupported protocol version');
    resp = version === '2' ? 2 : 3;
  }
  for (let i = 2; i < argv.length; i++) {
    const option = text(argv[i]!).toUpperCase();
    if (option === 'AUTH' && i + 2 < argv.length) {
      const refused = authenticate(ctx, link, argv[i + 1]!, argv[i + 2]!);
      if (errorText(refused) !== undefined) return refused;
      i += 2;
    } else if (option === 'SETNAME' && i + 1 < argv.length) {
      i += 1;
    } else {
      return error(`ERR Syntax error in HELLO option '${text(argv[i]!)}'`);
    }
  }
  if (ctx.password !== '' && !link.authenticated) return error(HELLO_NOAUTH);
  link.resp = resp;
  const map: [string, MockReply][] = [
    ['server', 'redis'],
    ['version', '7.0.15'],
    ['proto', resp],
    ['id', link.id],
    ['mode', 'cluster'],
    ['role', ctx.node.role],
    ['modules', []],
  ];
  // Valkey 8.1 appends the configured zone; without one the field is absent.
  const zone = ctx.node.availabilityZone;
  if (zone !== null) map.push(['availability_zone', zone]);
  return { map };
}

function cluster(ctx: NodeContext, argv: readonly Buffer[]): MockReply {
  if (argv.length < 2) return wrongArity('cluster');
  const sub = text(argv[1]!).toUpperCase();
  if (sub !== 'SETSLOT' && !isClusterSubcommand(sub)) {
    return error(`ERR unknown subcommand '${text(argv[1]!)}'. Try CLUSTER HELP.`);
  }
  if (!arityFits(`CLUSTER ${sub}`, argv.length)) return wrongArity(`cluster ${sub}`);
  if (sub === 'SETSLOT') {
    const reply = setSlot(ctx.state, ctx.node, argv.slice(2));
    ctx.pubsub.slotsMoved();
    return reply;
  }
  return clusterReply({ state: ctx.state, myself: ctx.node, tls: ctx.tls }, sub, argv.slice(2));
}

/** A command inside MULTI: checked now (a refusal aborts EXEC), run at EXEC. */
function queue(ctx: NodeContext, link: LinkState, argv: readonly Buffer[], name: string, asking: boolean) {
  const refused = check(ctx, link, argv, name, asking);
  if (refused !== null) {
    link.multiFailed = true;
    return refused;
  }
  link.multi!.push([...argv]);
  return { status: 'QUEUED' };
}

/** EXEC: every queued command must route here together, then they run back to back. */
function exec(ctx: NodeContext, link: LinkState, asking: boolean): MockReply | Promise<MockReply> {
  const queued = link.multi;
  if (queued === null) return error('ERR EXEC without MULTI');
  link.multi = null;
  if (link.multiFailed) return error('EXECABORT Transaction discarded because of previous errors.');
  const keys = queued.flatMap((argv) => keyPositions(argv).map((k) => argv[k]!));
  if (keys.length > 0) {
    const write = queued.some((argv) => isWrite(text(argv[0]!).toUpperCase()));
    const refused = routeCommand(
      ctx.state,
      ctx.node,
      { keys, write, migrate: false },
      { asking, readonly: link.readonly },
    );
    if (refused !== null) return refused;
  }
  // Started one after another in this tick: ioredis-mock applies each at once, so nothing interleaves.
  const replies = queued.map((argv) => run(ctx, link, argv));
  return Promise.all(replies);
}
