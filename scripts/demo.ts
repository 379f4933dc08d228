/**
 * `npm run demo`: hircluster at work with nothing installed. It starts a MockCluster (3 primaries with a
 * replica each, on loopback ports, data in ioredis-mock) and shows both APIs: synchronous SET/GET,
 * MGET across slots, a pipeline, DBSIZE on every node, async callbacks with privdata, the promise face,
 * events, and a slot migration the client follows by itself.
 *
 *   npm run demo                                     # on a MockCluster
 *   npm run demo -- --cluster 127.0.0.1:7000         # the same against a real cluster
 *   npm run demo -- --cluster 127.0.0.1:7000 --migrate
 *
 * On a real cluster the keys are removed at the end, and the migration step runs only with --migrate:
 * it moves a slot to another master and back (CLUSTER SETSLOT + MIGRATE), and other clients of the
 * cluster meet ASK/MOVED for that slot meanwhile.
 */
import { AsyncClusterContext } from '../lib/async-context.js';
import { BlockingClusterContext } from '../lib/blocking/blocking-context.js';
import { keySlot } from '../lib/cluster/keyslot.js';
import type { ClusterNode } from '../lib/cluster/slotmap.js';
import { ClusterError, type ReplyError } from '../lib/errors.js';
import { MockCluster } from '../lib/testing/index.js';
import { CommandMigration } from './demo/command-migration.js';
import { commandText, line, section, show } from './demo/output.js';

const USAGE = 'usage: npm run demo [-- --cluster host:port[,host:port...] [--migrate]]';
const PREFIX = 'demo:';
const KEYS = {
  greeting: `${PREFIX}greeting`,
  spread: [`${PREFIX}{a}`, `${PREFIX}{b}`, `${PREFIX}{c}`],
  counter: `${PREFIX}counter`,
  user: `${PREFIX}user`,
  moving: `${PREFIX}{moving}`,
};

/** A slot move the demo can run: by MockCluster's test API, or by commands on a real cluster. */
interface SlotMover {
  readonly how: string;
  begin(): Promise<void>;
  moveKeys(): Promise<number>;
  finish(): Promise<void>;
  /** Puts the slot back (real cluster), or nothing to do (mock). */
  restore(): Promise<void>;
  /** What the nodes received since the last call (MockCluster only; a real cluster does not tell). */
  wire(): Promise<string[]>;
}

interface Options {
  cluster: string | null;
  migrate: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { cluster: null, migrate: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--cluster' && i + 1 < argv.length) options.cluster = argv[++i]!;
    else if (arg.startsWith('--cluster=')) options.cluster = arg.slice('--cluster='.length);
    else if (arg === '--migrate') options.migrate = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`unknown argument '${arg}'\n${USAGE}`);
      process.exit(2);
    }
  }
  if (options.migrate && options.cluster === null) {
    console.error(`--migrate goes with --cluster (on the MockCluster the demo always migrates)\n${USAGE}`);
    process.exit(2);
  }
  return options;
}

function describeNode(node: ClusterNode): string {
  const slots = node.slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
  return `${node.addr} (slots ${slots})`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`'s value, or `fallback` after `ms` (so the demo never hangs on an event that does not come). */
async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** 1-4: the synchronous API. */
function synchronous(cc: BlockingClusterContext): void {
  section('1. Synchronous API: BlockingClusterContext (the call blocks; a worker thread owns the sockets)');
  cc.connect();
  line('connect()', `slot map version ${cc.version}`, `${[...cc.nodes()].length} masters`);
  line(
    `SET ${KEYS.greeting} "hello, cluster"`,
    show(cc.command('SET %s %s', KEYS.greeting, 'hello, cluster')),
  );
  line(`GET ${KEYS.greeting}`, show(cc.command('GET %s', KEYS.greeting)));

  section('2. Multi-key commands: split per slot, sent in parallel, merged in key order');
  const mset = [KEYS.spread[0]!, '1', KEYS.spread[1]!, '2', KEYS.spread[2]!, '3'];
  line(`MSET ${commandText(mset)}`, show(cc.commandArgv(['MSET', ...mset])));
  const mget = [...KEYS.spread, `${PREFIX}{none}`];
  line(`MGET ${commandText(mget)}`, show(cc.commandArgv(['MGET', ...mget])));
  line('(their slots)', KEYS.spread.map((k) => keySlot(k)).join(', '));

  section('3. Pipelining: appendCommand() queues, the first getReply() sends them all, reset() ends it');
  const pipeline = [
    ['SET', KEYS.counter, '10'],
    ['INCRBY', KEYS.counter, '5'],
    ['GET', KEYS.counter],
  ];
  for (const argv of pipeline) cc.appendCommandArgv(argv);
  for (const argv of pipeline) line(commandText(argv), show(cc.getReply()));
  cc.reset();

  section('4. Commands to a node: DBSIZE on every master (ToNode never redirects)');
  for (const node of cc.nodes()) line(describeNode(node), `${show(cc.commandToNode(node, 'DBSIZE'))} key(s)`);
}

/** 5-6: the asynchronous API; returns when its first slot map came (performance.now()). */
async function asynchronous(acc: AsyncClusterContext): Promise<number> {
  section('5. Asynchronous API: AsyncClusterContext (callbacks, events)');
  await acc.connect();
  const connectedAt = performance.now();
  const replies = new Promise<void>((resolve) => {
    let left = 2;
    const callback = (_acc: AsyncClusterContext, reply: unknown, privdata: { id: number; what: string }) => {
      line(`callback ${privdata.id} (${privdata.what})`, show(reply), `privdata ${JSON.stringify(privdata)}`);
      if (--left === 0) resolve();
    };
    // Both queued in this tick: they leave in one write per node.
    acc.command(callback, { id: 1, what: 'GET' }, 'GET %s', KEYS.greeting);
    acc.command(callback, { id: 2, what: 'INCR' }, 'INCR %s', KEYS.counter);
  });
  await replies;

  section('6. The promise face: await acc.send(...)');
  line(
    `HSET ${KEYS.user} name Ada lang TypeScript`,
    show(await acc.send('HSET', KEYS.user, 'name', 'Ada', 'lang', 'TypeScript')),
  );
  line(`HGETALL ${KEYS.user}`, show(await acc.send('HGETALL', KEYS.user)));
  try {
    await acc.send('INCR', KEYS.greeting);
  } catch (err) {
    line(`INCR ${KEYS.greeting}`, `rejects: ${(err as ReplyError).message}`);
  }
  return connectedAt;
}

/** 7: a slot migration both contexts follow by themselves. */
async function migration(
  cc: BlockingClusterContext,
  acc: AsyncClusterContext,
  mover: SlotMover | null,
  connectedAt: number,
): Promise<void> {
  const slot = keySlot(KEYS.moving);
  section('7. A slot migration the client follows by itself');
  if (mover === null) {
    line(`skipped on a real cluster: it would move slot ${slot} (${KEYS.moving}) to another master and back`);
    line('(CLUSTER SETSLOT + MIGRATE); other clients of the cluster meet ASK/MOVED meanwhile.');
    line('Run with --migrate to do it.');
    return;
  }
  cc.command('SET %s %s', KEYS.moving, 'on the move');
  line(`slot ${slot} (${KEYS.moving}), ${mover.how}`);
  await mover.begin();
  const moved = await mover.moveKeys();
  await mover.wire();
  const during = show(await acc.send('GET', KEYS.moving));
  line(`migrating, ${moved} key(s) already on the target: GET`, during, 'ASK followed');
  for (const text of await mover.wire()) line(`  ${text}`);
  // hiredis-cluster's async context refreshes its slot map at most once a second: let a second pass.
  await sleep(Math.max(0, connectedAt + 1100 - performance.now()));
  await mover.finish();
  const updated = new Promise<number>((resolve) => acc.once('slotmap-updated', resolve));
  line('moved: GET (async)', show(await acc.send('GET', KEYS.moving)), 'MOVED followed');
  const version = await within(updated, 5000, 0);
  for (const text of await mover.wire()) line(`  ${text}`);
  line('event slotmap-updated', version === 0 ? 'none within 5 s' : `version ${version}`);
  line(`slot ${slot} is now served by`, acc.nodeForKey(KEYS.moving)?.addr ?? '?');
  line('moved: GET (sync)', show(cc.command('GET %s', KEYS.moving)), `slot map version ${cc.version}`);
  for (const text of await mover.wire()) line(`  ${text}`);
  await mover.restore();
}

/** The MockCluster's test API moves the slot. */
function mockMover(cluster: MockCluster): SlotMover {
  const slot = keySlot(KEYS.moving);
  const from = cluster.nodeForSlot(slot);
  const to = cluster.primaries.find((p) => p.id !== from.id)!;
  return {
    how: `from ${from.address} to ${to.address} (MockCluster.beginMigration / moveSlotKeys / finishMigration)`,
    begin: () => cluster.beginMigration(slot, to),
    moveKeys: () => cluster.moveSlotKeys(slot),
    finish: () => cluster.finishMigration(slot),
    restore: async () => {},
    wire: async () =>
      (await cluster.takeHistory()).map(
        (r) => `${r.node === from.address ? 'source' : 'target'} got ${r.argv.join(' ')}`,
      ),
  };
}

/** Commands move the slot on a real cluster, and move it back at the end. */
function commandMover(cc: BlockingClusterContext): SlotMover {
  const slot = keySlot(KEYS.moving);
  const masters = [...cc.nodes()];
  const from = cc.nodeForKey(KEYS.moving)!;
  const to = masters.find((m) => m.addr !== from.addr)!;
  const there = new CommandMigration(cc, slot, from, to, masters);
  const back = new CommandMigration(cc, slot, to, from, masters);
  const guarded = (migration: CommandMigration, step: () => void) => {
    try {
      step();
    } catch (err) {
      migration.abort();
      throw err;
    }
  };
  return {
    how: `from ${from.addr} to ${to.addr} (CLUSTER SETSLOT + MIGRATE), and back at the end`,
    wire: async () => [],
    begin: async () => guarded(there, () => there.begin()),
    moveKeys: async () => {
      let moved = 0;
      guarded(there, () => {
        moved = there.moveKeys();
      });
      return moved;
    },
    finish: async () => guarded(there, () => there.finish()),
    restore: async () =>
      guarded(back, () => {
        back.begin();
        back.moveKeys();
        back.finish();
        line(`slot ${slot} moved back to ${from.addr}`);
      }),
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  let cluster: MockCluster | null = null;
  let seeds: string[];
  if (options.cluster === null) {
    cluster = await MockCluster.start({ primaries: 3, replicasPerPrimary: 1 });
    seeds = cluster.addresses.slice(0, 1);
    console.log('hircluster demo on a MockCluster: 3 primaries + 3 replicas on 127.0.0.1 ports');
    console.log(
      `(hircluster/testing: a worker thread of this process, data in ioredis-mock), seed ${seeds[0]}`,
    );
  } else {
    seeds = options.cluster.split(',');
    console.log(`hircluster demo on the cluster at ${options.cluster} (keys ${PREFIX}*, removed at the end)`);
  }
  const cc = new BlockingClusterContext({ nodes: seeds });
  const acc = new AsyncClusterContext({ nodes: seeds });
  acc.on('ready', () => line('event ready', 'the first slot map is in: commands can be routed'));
  acc.on('slotmap-updated', (version) => {
    if (version === 1) line('event slotmap-updated', `version ${version}`);
  });
  try {
    synchronous(cc);
    const connectedAt = await asynchronous(acc);
    const mover = cluster !== null ? mockMover(cluster) : options.migrate ? commandMover(cc) : null;
    await migration(cc, acc, mover, connectedAt);
    if (cluster === null) {
      const keys = [KEYS.greeting, ...KEYS.spread, KEYS.counter, KEYS.user, KEYS.moving];
      section('Clean-up');
      line(`DEL the ${keys.length} demo keys`, show(cc.commandArgv(['DEL', ...keys])));
    }
    console.log('\nDone. Next: README.md (Quick usage) and examples/.');
  } finally {
    acc.disconnect();
    cc.close();
    await cluster?.stop();
  }
}

main().catch((err: unknown) => {
  const what = err instanceof ClusterError ? `${err.message} (err ${err.code})` : String(err);
  console.error(`demo failed: ${what}`);
  process.exitCode = 1;
});
