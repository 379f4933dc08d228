import { expect } from 'chai';
import type { Transport } from '../../../adapters/adapter.js';
import { REDIS_ERR_EOF, REDIS_ERR_IO, REDIS_ERR_TIMEOUT } from '../../../lib/errors.js';
import { encodeArgv } from '../../../lib/resp/encode.js';
import { Prng } from '../../support/prng.js';
import { status } from '../../support/resp-values.js';
import { type Handler, SimNetwork, type SimNetworkOptions } from '../../support/sim-network.js';
import { TransportLog } from '../../support/transport-log.js';

const PING = encodeArgv(['PING']);
const GET = (key: string) => encodeArgv(['GET', key]);

/** GET answers the key's value, PING answers PONG. */
const echoValues: Handler = (argv) => (argv[0] === 'GET' ? `v:${argv[1]}` : status('PONG'));

function setup(options: SimNetworkOptions = {}, handler: Handler = echoValues) {
  const net = new SimNetwork(options);
  const node = net.node('127.0.0.1:7000', handler);
  const log = new TransportLog();
  const connect = (timeoutMs = 0): Transport =>
    net.loop.connect({ host: node.host, port: node.port, timeoutMs }, log);
  return { net, node, log, connect, loop: net.loop };
}

describe('spec/support/sim-network: a simulated network on a virtual clock', () => {
  it('connects, carries commands and replies with the latency, in order, and records the wire', () => {
    const { node, log, connect, loop } = setup({ latency: 5 });
    const t = connect();
    t.write(Buffer.concat([PING, GET('foo')])); // before the connect: sent once connected
    loop.advance(4);
    expect(log.seen).to.deep.equal([]);
    loop.advance(1);
    expect(log.seen).to.deep.equal(['connect']);
    loop.advance(10);
    expect(log.seen).to.deep.equal(['connect', 'data:+PONG\r\n', 'data:$5\r\nv:foo\r\n']);
    expect(node.wire(true)).to.deep.equal(['A#1 connect@5', 'A#1 PING@10', 'A#1 GET foo@10']);
    expect(node.commands()).to.deep.equal(['A#1 PING', 'A#1 GET foo']);
  });

  it('random latencies never reorder one direction', () => {
    const { log, connect, loop } = setup({ latency: [0, 20], seed: 3 });
    const t = connect();
    loop.advance(20);
    for (let i = 0; i < 50; i++) t.write(GET(`k${i}`));
    loop.advance(2000);
    const values = log.seen.slice(1).join('');
    expect(values).to.equal(
      Array.from({ length: 50 }, (_, i) => `data:$${`v:k${i}`.length}\r\nv:k${i}\r\n`).join(''),
    );
  });

  it("splits: 'bytes' a byte a chunk, 'random' at random bytes, sendRaw(splitAt) where asked", () => {
    const { node, log, connect, loop } = setup({ split: 'bytes' }, () => undefined);
    connect();
    loop.run();
    node.link!.send(status('OK'));
    loop.run();
    expect(log.seen).to.deep.equal(['connect', 'data:+', 'data:O', 'data:K', 'data:\r', 'data:\n']);
    node.split = 'random';
    node.link!.send('0123456789');
    node.link!.sendRaw('+abc\r\n', [1, 3]);
    loop.run();
    const random = log.seen.slice(6, -3);
    expect(random.length).to.be.within(2, 4);
    expect(random.join('').replaceAll('data:', '')).to.equal('$10\r\n0123456789\r\n');
    expect(log.seen.slice(-3)).to.deep.equal(['data:+', 'data:ab', 'data:c\r\n']);
  });

  it('reset(): what is in flight to the client is lost; it reads ECONNRESET; the node reads no more', () => {
    const { node, log, connect, loop } = setup({ latency: 10 }, () => undefined);
    const t = connect();
    loop.advance(10);
    node.link!.send(status('lost'));
    loop.advance(5);
    node.link!.reset();
    t.write(PING);
    loop.advance(100);
    expect(log.seen).to.deep.equal(['connect', `close:${REDIS_ERR_IO} Connection reset by peer`]);
    expect(node.commands()).to.deep.equal([]);
  });

  it('halfClose(): what was sent arrives, then EOF', () => {
    const { node, log, connect, loop } = setup({ latency: 10 }, () => undefined);
    connect();
    loop.advance(10);
    node.link!.send(status('last'));
    node.link!.halfClose();
    loop.advance(100);
    expect(log.seen).to.deep.equal([
      'connect',
      'data:+last\r\n',
      `close:${REDIS_ERR_EOF} Server closed the connection`,
    ]);
  });

  it('blackHole(): nothing arrives either way, and no close', () => {
    const { node, log, connect, loop } = setup({ latency: 1 });
    const t = connect();
    loop.advance(1);
    node.link!.blackHole();
    t.write(PING);
    node.link!.send(status('lost'));
    loop.advance(1000);
    expect([log.seen, node.commands(), loop.alive]).to.deep.equal([['connect'], [], true]);
  });

  it("a node that does not listen refuses; one that does not accept hangs until the loop's connect timeout", () => {
    const { net, node, log, connect, loop } = setup({ latency: 2 });
    node.listening = false;
    connect(1000);
    loop.advance(2);
    expect(log.seen).to.deep.equal([`close:${REDIS_ERR_IO} Connection refused`]);
    net.loop.connect({ host: '127.0.0.9', port: 1, timeoutMs: 0 }, log); // no node there at all
    loop.advance(2);
    expect(log.seen.at(-1)).to.equal(`close:${REDIS_ERR_IO} Connection refused`);
    node.listening = true;
    node.accepting = false;
    connect(300);
    loop.advance(299);
    expect(log.seen).to.have.length(2);
    loop.advance(1);
    expect(log.seen.at(-1)).to.equal(`close:${REDIS_ERR_TIMEOUT} Timeout`);
    expect(node.history).to.deep.equal([]);
  });

  it('end(): written bytes arrive, the node sees the close, the client gets onClose() without error', () => {
    const { node, log, connect, loop } = setup({ latency: 3 });
    const t = connect();
    t.write(PING);
    t.end(); // while connecting: ends once connected and flushed
    t.write(PING); // ignored after end()
    loop.advance(100);
    expect(node.wire(true)).to.deep.equal(['A#1 connect@3', 'A#1 PING@6', 'A#1 close@6']);
    expect(log.seen).to.deep.equal(['connect', 'close']);
  });

  it('destroy(): no event for the client; the node sees the close after the latency', () => {
    const { node, log, connect, loop } = setup({ latency: 3 });
    const t = connect();
    loop.advance(3);
    t.write(PING);
    t.destroy();
    loop.advance(100);
    expect(node.wire(true)).to.deep.equal(['A#1 connect@3', 'A#1 PING@6', 'A#1 close@6']);
    expect([log.seen, loop.connections, loop.alive]).to.deep.equal([['connect'], 0, false]);
  });

  it('the same seed gives the same run', () => {
    const run = (seed: number) => {
      const { node, log, connect, loop } = setup({ latency: [0, 9], split: 'random', seed });
      const t = connect();
      loop.advance(9);
      for (let i = 0; i < 20; i++) t.write(GET(`key-${i}`));
      loop.advance(1000);
      return [node.wire(true), log.seen];
    };
    expect(run(42)).to.deep.equal(run(42));
    expect(run(42)).to.not.deep.equal(run(43));
  });

  it('Prng: deterministic, in range', () => {
    const a = new Prng(9);
    const b = new Prng(9);
    const draws = Array.from({ length: 1000 }, () => a.between(3, 5));
    expect(draws).to.deep.equal(Array.from({ length: 1000 }, () => b.between(3, 5)));
    expect(new Set(draws)).to.deep.equal(new Set([3, 4, 5]));
  });
});
