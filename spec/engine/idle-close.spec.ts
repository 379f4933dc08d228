/**
 * The blocking face's worker (WorkerHost, the sync policy) when a node closes its link while nothing is
 * pending on it. hiredis-cluster's sync API learns of that close only when it next writes on the link: that
 * command fails with the close ('Server closed the connection') and an update is made due, pipelined after
 * the next command. The `detectIdleClose` option reconnects first instead. (The CLI conversations of the
 * same rule, byte for byte: spec/cli/clusterclient.spec.ts.)
 */
import { expect } from 'chai';
import { OP_CONNECT, ROUTED } from '../../lib/blocking/batch.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { SyncPolicy } from '../../lib/engine/policy.js';
import { REDIS_ERR_EOF } from '../../lib/errors.js';
import { resolveOptions } from '../../lib/options.js';
import { type BatchCommand, MemoryChannel } from '../support/memory-channel.js';
import { RecordingHost } from '../support/recording-host.js';
import type { RespValue } from '../support/resp-values.js';
import { settle } from '../support/sim-drive.js';
import { SimNetwork, type SimNode } from '../support/sim-network.js';

// 'foo' is slot 12182: on B until B leaves.
describe('worker host, sync policy: a node closes its idle link', () => {
  /** A (slots 0-8191) and B (8192-16383); once B is gone, A answers CLUSTER SLOTS with every slot. */
  async function setup(detectIdleClose: boolean) {
    const net = new SimNetwork({ latency: 1 });
    let bGone = false;
    const map = (): RespValue =>
      bGone
        ? [[0, 16383, [a.host, a.port, 'id-a']]]
        : [
            [0, 8191, [a.host, a.port, 'id-a']],
            [8192, 16383, [b.host, b.port, 'id-b']],
          ];
    const a: SimNode = net.node('127.0.0.1:7000', (argv) => (argv[0] === 'CLUSTER' ? map() : `A:${argv[1]}`));
    const b: SimNode = net.node('127.0.0.1:7001', (argv) => (argv[0] === 'CLUSTER' ? map() : `B:${argv[1]}`));
    const channel = new MemoryChannel();
    const host = new RecordingHost(
      channel,
      net.loop,
      resolveOptions({ nodes: a.addr }),
      new SyncPolicy(detectIdleClose),
    );
    void host.run();
    const run = <T>(answer: Promise<T>) => settle(net, answer);
    await run(channel.call(OP_CONNECT));
    const get = async (key: string) => {
      const command: BatchCommand = [ROUTED, keySlot(key), ['GET', key]];
      host.expect(1);
      await run(channel.callBatch([command]));
      return host.log[0];
    };
    expect(await get('foo')).to.equal('0 "B:foo"');
    /** B closes its link while it is idle and stops listening; A then owns every slot. */
    const leave = () => {
      bGone = true;
      b.listening = false;
      b.link!.halfClose();
      net.loop.advance(10);
    };
    return { a, b, get, leave };
  }

  it('by default the next command written on it fails with the close; the next one carries the update', async () => {
    const { a, get, leave } = await setup(false);
    leave();
    expect(await get('foo')).to.equal(`0 failed ${REDIS_ERR_EOF} Server closed the connection`);
    // The update made due goes out after this command, on its node's link: refused, so a blocking update
    // on temporary links follows and the command goes to A.
    expect(await get('foo')).to.equal('0 "A:foo"');
    // A#1: the first map; A#2: the blocking update's temporary link; A#3: the command link.
    expect(a.commands()).to.deep.equal(['A#1 CLUSTER SLOTS', 'A#2 CLUSTER SLOTS', 'A#3 GET foo']);
  });

  it('detectIdleClose: the closed link is forgotten; the next command reconnects, is refused, updates and runs on A', async () => {
    const { a, get, leave } = await setup(true);
    leave();
    expect(await get('foo')).to.equal('0 "A:foo"');
    expect(a.commands()).to.deep.equal(['A#1 CLUSTER SLOTS', 'A#2 CLUSTER SLOTS', 'A#3 GET foo']);
  });
});
