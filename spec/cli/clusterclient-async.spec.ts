/**
 * clusterclient_async (the async-API CLI) against scripted nodes, after hiredis-cluster's
 * tests/scripts/*.sh: stdout byte for byte, the exit code, and every connection, command and close
 * each node sees. Where the real tests accept several outputs because of races, the scripts here
 * order the nodes' actions (a reply only once the previous output is printed, or once the client
 * has shown on the wire that it processed the previous reply), so exactly one output is right.
 */
import { expect } from 'chai';
import { type BlackHole, blackHole } from '../support/black-hole.js';
import { answerAndLeave, NODES, range, refusedPort, SLOTS } from '../support/cli-topology.js';
import { CliRun, finish } from '../support/run-cli.js';
import {
  Conversation,
  error,
  inAnyOrder,
  type RespValue,
  type ScriptedNode,
  status,
  type WireEvent,
} from '../support/scripted-node.js';
import { peerCloseReceived } from '../support/socket-state.js';

/** Milliseconds between the first wire events matching `from` and `to`. */
function between(conv: Conversation, from: (e: WireEvent) => boolean, to: (e: WireEvent) => boolean): number {
  const a = conv.history.find(from);
  const b = conv.history.find(to);
  if (a === undefined || b === undefined) throw new Error('wire event not found');
  return b.at - a.at;
}

describe('cli: clusterclient_async', () => {
  let conv: Conversation;
  let cli: CliRun | undefined;
  let hole: BlackHole | undefined;

  beforeEach(() => {
    conv = new Conversation({ timeoutMs: 8000 });
    cli = undefined;
    hole = undefined;
  });

  afterEach(async () => {
    cli?.kill();
    await conv.close();
    await hole?.close();
  });

  function run(args: string[], stdin: string): CliRun {
    cli = new CliRun('clusterclient_async', args, { stdin });
    return cli;
  }

  /** The blocking-style initial update: a temporary link to `node`, closed before commands start. */
  function initialUpdate(node: ScriptedNode, reply: RespValue, command = SLOTS) {
    return [node.expectConnect(), node.expectCommand(command), node.send(reply), node.expectClose()];
  }

  it('sets and gets, with the events in order around the replies', async () => {
    const a = await conv.node();
    conv.script(
      ...initialUpdate(a, [range(0, 16383, a, 'nodeid123')]),
      a.expectConnect(),
      a.expectCommand(['SET', 'foo', 'bar']),
      a.send(status('OK')),
      a.expectCommand(['GET', 'foo']),
      a.send('bar'),
      a.expectClose(),
    );
    const result = await finish(run(['--events', a.addr], 'SET foo bar\nGET foo\n'), conv);
    expect(result.stdout).to.equal('Event: slotmap-updated\nEvent: ready\nOK\nbar\nEvent: free-context\n');
    expect(result.code).to.equal(0);
    expect(result.stderr).to.equal('');
  });

  it('skips empty and # lines, ignores unknown ! lines and prints replies bare', async () => {
    const a = await conv.node();
    conv.script(
      ...initialUpdate(a, [range(0, 16383, a, 'nodeid1')]),
      a.expectConnect(),
      a.expectCommand(['INCR', 'foo']),
      a.send(error('ERR value is not an integer or out of range')),
      a.expectCommand(['INCR', 'n']),
      a.send(7),
      a.expectCommand(['GET', 'none']),
      a.send(null),
      a.expectCommand(['LRANGE', 'l', '0', '-1']),
      a.send(['x', 'y']),
      a.expectClose(),
    );
    const stdin = '# a comment\n\nINCR  foo\n!whatever\nINCR n\nGET none\nLRANGE l 0 -1\n';
    const result = await finish(run(['--bogus', a.addr], stdin), conv);
    expect(result.stdout).to.equal(
      'ERR value is not an integer or out of range\n7\nUnhandled reply type: 4\nUnhandled reply type: 2\n',
    );
    // An unknown option is reported but not fatal.
    expect(result.stderr).to.equal("Unknown argument: '--bogus'\n");
    expect(result.code).to.equal(0);
  });

  it('retries at once when the first CLUSTER SLOTS is [] (--async-initial-update keeps the link)', async () => {
    const a = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([]),
      a.expectCommand(SLOTS),
      a.send([[0, 16383, ['', a.port, 'f5378fa2ad1fbd569f01ba2fe29fa8feb36cdfb8']]]),
      a.expectCommand(['SET', 'foo', 'bar']),
      a.send(status('OK')),
      a.expectClose(),
    );
    const result = await finish(run(['--events', '--async-initial-update', a.addr], 'SET foo bar\n'), conv);
    expect(result.stdout).to.equal('Event: slotmap-updated\nEvent: ready\nOK\nEvent: free-context\n');
    expect(result.code).to.equal(0);
  });

  it('retries at once when the first CLUSTER NODES has no slots (--async-initial-update)', async () => {
    const a = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(NODES),
      a.send(
        `8adca41945787ad1c9e725a40a43cf72bd4c6ad4 :${a.port}@1${a.port} myself,master - 0 0 0 connected\n`,
      ),
      a.expectCommand(NODES),
      a.send(
        `8adca41945787ad1c9e725a40a43cf72bd4c6ad4 :${a.port}@1${a.port} myself,master - 0 0 1 connected 0-16383\n`,
      ),
      a.expectCommand(['SET', 'foo', 'bar']),
      a.send(status('OK')),
      a.expectClose(),
    );
    const result = await finish(
      run(['--events', '--use-cluster-nodes', '--async-initial-update', a.addr], 'SET foo bar\n'),
      conv,
    );
    expect(result.stdout).to.equal('Event: slotmap-updated\nEvent: ready\nOK\nEvent: free-context\n');
    expect(result.code).to.equal(0);
  });

  it('follows ASK: ASKING and the command pipelined on the target', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      ...initialUpdate(a, [range(0, 16383, a, 'nodeid123')]),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`ASK 12182 ${b.addr}`)),
      b.expectConnect(),
      b.expectCommand(['ASKING']),
      b.expectCommand(['GET', 'foo']),
      b.send(status('OK'), 'bar'),
      inAnyOrder(a.expectClose(), b.expectClose()),
    );
    const result = await finish(run([a.addr], 'GET foo\n'), conv);
    expect(result.stdout).to.equal('bar\n');
    expect(result.code).to.equal(0);
  });

  it('follows ASK with --use-cluster-nodes, reusing the node learned from the first redirect', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      ...initialUpdate(
        a,
        `e495df74528a0946d03bb931cbfc6c9edb975448 ${a.addr}@1${a.port} myself,master - 0 1677668806000 1 connected 0-16383\n`,
        NODES,
      ),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`ASK 12182 ${b.addr}`)),
      b.expectConnect(),
      b.expectCommand(['ASKING']),
      b.expectCommand(['GET', 'foo']),
      b.send(status('OK'), 'bar'),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`ASK 12182 ${b.addr}`)),
      b.expectCommand(['ASKING']),
      b.expectCommand(['GET', 'foo']),
      b.send(status('OK'), 'bar'),
      inAnyOrder(a.expectClose(), b.expectClose()),
    );
    const result = await finish(run(['--use-cluster-nodes', a.addr], 'GET foo\nGET foo\n'), conv);
    expect(result.stdout).to.equal('bar\nbar\n');
    expect(result.code).to.equal(0);
  });

  it('follows MOVED: the update on the redirecting link, the command resent to the target', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      ...initialUpdate(a, [range(0, 16383, a, 'nodeid7403')]),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`MOVED 12182 ${b.addr}`)),
      inAnyOrder(a.expectCommand(SLOTS), [b.expectConnect(), b.expectCommand(['GET', 'foo'])]),
      a.send([range(0, 16383, b, 'nodeid7404')]),
      // The node left the new map: the client closes its link as it applies the map.
      a.expectClose(),
      b.send('bar'),
      b.expectClose(),
    );
    const result = await finish(run(['--events', a.addr], 'GET foo\n'), conv);
    expect(result.stdout).to.equal(
      'Event: slotmap-updated\nEvent: ready\nEvent: slotmap-updated\nbar\nEvent: free-context\n',
    );
    expect(result.code).to.equal(0);
  });

  it('follows MOVED with --use-cluster-nodes: CLUSTER NODES on the redirecting link', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      ...initialUpdate(
        a,
        `e495df74528a0946d03bb931cbfc6c9edb975448 ${a.addr}@1${a.port} myself,master - 0 1677668806000 1 connected 0-16383\n`,
        NODES,
      ),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`MOVED 12182 ${b.addr}`)),
      inAnyOrder(a.expectCommand(NODES), [b.expectConnect(), b.expectCommand(['GET', 'foo'])]),
      a.send(
        `69cf08ee7feac361d98e2ea762c3e39852280045 ${b.addr}@1${b.port} master - 0 1677668806272 2 connected 0-16383\n`,
      ),
      a.expectClose(),
      b.send('bar'),
      b.expectClose(),
    );
    const result = await finish(run(['--use-cluster-nodes', a.addr], 'GET foo\n'), conv);
    expect(result.stdout).to.equal('bar\n');
    expect(result.code).to.equal(0);
  });

  it('sends !all DBSIZE to every node at once', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      ...initialUpdate(a, [range(0, 8383, a, 'nodeid7403'), range(8384, 16383, b, 'nodeid7404')]),
      inAnyOrder(
        [a.expectConnect(), a.expectCommand(['DBSIZE'])],
        [b.expectConnect(), b.expectCommand(['DBSIZE'])],
      ),
      a.send(11),
    );
    const client = run([a.addr], '!all\nDBSIZE\n');
    await client.waitForOutput('11\n');
    conv.script(b.send(88), inAnyOrder(a.expectClose(), b.expectClose()));
    const result = await finish(client, conv);
    expect(result.stdout).to.equal('11\n88\n');
    expect(result.code).to.equal(0);
  });

  it('sends !all DBSIZE while the cluster scales down: the close seen, the new connect refused, an update', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      ...initialUpdate(a, [range(0, 8383, a, 'nodeid7401'), range(8384, 16383, b, 'nodeid7402')]),
      inAnyOrder(
        [a.expectConnect(), a.expectCommand(['DBSIZE'])],
        [b.expectConnect(), b.expectCommand(['DBSIZE'])],
      ),
      a.send(10),
    );
    const client = run([a.addr], '!all\nDBSIZE\nDBSIZE\n# Allow slotmap update to finish.\n!sleep\nDBSIZE\n');
    await client.waitForOutput('10\n');
    // Node B answers and leaves. The client is stopped meanwhile, so the reply and the close reach it
    // together (hiredis-cluster sees the close in the millisecond its timer waits).
    let clientPort = 0;
    await client.stop();
    conv.script(
      ...answerAndLeave(conv, b, 20, (port) => {
        clientPort = port;
      }),
    );
    await peerCloseReceived(clientPort, b.port);
    conv.script(
      // The next DBSIZE to B needs a new connect, which is refused: the failure starts an update
      // through node A, after its DBSIZE. Node A answers once that request shows the refusal handled:
      // hiredis writes from the loop, so its DBSIZE to node A leaves in the very poll that reports the
      // refusal; ours leaves at once, and an instant answer would race the refusal (see the README).
      a.expectCommand(['DBSIZE']),
      a.expectCommand(SLOTS),
      a.send(11, [range(0, 16383, a, 'nodeid7401')]),
      // After the sleep, the last DBSIZE goes to node A only.
      a.expectCommand(['DBSIZE']),
      a.send(12),
      a.expectClose(),
    );
    client.continue();
    const result = await finish(client, conv);
    expect(result.stdout).to.equal('10\n20\nerror: Connection refused\n11\n12\n');
    expect(result.code).to.equal(0);
  });

  it('gives "unknown error" to a command pending on a node that left the map (!resend resends it)', async () => {
    const a = await conv.node();
    const b = await conv.node();
    const c = await conv.node();
    conv.script(
      ...initialUpdate(a, [
        range(0, 6000, a, 'nodeid1'),
        range(6001, 12000, b, 'nodeid2'),
        range(12001, 16383, c, 'nodeid3'),
      ]),
      inAnyOrder(
        // Node C never answers: it is leaving.
        [c.expectConnect(), c.expectCommand(['GET', 'foo'])],
        [b.expectConnect(), b.expectCommand(['GET', 'fee']), b.send(error(`MOVED 8471 ${a.addr}`))],
      ),
      inAnyOrder(
        // The new map has neither B nor C: both links close as it is applied.
        [b.expectCommand(SLOTS), b.send([range(0, 16383, a, 'nodeid1')]), b.expectClose()],
        c.expectClose(),
        // GET fee follows the redirect; GET foo is resent from its callback, to the new owner.
        [a.expectConnect(), a.expectCommand(['GET', 'fee']), a.expectCommand(['GET', 'foo'])],
      ),
      a.send('bee'),
      a.send('boo'),
      a.expectCommand(['SET', 'foo', 'done']),
      a.send(status('OK')),
      a.expectClose(),
    );
    const result = await finish(
      run([a.addr], '!resend\n!async\nGET foo\nGET fee\n!sync\n\nSET foo done\n'),
      conv,
    );
    expect(result.stdout).to.equal("unknown error\nresend 'GET foo'\nbee\nboo\nOK\n");
    expect(result.code).to.equal(0);
  });

  it('times out commands on a node that stops answering after 0.5 s, then updates the map', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      ...initialUpdate(a, [range(0, 6000, a, 'nodeid1'), range(6001, 16383, b, 'nodeid2')]),
      b.expectConnect(),
      b.expectCommand(['SET', 'foo', 'initial']),
      b.send(status('OK')),
      a.expectConnect(),
      a.expectCommand(['SET', 'bar', 'initial']),
      a.send(status('OK')),
      b.expectCommand(['SET', 'foo', 'timeout1']),
      b.expectCommand(['SET', 'foo', 'timeout2']),
      b.expectCommand(['SET', 'foo', 'timeout3']),
      b.expectCommand(['SET', 'foo', 'timeout4']),
      b.stall(),
      // The timeout closes B's link and starts an update through the connected node.
      inAnyOrder(b.expectClose(), [a.expectCommand(SLOTS), a.send([range(0, 16383, a, 'nodeid1')])]),
      a.expectClose(),
    );
    const stdin =
      'SET foo initial\nSET bar initial\n\n!async\nSET foo timeout1\nSET foo timeout2\nSET foo timeout3\nSET foo timeout4\n!sync\n\n';
    const result = await finish(run([a.addr], stdin), conv);
    expect(result.stdout).to.equal(
      'OK\nOK\nerror: Timeout\nerror: Timeout\nerror: Timeout\nerror: Timeout\n',
    );
    expect(result.code).to.equal(0);
    const waited = between(
      conv,
      (e) => e.link === 'B#1' && e.argv?.[2]?.toString() === 'timeout4',
      (e) => e.link === 'B#1' && e.kind === 'close',
    );
    expect(waited).to.be.within(400, 900);
  });

  it('times out a connect to a node that never accepts (ASK to a black hole) after 0.5 s', async () => {
    const a = await conv.node();
    hole = await blackHole();
    const target = `${hole.host}:${hole.port}`;
    conv.script(
      ...initialUpdate(a, [range(0, 16383, a, 'nodeid123')]),
      a.expectConnect(),
      a.expectCommand(['SET', 'foo', 'initial']),
      a.send(status('OK')),
      a.expectCommand(['SET', 'foo', 'timeout1']),
      a.expectCommand(['SET', 'foo', 'timeout2']),
      a.expectCommand(['SET', 'foo', 'timeout3']),
      a.expectCommand(['SET', 'foo', 'timeout4']),
      a.send(...Array.from({ length: 4 }, () => error(`ASK 12182 ${target}`))),
      // The failed connect starts an update through the connected node.
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid123')]),
      a.expectClose(),
    );
    const stdin =
      'SET foo initial\n\n!async\nSET foo timeout1\nSET foo timeout2\nSET foo timeout3\nSET foo timeout4\n!sync\n';
    const result = await finish(run([a.addr], stdin), conv);
    expect(result.stdout).to.equal('OK\nerror: Timeout\nerror: Timeout\nerror: Timeout\nerror: Timeout\n');
    expect(result.code).to.equal(0);
  });

  it('reports a refused node: the connect event first, then the error, then an update', async () => {
    const a = await conv.node();
    const gone = await refusedPort();
    conv.script(
      ...initialUpdate(a, [range(0, 6000, a, 'nodeid1'), [6001, 16383, ['127.0.0.1', gone, 'nodeid2']]]),
      a.expectConnect(),
      a.expectCommand(['SET', 'bar', 'initial']),
      a.send(status('OK')),
      // SET foo goes to the refusing node; the failure starts an update through the connected node.
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid1')]),
      a.expectCommand(['SET', 'foo', 'newnode']),
      a.send(status('OK')),
      a.expectClose(),
    );
    const stdin =
      'SET bar initial\nSET foo initial\n# Allow slotmap update to finish.\n!sleep\nSET foo newnode\n';
    const result = await finish(run(['--connection-events', a.addr], stdin), conv);
    expect(result.stdout).to.equal(
      `Event: connect to ${a.addr}\nOK\nEvent: failed to connect to 127.0.0.1:${gone}\n` +
        `error: Connection refused\nOK\nEvent: disconnect from ${a.addr}\n`,
    );
    expect(result.code).to.equal(0);
  });

  it('fails a command whose slot is not served at once, then updates (NIL and empty ips: the asked host)', async () => {
    const a = await conv.node();
    conv.script(
      ...initialUpdate(a, [[0, 1, [null, a.port, 'nodeid7401']]]),
      // The update for the unserved slot goes to the only node, on a new link that is kept.
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([[0, 16383, ['', a.port, 'nodeid7401']]]),
      a.expectCommand(['GET', 'foo']),
      a.send('bar'),
      a.expectClose(),
    );
    const result = await finish(
      run(['--events', a.addr], 'GET foo\n# Allow slotmap update to finish.\n!sleep\nGET foo\n'),
      conv,
    );
    expect(result.stdout).to.equal(
      'Event: slotmap-updated\nEvent: ready\nerror: slot not served by any node\nEvent: slotmap-updated\nbar\n' +
        'Event: free-context\n',
    );
    expect(result.code).to.equal(0);
  });

  it("reads on after a send-time failure in !async mode, from the loop's next turn as well", async () => {
    const a = await conv.node();
    conv.script(
      ...initialUpdate(a, [range(0, 8000, a, 'nodeid1')]),
      // GET foo's slot is not served: an error at once and an update through the only node.
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 8000, a, 'nodeid1')]),
      a.expectCommand(['GET', 'bar']),
      // As the C program, the failure scheduled another read of stdin: GET baz goes out before GET
      // bar's reply is in.
      a.expectCommand(['GET', 'baz']),
      a.send('1', '2'),
      a.expectClose(),
    );
    const result = await finish(run([a.addr], '!async\nGET foo\nGET bar\n!sync\nGET baz\n'), conv);
    expect(result.stdout).to.equal('error: slot not served by any node\n1\n2\n');
    expect(result.code).to.equal(0);
  });

  it('disconnects with a command in flight: its reply printed, no redirect, later commands refused', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      ...initialUpdate(a, [range(0, 16383, a, 'nodeid1')]),
      a.expectConnect(),
      a.expectCommand(['SET', 'foo', 'initial']),
      a.send(status('OK')),
      a.expectCommand(['SET', 'foo', 'redirect']),
      // Not followed: B sees nothing.
      a.send(error(`MOVED 12182 ${b.addr}`)),
      a.expectClose(),
    );
    const stdin =
      'SET foo initial\n\n!async\nSET foo redirect\n!disconnect\n!sync\n\n# Commands are not accepted after a disconnect.\nSET foo not-accepted\n';
    const result = await finish(run(['--connection-events', a.addr], stdin), conv);
    expect(result.stdout).to.equal(
      `Event: connect to ${a.addr}\nOK\nMOVED 12182 ${b.addr}\nEvent: disconnect from ${a.addr}\nerror: client closing\n`,
    );
    expect(result.code).to.equal(0);
  });

  it('disconnects without starting an update when a pending command then times out', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      ...initialUpdate(a, [range(0, 6000, a, 'nodeid1'), range(6001, 16383, b, 'nodeid2')]),
      b.expectConnect(),
      b.expectCommand(['SET', 'foo', 'initial']),
      b.send(status('OK')),
      a.expectConnect(),
      a.expectCommand(['SET', 'bar', 'initial']),
      a.send(status('OK')),
      inAnyOrder(a.expectClose(), b.expectCommand(['SET', 'foo', 'null-reply'])),
      b.stall(),
      // Its timeout closes B's link; no update follows, as the client is closing.
      b.expectClose(),
    );
    const stdin =
      'SET foo initial\nSET bar initial\n\n# Make sure a slot map update is not throttled.\n!sleep\n\n' +
      '!async\nSET foo null-reply\n!disconnect\n!sync\n\n';
    const result = await finish(run(['--connection-events', a.addr], stdin), conv);
    expect(result.stdout).to.equal(
      `Event: connect to ${b.addr}\nOK\nEvent: connect to ${a.addr}\nOK\nEvent: disconnect from ${a.addr}\n` +
        `error: Timeout\nEvent: failed to disconnect from ${b.addr}\n`,
    );
    expect(result.code).to.equal(0);
  });

  it('follows redirects to localhost', async () => {
    const a = await conv.node();
    const b = await conv.node();
    const meta = ['ip', '127.0.0.2'];
    conv.script(
      ...initialUpdate(a, [[0, 16383, ['localhost', a.port, 'nodeid7403', meta]]]),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`ASK 12182 localhost:${b.port}`)),
      b.expectConnect(),
      b.expectCommand(['ASKING']),
      b.expectCommand(['GET', 'foo']),
      b.send(status('OK'), 'bar'),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`MOVED 12182 localhost:${b.port}`)),
      inAnyOrder(a.expectCommand(SLOTS), b.expectCommand(['GET', 'foo'])),
      a.send([[0, 16383, ['localhost', b.port, 'nodeid7404', meta]]]),
      a.expectClose(),
      b.send('bar'),
      b.expectClose(),
    );
    const result = await finish(run([`localhost:${a.port}`], 'GET foo\nGET foo\n'), conv);
    expect(result.stdout).to.equal('bar\nbar\n');
    expect(result.code).to.equal(0);
  });

  it('follows redirects to ::1, with connection events naming the IPv6 host', async () => {
    const a = await conv.node({ host: '::1' });
    const b = await conv.node({ host: '::1' });
    conv.script(
      ...initialUpdate(a, [range(0, 16383, a, 'nodeid1')]),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`ASK 12182 ${b.addr}`)),
      b.expectConnect(),
      b.expectCommand(['ASKING']),
      b.expectCommand(['GET', 'foo']),
      b.send(status('OK'), 'bar'),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`MOVED 12182 ${b.addr}`)),
      inAnyOrder(a.expectCommand(SLOTS), b.expectCommand(['GET', 'foo'])),
      a.send([range(0, 16383, b, 'nodeid2')]),
      a.expectClose(),
      b.send('bar'),
      b.expectClose(),
    );
    const result = await finish(run(['--connection-events', a.addr], 'GET foo\nGET foo\n'), conv);
    expect(result.stdout).to.equal(
      `Event: connect to ${a.addr}\nEvent: connect to ${b.addr}\nbar\nEvent: disconnect from ${a.addr}\nbar\n` +
        `Event: disconnect from ${b.addr}\n`,
    );
    expect(result.code).to.equal(0);
  });

  it('exits 2 with "Connect error: Connection refused" when the seed refuses', async () => {
    const port = await refusedPort();
    const result = await finish(run([`127.0.0.1:${port}`], 'GET foo\n'), conv);
    expect(result.stdout).to.equal('Connect error: Connection refused\n');
    expect(result.code).to.equal(2);
  });

  it('exits 2 with "Connect error: No slot information" when CLUSTER NODES lists no slots', async () => {
    const a = await conv.node();
    conv.script(
      ...initialUpdate(
        a,
        '653876bce37106406581ddc05d8629357a223a7e :30001@40001 myself,master - 0 0 0 connected\n',
        NODES,
      ),
    );
    const result = await finish(run(['--use-cluster-nodes', a.addr], ''), conv);
    expect(result.stdout).to.equal('Connect error: No slot information\n');
    expect(result.code).to.equal(2);
  });
});
