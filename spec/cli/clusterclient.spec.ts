/**
 * clusterclient (the sync-API CLI) against scripted nodes, after hiredis-cluster's tests/scripts/*.sh:
 * stdout byte for byte, the exit code, and every connection, command and close each node sees —
 * including the temporary link of the initial update and the refresh pipelined after MOVED.
 */
import { expect } from 'chai';
import { answerAndLeave, NODES, range, refusedPort, SLOTS } from '../support/cli-topology.js';
import { CliRun, finish } from '../support/run-cli.js';
import {
  Conversation,
  error,
  inAnyOrder,
  type ScriptedNode,
  type Step,
  status,
} from '../support/scripted-node.js';
import { peerCloseReceived } from '../support/socket-state.js';

describe('cli: clusterclient', () => {
  let conv: Conversation;
  let cli: CliRun | undefined;

  beforeEach(() => {
    conv = new Conversation({ timeoutMs: 8000 });
    cli = undefined;
  });

  afterEach(async () => {
    cli?.kill();
    await conv.close();
  });

  /**
   * hiredis-cluster's scale-down start: nodeid3 (on `gone`) refuses GET {foo}1 (slot 12182), a blocking
   * update on a temporary link gives its slots to nodeid2 (`b`), and GET {foo}1 goes there.
   */
  function scaleDownStart(a: ScriptedNode, b: ScriptedNode, gone: number): Step[] {
    return [
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([
        range(0, 5000, a, 'nodeid1'),
        range(5001, 10000, b, 'nodeid2'),
        [10001, 16383, ['127.0.0.1', gone, 'nodeid3']],
      ]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 8000, a, 'nodeid1'), range(8001, 16383, b, 'nodeid2')]),
      a.expectClose(),
      b.expectConnect(),
      b.expectCommand(['GET', '{foo}1']),
    ];
  }

  /**
   * Runs the CLI on `seed` with the first input until it prints `shown` and its socket holds `node`'s close
   * (answerAndLeave notes the port), so hiredis' output is the only right one; then scripts `after`, sends
   * the rest of the input and returns the finished run.
   */
  async function afterIdleClose(
    seed: ScriptedNode,
    [first, shown]: [string, string],
    [node, clientPort]: [ScriptedNode, () => number],
    after: Step[],
    rest: string,
  ) {
    const client = run([seed.addr], first, true);
    await client.waitForOutput(shown);
    await peerCloseReceived(clientPort(), node.port);
    conv.script(...after);
    client.write(rest);
    client.endInput();
    return finish(client, conv);
  }

  function run(args: string[], stdin: string, keepStdinOpen = false): CliRun {
    cli = new CliRun('clusterclient', args, { stdin, keepStdinOpen });
    return cli;
  }

  it('sets and gets: the initial update on a temporary link, commands on a new one', async () => {
    const a = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid123')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['SET', 'foo', 'bar']),
      a.send(status('OK')),
      a.expectCommand(['GET', 'foo']),
      a.send('bar'),
      a.expectClose(),
    );
    const result = await finish(run([a.addr], 'SET foo bar\nGET foo\n'), conv);
    expect(result.stdout).to.equal('OK\nbar\n');
    expect(result.code).to.equal(0);
    expect(result.stderr).to.equal('');
  });

  it('prints the events: slotmap-updated and ready before the first reply, free-context last', async () => {
    const a = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid123')]),
      a.expectClose(),
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
  });

  it('skips empty and # lines and ignores ! lines other than !all; replies print bare', async () => {
    const a = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid1')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['SET', 'foo', 'bar']),
      a.send(status('OK')),
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
    const stdin =
      '# a comment\n\nSET   foo  bar\n!sleep\n!whatever\nINCR foo\nINCR n\nGET none\nLRANGE l 0 -1\n';
    const result = await finish(run([a.addr], stdin), conv);
    expect(result.stdout).to.equal(
      'OK\nERR value is not an integer or out of range\n7\nUnhandled reply type: 4\nUnhandled reply type: 2\n',
    );
    expect(result.code).to.equal(0);
  });

  it('follows ASK: ASKING then the command on the target, the slot map untouched', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid123')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`ASK 12182 ${b.addr}`)),
      b.expectConnect(),
      b.expectCommand(['ASKING']),
      b.send(status('OK')),
      b.expectCommand(['GET', 'foo']),
      b.send('bar'),
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
      a.expectConnect(),
      a.expectCommand(NODES),
      a.send(
        `e495df74528a0946d03bb931cbfc6c9edb975448 ${a.addr}@1${a.port} myself,master - 0 1677668806000 1 connected 0-16383\n`,
      ),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`ASK 12182 ${b.addr}`)),
      b.expectConnect(),
      b.expectCommand(['ASKING']),
      b.send(status('OK')),
      b.expectCommand(['GET', 'foo']),
      b.send('bar'),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`ASK 12182 ${b.addr}`)),
      b.expectCommand(['ASKING']),
      b.send(status('OK')),
      b.expectCommand(['GET', 'foo']),
      b.send('bar'),
      inAnyOrder(a.expectClose(), b.expectClose()),
    );
    const result = await finish(run(['--use-cluster-nodes', a.addr], 'GET foo\nGET foo\n'), conv);
    expect(result.stdout).to.equal('bar\nbar\n');
    expect(result.code).to.equal(0);
  });

  it('follows MOVED: the refresh pipelined on the redirecting link, slotmap-updated before the reply', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid7403')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`MOVED 12182 ${b.addr}`)),
      inAnyOrder(
        // The node left the new map: its link closes as the map is applied. Two sockets closed by
        // the worker as the CLI exits reach the nodes in either order (CI saw B's close first).
        [a.expectCommand(SLOTS), a.send([range(0, 16383, b, 'nodeid7404')]), a.expectClose()],
        [b.expectConnect(), b.expectCommand(['GET', 'foo']), b.send('bar'), b.expectClose()],
      ),
    );
    const result = await finish(run(['--events', a.addr], 'GET foo\n'), conv);
    expect(result.stdout).to.equal(
      'Event: slotmap-updated\nEvent: ready\nEvent: slotmap-updated\nbar\nEvent: free-context\n',
    );
    expect(result.code).to.equal(0);
  });

  it('follows MOVED with --use-cluster-nodes: CLUSTER NODES pipelined on the redirecting link', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(NODES),
      a.send(
        `e495df74528a0946d03bb931cbfc6c9edb975448 ${a.addr}@1${a.port} myself,master - 0 1677668806000 1 connected 0-16383\n`,
      ),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`MOVED 12182 ${b.addr}`)),
      inAnyOrder(
        [
          a.expectCommand(NODES),
          a.send(
            `69cf08ee7feac361d98e2ea762c3e39852280045 ${b.addr}@1${b.port} master - 0 1677668806272 2 connected 0-16383\n`,
          ),
          a.expectClose(),
        ],
        [b.expectConnect(), b.expectCommand(['GET', 'foo']), b.send('bar'), b.expectClose()],
      ),
    );
    const result = await finish(run(['--events', '--use-cluster-nodes', a.addr], 'GET foo\n'), conv);
    expect(result.stdout).to.equal(
      'Event: slotmap-updated\nEvent: ready\nEvent: slotmap-updated\nbar\nEvent: free-context\n',
    );
    expect(result.code).to.equal(0);
  });

  it('sends !all DBSIZE to every node, one after the other', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 8383, a, 'nodeid7403'), range(8384, 16383, b, 'nodeid7404')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['DBSIZE']),
      a.send(11),
      b.expectConnect(),
      b.expectCommand(['DBSIZE']),
      b.send(88),
      inAnyOrder(a.expectClose(), b.expectClose()),
    );
    const result = await finish(run([a.addr], '!all\nDBSIZE\n'), conv);
    expect(result.stdout).to.equal('11\n88\n');
    expect(result.code).to.equal(0);
  });

  it('sends !all DBSIZE while the cluster scales down: the refresh is pipelined after the next command', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 8383, a, 'nodeid7401'), range(8384, 16383, b, 'nodeid7402')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['DBSIZE']),
      a.send(10),
      b.expectConnect(),
      b.expectCommand(['DBSIZE']),
      b.send(20),
      a.expectCommand(['DBSIZE']),
      a.send(11),
      // The node leaves: it takes no new connection and closes the one it has.
      b.expectCommand(['DBSIZE']),
      conv.call('node B stops listening', () => b.server.close()),
      b.closeLink(),
      // The failure schedules an update, pipelined after the next command on that command's link;
      // the new map ends the walk over the nodes.
      a.expectCommand(['DBSIZE']),
      a.send(12),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid7401')]),
      a.expectClose(),
    );
    const result = await finish(
      run([a.addr], '!all\nDBSIZE\nDBSIZE\n# Allow slotmap update to finish.\n!sleep\nDBSIZE\n'),
      conv,
    );
    expect(result.stdout).to.equal('10\n20\n11\nerror: Server closed the connection\n12\n');
    expect(result.code).to.equal(0);
  });

  it('refreshes on a temporary link after a connect error, and after a node closed its link', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      ...scaleDownStart(a, b, await refusedPort()),
      b.send('bar1'),
      // nodeid2 leaves with GET {foo}2 unanswered.
      b.expectCommand(['GET', '{foo}2']),
      conv.call('node B stops listening', () => b.server.close()),
      b.closeLink(),
      // GET {foo}3: nodeid2 refuses, so the update due goes through a temporary link again.
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid1')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['GET', '{foo}3']),
      a.send('bar3'),
      a.expectClose(),
    );
    const result = await finish(run([a.addr], 'GET {foo}1\nGET {foo}2\nGET {foo}3\n'), conv);
    expect(result.stdout).to.equal('bar1\nerror: Server closed the connection\nbar3\n');
    expect(result.code).to.equal(0);
  });

  it('sends !all DBSIZE while the cluster scales down, the node gone while idle: the next write finds the close', async () => {
    const a = await conv.node();
    const b = await conv.node();
    let clientPort = 0;
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 8383, a, 'nodeid7401'), range(8384, 16383, b, 'nodeid7402')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['DBSIZE']),
      a.send(10),
      b.expectConnect(),
      b.expectCommand(['DBSIZE']),
      ...answerAndLeave(conv, b, 20, (port) => {
        clientPort = port;
      }),
    );
    const result = await afterIdleClose(
      a,
      ['!all\nDBSIZE\n', '20\n'],
      [b, () => clientPort],
      [
        a.expectCommand(['DBSIZE']),
        a.send(11),
        // The DBSIZE to node B is written on the closed link: "Server closed the connection", and an
        // update is due. It goes out on node A's link right after the next command; the new map ends
        // the walk over the nodes.
        a.expectCommand(['DBSIZE']),
        a.expectCommand(SLOTS),
        a.send(12, [range(0, 16383, a, 'nodeid7401')]),
        a.expectClose(),
      ],
      'DBSIZE\n# Allow slotmap update to finish.\n!sleep\nDBSIZE\n',
    );
    expect(result.stdout).to.equal('10\n20\n11\nerror: Server closed the connection\n12\n');
    expect(result.code).to.equal(0);
  });

  it('scales down: a node gone while idle fails the next command on its closed link, then an update', async () => {
    const a = await conv.node();
    const b = await conv.node();
    let clientPort = 0;
    conv.script(
      ...scaleDownStart(a, b, await refusedPort()),
      ...answerAndLeave(conv, b, 'bar1', (port) => {
        clientPort = port;
      }),
    );
    const result = await afterIdleClose(
      a,
      ['GET {foo}1\n', 'bar1\n'],
      [b, () => clientPort],
      [
        // GET {foo}2 is written on the closed link: "Server closed the connection", and an update is due.
        // GET {foo}3: the update runs first, blocking, on a temporary link; nodeid1 now owns every slot.
        a.expectConnect(),
        a.expectCommand(SLOTS),
        a.send([range(0, 16383, a, 'nodeid1')]),
        a.expectClose(),
        a.expectConnect(),
        a.expectCommand(['GET', '{foo}3']),
        a.send('bar3'),
        a.expectClose(),
      ],
      'GET {foo}2\nGET {foo}3\n',
    );
    expect(result.stdout).to.equal('bar1\nerror: Server closed the connection\nbar3\n');
    expect(result.code).to.equal(0);
  });

  it('refreshes on a temporary link when a slot is not served; NIL and empty ips mean the asked host', async () => {
    const a = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([[0, 1, [null, a.port, 'nodeid7401']]]),
      a.expectClose(),
      // foo1's slot is not served: a blocking update, whose reply still misses it.
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([[0, 1, ['', a.port, 'nodeid7401']]]),
      a.expectClose(),
      // foo2's slot neither: this update covers every slot.
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid7401')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo2']),
      a.send('bar2'),
      a.expectClose(),
    );
    const result = await finish(run(['--events', a.addr], 'GET foo1\nGET foo2\n'), conv);
    expect(result.stdout).to.equal(
      'Event: slotmap-updated\nEvent: ready\nEvent: slotmap-updated\nerror: slot not served by any node\n' +
        'Event: slotmap-updated\nbar2\nEvent: free-context\n',
    );
    expect(result.code).to.equal(0);
  });

  it('follows redirects to localhost, ignoring the Redis 7 metadata of CLUSTER SLOTS', async () => {
    const a = await conv.node();
    const b = await conv.node();
    // A loopback address nothing listens on: using the metadata ip would fail the spec.
    const meta = ['ip', '127.0.0.2'];
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([[0, 16383, ['localhost', a.port, 'nodeid7403', meta]]]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`ASK 12182 localhost:${b.port}`)),
      b.expectConnect(),
      b.expectCommand(['ASKING']),
      b.send(status('OK')),
      b.expectCommand(['GET', 'foo']),
      b.send('bar'),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`MOVED 12182 localhost:${b.port}`)),
      inAnyOrder(
        [
          a.expectCommand(SLOTS),
          a.send([[0, 16383, ['localhost', b.port, 'nodeid7404', meta]]]),
          a.expectClose(),
        ],
        [b.expectCommand(['GET', 'foo']), b.send('bar'), b.expectClose()],
      ),
    );
    const result = await finish(run([`localhost:${a.port}`], 'GET foo\nGET foo\n'), conv);
    expect(result.stdout).to.equal('bar\nbar\n');
    expect(result.code).to.equal(0);
  });

  it('follows redirects to ::1', async () => {
    const a = await conv.node({ host: '::1' });
    const b = await conv.node({ host: '::1' });
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid1')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`ASK 12182 ${b.addr}`)),
      b.expectConnect(),
      b.expectCommand(['ASKING']),
      b.send(status('OK')),
      b.expectCommand(['GET', 'foo']),
      b.send('bar'),
      a.expectCommand(['GET', 'foo']),
      a.send(error(`MOVED 12182 ${b.addr}`)),
      inAnyOrder(
        [a.expectCommand(SLOTS), a.send([range(0, 16383, b, 'nodeid2')]), a.expectClose()],
        [b.expectCommand(['GET', 'foo']), b.send('bar'), b.expectClose()],
      ),
    );
    const result = await finish(run([a.addr], 'GET foo\nGET foo\n'), conv);
    expect(result.stdout).to.equal('bar\nbar\n');
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
      a.expectConnect(),
      a.expectCommand(NODES),
      a.send('653876bce37106406581ddc05d8629357a223a7e :30001@40001 myself,master - 0 0 0 connected\n'),
      a.expectClose(),
    );
    const result = await finish(run(['--use-cluster-nodes', a.addr], 'GET foo\n'), conv);
    expect(result.stdout).to.equal('Connect error: No slot information\n');
    expect(result.code).to.equal(2);
  });

  it('takes options only before the address, as the C program: later arguments are ignored', async () => {
    const a = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([range(0, 16383, a, 'nodeid1')]),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send('bar'),
      a.expectClose(),
    );
    const result = await finish(run([a.addr, '--events', '--use-cluster-nodes'], 'GET foo\n'), conv);
    expect(result.stdout).to.equal('bar\n');
    expect(result.code).to.equal(0);
  });

  it('exits 1 on an unknown option or a missing address, connecting nowhere', async () => {
    const unknown = await finish(run(['--nope', '127.0.0.1:1'], ''), conv);
    expect(unknown.code).to.equal(1);
    expect(unknown.stdout).to.equal('');
    expect(unknown.stderr).to.equal("Unknown argument: '--nope'\n");
    const missing = await finish(run(['--events'], ''), conv);
    expect(missing.code).to.equal(1);
    expect(missing.stdout).to.equal('');
    expect(missing.stderr).to.equal('Usage: clusterclient [--events] [--use-cluster-nodes] HOST:PORT\n');
  });
});
