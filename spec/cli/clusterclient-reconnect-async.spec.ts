/**
 * clusterclient_reconnect_async against scripted nodes, after hiredis-cluster's reconnect-test.sh:
 * each line goes with ToNode to the first known node, one at a time; a non-cluster node is used as it
 * is ('[no cluster]'); a closed link prints '[reconnect]' and runs the connect procedure again.
 */
import net from 'node:net';
import { expect } from 'chai';
import { SLOTS } from '../support/cli-topology.js';
import { CliRun, finish } from '../support/run-cli.js';
import { Conversation, error, status } from '../support/scripted-node.js';

const NO_CLUSTER = 'ERR This instance has cluster support disabled';

describe('cli: clusterclient_reconnect_async', () => {
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

  function run(args: string[], stdin: string): CliRun {
    cli = new CliRun('clusterclient_reconnect_async', args, { stdin });
    return cli;
  }

  it('uses a node without cluster support as it is, and reconnects after it closed the link', async () => {
    const a = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send(error(NO_CLUSTER)),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['SET', 'foo', 'bar']),
      a.send(status('OK')),
      a.expectCommand(['GET', 'foo']),
      a.send('bar'),
      // The next command is not answered: the node closes the link.
      a.expectCommand(['GET', 'foo']),
      a.closeLink(),
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send(error(NO_CLUSTER)),
      a.expectClose(),
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send('bar'),
      a.expectClose(),
    );
    const result = await finish(run([a.addr], 'SET foo bar\nGET foo\nGET foo\nGET foo\n'), conv);
    expect(result.stdout).to.equal('[no cluster]\nOK\nbar\n[reconnect]\n[no cluster]\nbar\n');
    expect(result.code).to.equal(0);
    expect(result.stderr).to.equal('');
  });

  it('sends every line to the first node of the slot map, following no redirect', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(SLOTS),
      a.send([
        [0, 8000, [b.host, b.port, 'nodeid2']],
        [8001, 16383, [a.host, a.port, 'nodeid1']],
      ]),
      a.expectClose(),
      b.expectConnect(),
      b.expectCommand(['GET', 'foo']),
      b.send(error(`MOVED 12182 ${a.addr}`)),
      b.expectCommand(['DBSIZE']),
      // printf("%s\n", reply->str) of an integer reply: glibc prints (null).
      b.send(5),
      b.expectClose(),
    );
    const result = await finish(run([a.addr], 'GET foo\nDBSIZE\n'), conv);
    expect(result.stdout).to.equal(`MOVED 12182 ${a.addr}\n(null)\n`);
    expect(result.code).to.equal(0);
  });

  it('exits 255 with "Connect error: Connection refused" when the node refuses', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const result = await finish(run([`127.0.0.1:${port}`], 'GET foo\n'), conv);
    expect(result.stdout).to.equal('Connect error: Connection refused\n');
    expect(result.code).to.equal(255);
  });

  it('exits 1 without an address', async () => {
    const result = await finish(run([], ''), conv);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.equal('Usage: clusterclient_reconnect_async HOST:PORT\n');
  });
});
