/**
 * Direct calls of the blocking face (the caller writes and reads on a lent link itself), on scripted nodes:
 * which calls go direct, and every way one can stop being ordinary — a reply split across reads or larger
 * than the read buffer, a reply slower than the spin budget, an error reply, MOVED, ASK, a reset, an idle
 * close — each ending exactly as the worker's own path ends. The blocking face runs in a child process
 * (spec/support/blocking-scripts/direct-calls.ts): its calls block the thread they are made on.
 */
import { expect } from 'chai';
import type { BlockingOptions } from '../../lib/blocking/blocking-context.js';
import { blockingChild } from '../support/blocking-child.js';
import { range, SLOTS } from '../support/cli-topology.js';
import { scriptedAsync } from '../support/scripted-async.js';
import {
  type Conversation,
  error,
  inAnyOrder,
  type ScriptedNode,
  type Step,
  status,
} from '../support/scripted-node.js';

const GET = ['GET', 'foo'];
const FOO = 12182; // keySlot('foo')

function childRun(options: BlockingOptions, commands: string[][]): Promise<unknown[]> {
  return blockingChild('direct-calls', options, commands);
}

describe('engine: direct calls of the blocking face (scripted nodes)', () => {
  const harness = scriptedAsync({ timeoutMs: 10_000 });
  let conv: Conversation;

  beforeEach(() => {
    ({ conv } = harness);
  });

  /** Runs the blocking face while the conversation goes on; both must finish. */
  async function blocking(options: BlockingOptions, commands: string[][]): Promise<unknown[]> {
    const run = childRun(options, commands);
    run.catch(() => {});
    const first = await Promise.race([conv.done().then(() => 'script'), run.then(() => 'child')]);
    if (first === 'child') await conv.done({ timeoutMs: 1000 });
    return run;
  }

  /** connect() on a temporary link to `a` (every slot on `a`), then the first GET through the worker. */
  function opened(a: ScriptedNode): Step[] {
    return [
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'a')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(GET),
      a.send('bar'),
    ];
  }

  /** Steps: `node` sends `bytes` `ms` after the step is reached. */
  function later(node: ScriptedNode, ms: number, bytes: string): Step {
    return conv.call(`${node.name} sends ${JSON.stringify(bytes)} ${ms} ms later`, () => {
      const socket = node.newest()!.socket;
      setTimeout(() => socket.write(bytes), ms);
    });
  }

  const CONNECTED = 'connected';
  /** A fixed spin of 1 s: every direct call waits for its reply, however slow the scripted node. */
  const SPIN = 1_000_000;
  const bar = (path: string) => ({ reply: 'bar', path });

  it('goes direct once the link is idle: the node sees the same conversation', async () => {
    const a = await conv.node();
    conv.script(
      ...opened(a),
      a.expectCommand(GET),
      a.send('bar'),
      a.expectCommand(['SET', 'foo', 'x']),
      a.send(status('OK')),
      a.expectClose(),
    );
    const out = await blocking({ nodes: a.addr, spin: SPIN }, [GET, GET, ['SET', 'foo', 'x']]);
    expect(out).to.deep.equal([
      { reply: CONNECTED },
      bar('worker'),
      bar('direct'),
      { reply: 'OK', path: 'direct' },
    ]);
  });

  it('reads a reply split across reads, and one larger than its read buffer, itself', async () => {
    const a = await conv.node();
    const big = 'x'.repeat(100_000);
    conv.script(
      ...opened(a),
      a.expectCommand(GET),
      a.sendRaw('$3\r\nb'),
      later(a, 5, 'ar\r\n'),
      a.expectCommand(GET),
      a.send(big),
      a.expectClose(),
    );
    const out = await blocking({ nodes: a.addr, spin: SPIN }, [GET, GET, GET]);
    expect(out).to.deep.equal([
      { reply: CONNECTED },
      bar('worker'),
      bar('direct'),
      { reply: big, path: 'direct' },
    ]);
  });

  it('hands a reply slower than its budget to the worker mid-frame, then goes direct again', async () => {
    const a = await conv.node();
    conv.script(
      ...opened(a),
      a.expectCommand(GET),
      a.sendRaw('$3\r\nb'),
      later(a, 200, 'ar\r\n'),
      a.expectCommand(GET),
      a.send('bar'),
      a.expectClose(),
    );
    // A fixed spin of 20 ms: long enough for the scripted node's quick replies, not for the slow one.
    const out = await blocking({ nodes: a.addr, spin: 20_000 }, [GET, GET, GET]);
    expect(out).to.deep.equal([{ reply: CONNECTED }, bar('worker'), bar('handed'), bar('direct')]);
  });

  it('hands an error reply to the worker, which returns it as the worker path does', async () => {
    const a = await conv.node();
    conv.script(...opened(a), a.expectCommand(GET), a.send(error('ERR nope')), a.expectClose());
    const out = await blocking({ nodes: a.addr, spin: SPIN }, [GET, GET]);
    expect(out).to.deep.equal([{ reply: CONNECTED }, bar('worker'), { error: 'ERR nope', path: 'handed' }]);
  });

  it('MOVED met directly: the worker follows it, updates the map, and the new owner goes direct', async () => {
    const a = await conv.node({ name: 'A' });
    const b = await conv.node({ name: 'B' });
    conv.script(
      ...opened(a),
      a.expectCommand(GET),
      a.send(error(`MOVED ${FOO} ${b.addr}`)),
      inAnyOrder(
        // The sync policy asks at once on the redirecting link; A leaves the map and its link closes.
        [a.expectCommand(SLOTS), a.send([range(0, 16383, b, 'b')]), a.expectClose()],
        [b.expectConnect(), b.expectCommand(GET), b.send('bar')],
      ),
      b.expectCommand(GET),
      b.send('bar'),
      b.expectClose(),
    );
    const out = await blocking({ nodes: a.addr, spin: SPIN }, [GET, GET, GET]);
    expect(out).to.deep.equal([{ reply: CONNECTED }, bar('worker'), bar('handed'), bar('direct')]);
  });

  it('ASK met directly: the worker asks the other node once; the next call goes direct to the owner', async () => {
    const a = await conv.node({ name: 'A' });
    const b = await conv.node({ name: 'B' });
    conv.script(
      ...opened(a),
      a.expectCommand(GET),
      a.send(error(`ASK ${FOO} ${b.addr}`)),
      b.expectConnect(),
      b.expectCommand(['ASKING']),
      b.send(status('OK')),
      b.expectCommand(GET),
      b.send('bar'),
      a.expectCommand(GET),
      a.send('bar'),
      inAnyOrder(a.expectClose(), b.expectClose()),
    );
    const out = await blocking({ nodes: a.addr, spin: SPIN }, [GET, GET, GET]);
    expect(out).to.deep.equal([{ reply: CONNECTED }, bar('worker'), bar('handed'), bar('direct')]);
  });

  it('a reset met directly fails the call with the socket error; an update is then due, through the worker', async () => {
    const a = await conv.node();
    conv.script(
      ...opened(a),
      a.expectCommand(GET),
      a.closeLink({ reset: true }),
      // The next command goes through the worker, which pipelines the due update after it.
      a.expectConnect(),
      a.expectCommand(GET),
      a.send('bar'),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'a')]),
      a.expectCommand(GET),
      a.send('bar'),
      a.expectClose(),
    );
    const out = await blocking({ nodes: a.addr, spin: SPIN }, [GET, GET, GET, GET]);
    expect(out).to.deep.equal([
      { reply: CONNECTED },
      bar('worker'),
      { failed: [1, 'Connection reset by peer'], path: 'handed' },
      bar('worker'),
      bar('direct'),
    ]);
  });

  it("an idle link the node closed: the next call meets the close (hiredis' sync API)", async () => {
    const a = await conv.node();
    conv.script(
      ...opened(a),
      a.closeLink(),
      a.expectConnect(),
      a.expectCommand(GET),
      a.send('bar'),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'a')]),
      a.expectClose(),
    );
    const out = await blocking({ nodes: a.addr, spin: SPIN }, [GET, ['sleep', '50'], GET, GET]);
    expect(out).to.deep.equal([
      { reply: CONNECTED },
      bar('worker'),
      { failed: [3, 'Server closed the connection'], path: 'handed' },
      bar('worker'),
    ]);
  });

  it('a lent link the node closed, taken back for the worker (a split MGET): found before routing, with detectIdleClose', async () => {
    const a = await conv.node();
    conv.script(
      ...opened(a),
      a.closeLink(),
      a.expectConnect(),
      a.expectCommand(['MGET', 'foo']),
      a.send(['bar']),
      a.expectCommand(['MGET', 'zap']),
      a.send(['baz']),
      a.expectClose(),
    );
    // 2 ms: a link lent that briefly is still looked at first when every close counts.
    const out = await blocking({ nodes: a.addr, spin: SPIN, detectIdleClose: true }, [
      GET,
      ['sleep', '2'],
      ['MGET', 'foo', 'zap'],
    ]);
    expect(out).to.deep.equal([
      { reply: CONNECTED },
      bar('worker'),
      { reply: ['bar', 'baz'], path: 'worker' },
    ]);
  });

  it('spin 0 makes no direct call and lends no link: an idle close is seen as it happens', async () => {
    const a = await conv.node();
    conv.script(
      ...opened(a),
      a.closeLink(),
      a.expectConnect(),
      a.expectCommand(GET),
      a.send('bar'),
      a.expectClose(),
    );
    const out = await blocking({ nodes: a.addr, spin: 0, detectIdleClose: true }, [
      GET,
      ['sleep', '50'],
      GET,
    ]);
    expect(out).to.deep.equal([{ reply: CONNECTED }, bar('worker'), bar('worker')]);
  });

  it('an idle link the node closed, with detectIdleClose: found before writing, the call reconnects', async () => {
    const a = await conv.node();
    conv.script(
      ...opened(a),
      a.closeLink(),
      a.expectConnect(),
      a.expectCommand(GET),
      a.send('bar'),
      a.expectClose(),
    );
    const out = await blocking({ nodes: a.addr, spin: SPIN, detectIdleClose: true }, [
      GET,
      ['sleep', '50'],
      GET,
    ]);
    expect(out).to.deep.equal([{ reply: CONNECTED }, bar('worker'), bar('handed')]);
  });
});
