/**
 * Links with roles on the simulated network, both faces: the async face (AsyncClusterContext on the
 * simulated loop) and the blocking face's worker (the real WorkerHost, fed batches in the channel's layout).
 * A transaction is one contiguous MULTI…EXEC write on the shared link and follows a redirect as a whole; a
 * blocking command runs on a dedicated link of its node, so the node's other commands are not held behind
 * it, within a bounded pool, and a command timeout never ends it before its own wait; a WATCH session
 * keeps a dedicated link until it ends with UNWATCH. (Real-cluster specs: spec/integration/link-roles.spec.ts.)
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BLOCKING, OP_CONNECT, ROUTED, TRANSACTION } from '../../lib/blocking/batch.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { TransactionPlan } from '../../lib/cluster/transaction-plan.js';
import { resolveOptions } from '../../lib/options.js';
import { type BatchCommand, MemoryChannel } from '../support/memory-channel.js';
import { RecordingHost } from '../support/recording-host.js';
import { error, type RespValue, status } from '../support/resp-values.js';
import { settle } from '../support/sim-drive.js';
import { SimNetwork, type SimNode } from '../support/sim-network.js';

const TAG = '{acct}';
const SLOT = keySlot(TAG); // served by A until it moves to B

/** A (every slot, or all but SLOT once moved) and B; a tiny server: GET/SET/INCRBY/BLPOP, MULTI/EXEC per link. */
function cluster(net: SimNetwork, options: { moveOnMulti?: boolean } = {}) {
  const data = new Map<string, string>();
  let moved = false;
  const queued = new Map<unknown, string[][] | 'aborted'>();
  const map = (): RespValue =>
    moved
      ? [
          [0, SLOT - 1, [a.host, a.port, 'id-a']],
          [SLOT, SLOT, [b.host, b.port, 'id-b']],
          [SLOT + 1, 16383, [a.host, a.port, 'id-a']],
        ]
      : [[0, 16383, [a.host, a.port, 'id-a']]];
  const run = (argv: string[]): RespValue => {
    switch (argv[0]) {
      case 'GET':
        return data.get(argv[1]!) ?? null;
      case 'SET':
        data.set(argv[1]!, argv[2]!);
        return status('OK');
      case 'INCRBY': {
        const value = Number(data.get(argv[1]!) ?? 0) + Number(argv[2]);
        data.set(argv[1]!, String(value));
        return value;
      }
      default:
        return error(`ERR unknown command '${argv[0]}'`);
    }
  };
  const handler =
    (self: () => SimNode) =>
    (argv: string[], link: object): RespValue | undefined => {
      const name = argv[0]!;
      if (name === 'CLUSTER') return map();
      if (name === 'BLPOP') return undefined; // answered by the spec, later
      if (name === 'UNWATCH' || name === 'WATCH') return status('OK');
      if (name === 'MULTI') {
        queued.set(link, []);
        if (options.moveOnMulti && self() === a) moved = true;
        return status('OK');
      }
      const tx = queued.get(link);
      if (name === 'EXEC') {
        queued.delete(link);
        if (tx === 'aborted') return error('EXECABORT Transaction discarded because of previous errors.');
        return (tx ?? []).map(run);
      }
      if (tx !== undefined) {
        if (moved && self() === a && argv[1]?.startsWith(TAG)) {
          queued.set(link, 'aborted');
          return error(`MOVED ${SLOT} ${b.addr}`);
        }
        if (tx !== 'aborted') tx.push(argv);
        return status('QUEUED');
      }
      return run(argv);
    };
  const a: SimNode = net.node(
    '127.0.0.1:7000',
    handler(() => a),
  );
  const b: SimNode = net.node(
    '127.0.0.1:7001',
    handler(() => b),
  );
  return { a, b, data };
}

/** The commands a node received, per link, without the first map's. */
function wire(node: SimNode): string[] {
  return node.commands().filter((line) => !line.endsWith('CLUSTER SLOTS'));
}

describe('links with roles, async face on the simulated network', () => {
  async function setup(
    extra: { commandTimeout?: number; maxDedicatedLinks?: number; moveOnMulti?: boolean } = {},
  ) {
    const net = new SimNetwork({ latency: 1 });
    const nodes = cluster(net, extra);
    const { moveOnMulti: _move, ...options } = extra;
    const acc = new AsyncClusterContext({ nodes: nodes.a.addr, adapter: net.loop, ...options });
    await settle(net, acc.connect());
    return { net, acc, ...nodes };
  }

  it('a transaction is one contiguous write: a command sent meanwhile runs outside it, with its own reply', async () => {
    const { net, acc, a } = await setup();
    const tx = acc.multi().add('SET', `${TAG}balance`, '1000').add('INCRBY', `${TAG}balance`, '-500').exec();
    const other = acc.send('SET', `${TAG}audit`, 'x');
    expect(await settle(net, Promise.all([tx, other]))).to.deep.equal([['OK', 500], 'OK']);
    expect(wire(a)).to.deep.equal([
      'A#1 MULTI',
      'A#1 SET {acct}balance 1000',
      'A#1 INCRBY {acct}balance -500',
      'A#1 EXEC',
      'A#1 SET {acct}audit x',
    ]);
  });

  it('a MOVED met while queued sends the whole transaction again, to the new owner', async () => {
    const { net, acc, a, b } = await setup({ moveOnMulti: true });
    const tx = acc.multi().add('SET', `${TAG}k`, 'v').add('GET', `${TAG}k`).exec();
    expect(await settle(net, tx)).to.deep.equal(['OK', 'v']);
    // The update the MOVED asks for waits out the throttle (the first map came less than a second ago).
    expect(wire(a)).to.deep.equal(['A#1 MULTI', 'A#1 SET {acct}k v', 'A#1 GET {acct}k', 'A#1 EXEC']);
    expect(wire(b)).to.deep.equal(['B#1 MULTI', 'B#1 SET {acct}k v', 'B#1 GET {acct}k', 'B#1 EXEC']);
  });

  it('keys of two slots in one transaction: refused at add(), nothing sent', async () => {
    const { acc, a } = await setup();
    const tx = acc.multi().add('SET', `${TAG}k`, 'v');
    expect(() => tx.add('SET', 'other', 'v')).to.throw(
      `CROSSSLOT Keys in a transaction must hash to one slot: 'SET' has a key of slot ${keySlot('other')}, the transaction is on slot ${SLOT}`,
    );
    expect(wire(a)).to.deep.equal([]);
  });

  it('the link resets inside a transaction: one outcome, the reset', async () => {
    const { net, acc, a } = await setup();
    a.handler = (argv, link) => {
      if (argv[0] === 'EXEC') (link as { reset(): void }).reset();
      return argv[0] === 'CLUSTER' ? [[0, 16383, [a.host, a.port, 'id-a']]] : status('QUEUED');
    };
    const outcomes: string[] = [];
    await settle(
      net,
      acc
        .multi()
        .add('SET', `${TAG}k`, 'v')
        .exec()
        .then(
          (v) => outcomes.push(`reply ${JSON.stringify(v)}`),
          (e: Error) => outcomes.push(`failed ${e.message}`),
        ),
    );
    net.loop.advance(100);
    expect(outcomes).to.deep.equal(['failed Connection reset by peer']);
  });

  it('a blocking pop runs on a dedicated link: the node’s other commands are not held behind it', async () => {
    const { net, acc, a } = await setup();
    const pop = acc.send('BLPOP', 'queue', '0');
    const get = acc.send('GET', 'queue');
    expect(await settle(net, get)).to.equal(null);
    // The dedicated link connects first, so the GET on the shared link reaches the node before the pop.
    expect(wire(a)).to.deep.equal(['A#1 GET queue', 'A#2 BLPOP queue 0']);
    a.links[1]!.send(['queue', 'job']);
    expect(await settle(net, pop)).to.deep.equal(['queue', 'job']);
  });

  it('maxDedicatedLinks bounds the pool: a second pop waits for the first one’s link', async () => {
    const { net, acc, a } = await setup({ maxDedicatedLinks: 1 });
    const first = acc.send('BLPOP', 'q1', '0');
    const second = acc.send('BLPOP', 'q2', '0');
    net.loop.advance(20);
    expect(wire(a)).to.deep.equal(['A#2 BLPOP q1 0']);
    a.links[1]!.send(['q1', 'x']);
    expect(await settle(net, first)).to.deep.equal(['q1', 'x']);
    net.loop.advance(20);
    expect(wire(a)).to.deep.equal(['A#2 BLPOP q1 0', 'A#2 BLPOP q2 0']);
    a.links[1]!.send(['q2', 'y']);
    expect(await settle(net, second)).to.deep.equal(['q2', 'y']);
  });

  it('a command timeout never ends a blocking command before its own wait; past wait + timeout it does', async () => {
    const { net, acc, a } = await setup({ commandTimeout: 100 });
    const start = net.loop.now();
    const answered = acc.send('BLPOP', 'q', '1'); // 1 s
    net.loop.advance(600);
    a.links[1]!.send(null);
    expect(await settle(net, answered)).to.equal(null);
    const silent = acc.send('BLPOP', 'q', '1');
    const at = net.loop.now();
    await settle(net, silent).then(
      () => expect.fail('a silent pop must time out'),
      (err: Error) => expect(err.message).to.equal('Timeout'),
    );
    expect(net.loop.now() - at).to.be.within(1100, 1110);
    expect(at - start).to.be.at.least(600);
  });

  it('a per-command timeout: send({ timeout }) ends that command alone', async () => {
    const { net, acc } = await setup();
    const at = net.loop.now();
    await settle(net, acc.send({ timeout: 50 }, 'BLPOP', 'q', '0')).then(
      () => expect.fail('must time out'),
      (err: Error) => expect(err.message).to.equal('Timeout'),
    );
    expect(net.loop.now() - at).to.be.within(50, 60);
  });

  it('a WATCH session keeps a dedicated link from WATCH to EXEC; the link goes back to the pool', async () => {
    const { net, acc, a } = await setup();
    const session = await settle(net, acc.watch(`${TAG}n`));
    expect(await settle(net, session.send('GET', `${TAG}n`))).to.equal(null);
    await settle(net, acc.send('SET', `${TAG}other`, '1'));
    expect(await settle(net, session.multi().add('INCRBY', `${TAG}n`, '5').exec())).to.deep.equal([5]);
    net.loop.advance(20);
    expect(wire(a)).to.deep.equal([
      'A#2 WATCH {acct}n',
      'A#2 GET {acct}n',
      'A#1 SET {acct}other 1',
      'A#2 MULTI',
      'A#2 INCRBY {acct}n 5',
      'A#2 EXEC',
      'A#2 UNWATCH',
    ]);
    // The next session leases the same link, clean.
    await settle(net, acc.watch(`${TAG}n`));
    expect(wire(a).at(-1)).to.equal('A#2 WATCH {acct}n');
  });
});

describe('links with roles, the blocking face’s worker on the simulated network', () => {
  async function setup(moveOnMulti = false) {
    const net = new SimNetwork({ latency: 1 });
    const nodes = cluster(net, { moveOnMulti });
    const channel = new MemoryChannel();
    const host = new RecordingHost(
      channel,
      net.loop,
      resolveOptions({ nodes: nodes.a.addr, commandTimeout: 100 }),
    );
    void host.run();
    await settle(net, channel.call(OP_CONNECT));
    const batch = async (...commands: BatchCommand[]) => {
      host.expect(commands.length);
      await settle(net, channel.callBatch(commands));
      return host.log.slice();
    };
    const transaction = (...argvs: string[][]) => {
      const plan = new TransactionPlan();
      for (const argv of argvs) plan.add(argv);
      const { bytes, frames } = plan.finish();
      return { plan, bytes, frames };
    };
    return { net, channel, host, batch, transaction, ...nodes };
  }

  it('a transaction is one command of a batch, one reply: EXEC’s; a MOVED while queued resends it whole', async () => {
    const { net, channel, host, transaction, a, b } = await setup(true);
    const { plan, bytes, frames } = transaction(['SET', `${TAG}k`, 'v'], ['GET', `${TAG}k`]);
    host.expect(1);
    const answer = settle(net, channel.callRaw(TRANSACTION, plan.slot, bytes, frames));
    await answer;
    expect(host.log).to.deep.equal(['0 ["OK","v"]']);
    expect(wire(a).slice(0, 4)).to.deep.equal([
      'A#2 MULTI',
      'A#2 SET {acct}k v',
      'A#2 GET {acct}k',
      'A#2 EXEC',
    ]);
    expect(wire(b)).to.deep.equal(['B#1 MULTI', 'B#1 SET {acct}k v', 'B#1 GET {acct}k', 'B#1 EXEC']);
  });

  it('a blocking command rides a dedicated link past the command timeout; the batch after it is not held', async () => {
    const { net, channel, host, batch, a } = await setup();
    host.expect(1);
    const pop = channel.callBatch([[BLOCKING, keySlot('q'), ['BLPOP', 'q', '1']]]);
    for (let i = 0; i < 60; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      net.loop.advance(5); // past the 100 ms command timeout
    }
    a.links.at(-1)!.send(['q', 'job']);
    await settle(net, pop);
    expect(host.log).to.deep.equal(['0 ["q","job"]']);
    expect(await batch([ROUTED, keySlot('x'), ['GET', 'x']])).to.deep.equal(['0 null']);
    expect(wire(a)).to.deep.equal(['A#2 BLPOP q 1', 'A#3 GET x']);
  });
});
