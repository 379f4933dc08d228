import { Buffer } from 'node:buffer';
import net from 'node:net';
import { expect } from 'chai';
import {
  closeConnection,
  double,
  encodeCommand,
  encodeValue,
  errorReply,
  escapeBytes,
  expectClose,
  expectCommand,
  expectConnect,
  expectSilence,
  FakeNode,
  nullArray,
  push,
  resetConnection,
  send,
  sendRaw,
  sleep,
  status,
  verbatim,
} from '../../support/fake-node.js';

/** A raw client socket that records what it receives and how it ended. */
class Peer {
  received = Buffer.alloc(0);
  ended: Promise<string>;
  private readonly socket: net.Socket;
  private waiters: { bytes: number; resolve: () => void }[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiters = this.waiters.filter((w) => (this.received.length >= w.bytes ? (w.resolve(), false) : true));
    });
    this.ended = new Promise((resolve) => {
      let how = 'close';
      socket.on('end', () => {
        how = 'end';
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        how = err.code ?? err.message;
      });
      socket.on('close', () => resolve(how));
    });
  }

  static connect(node: FakeNode): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: node.host, port: node.port });
      socket.once('connect', () => resolve(new Peer(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: string | Uint8Array): void {
    this.socket.write(bytes);
  }

  end(): void {
    this.socket.end();
  }

  /** Resolves once `bytes` bytes have arrived in total. */
  receive(bytes: number): Promise<string> {
    return new Promise((resolve) => {
      const done = () => resolve(this.received.toString('latin1'));
      if (this.received.length >= bytes) done();
      else this.waiters.push({ bytes, resolve: done });
    });
  }
}

/** The rejection message of `promise`; fails if it resolves. */
async function failureOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('spec support: FakeNode', () => {
  describe('encodeValue', () => {
    const cases: [string, Parameters<typeof encodeValue>[0], string, string][] = [
      ['string', 'bar', '$3\r\nbar\r\n', '$3\r\nbar\r\n'],
      ['UTF-8 string', 'é', '$2\r\n\xc3\xa9\r\n', '$2\r\n\xc3\xa9\r\n'],
      ['bytes', Buffer.from([0, 13, 10]), '$3\r\n\x00\r\n\r\n', '$3\r\n\x00\r\n\r\n'],
      ['integer', -42, ':-42\r\n', ':-42\r\n'],
      ['bigint', 2n ** 63n - 1n, ':9223372036854775807\r\n', ':9223372036854775807\r\n'],
      ['null', null, '$-1\r\n', '_\r\n'],
      ['booleans', [true, false], '*2\r\n:1\r\n:0\r\n', '*2\r\n#t\r\n#f\r\n'],
      ['status', status('OK'), '+OK\r\n', '+OK\r\n'],
      ['error', errorReply('MOVED 1 127.0.0.1:7000'), '-MOVED 1 127.0.0.1:7000\r\n', '-MOVED 1 127.0.0.1:7000\r\n'],
      ['double', double(1.5), '$3\r\n1.5\r\n', ',1.5\r\n'],
      ['verbatim', verbatim('hi'), '$2\r\nhi\r\n', '=6\r\ntxt:hi\r\n'],
      ['null array', nullArray(), '*-1\r\n', '_\r\n'],
      ['push', push(['message', 'ch', 'x']), '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n', '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n'],
      ['map', new Map([['a', 1]]), '*2\r\n$1\r\na\r\n:1\r\n', '%1\r\n$1\r\na\r\n:1\r\n'],
      ['set', new Set(['a']), '*1\r\n$1\r\na\r\n', '~1\r\n$1\r\na\r\n'],
      [
        'CLUSTER SLOTS reply',
        [[0, 16383, ['127.0.0.1', 7000, 'id1']]],
        '*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$3\r\nid1\r\n',
        '*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$3\r\nid1\r\n',
      ],
      ['empty array', [], '*0\r\n', '*0\r\n'],
    ];
    for (const [name, value, resp2, resp3] of cases) {
      it(`encodes ${name} as RESP2 and RESP3`, () => {
        expect(encodeValue(value).toString('latin1')).to.equal(resp2);
        expect(encodeValue(value, 3).toString('latin1')).to.equal(resp3);
      });
    }

    it('refuses a non-integer number, pointing at double()', () => {
      expect(() => encodeValue(1.5)).to.throw('send: 1.5 is not an integer; use double(1.5)');
    });

    it('encodes a command as a multibulk of bulk strings', () => {
      expect(encodeCommand(['SET', 'k', 12]).toString()).to.equal('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n');
    });

    it('escapes bytes readably', () => {
      expect(escapeBytes(Buffer.from('*1\r\n"\\\t\x00é'))).to.equal('*1\\r\\n\\"\\\\\\t\\x00\\xc3\\xa9');
      expect(escapeBytes(Buffer.from('abcdef'), 3)).to.equal('abc... (6 bytes)');
    });
  });

  describe('a conversation', () => {
    it('plays a script and sends the exact bytes', async () => {
      const node = await FakeNode.start();
      node.play([
        expectConnect(),
        expectCommand(['CLUSTER', 'SLOTS']),
        send([[0, 16383, ['127.0.0.1', node.port, 'id1']]]),
        expectCommand(['GET', 'foo']),
        sendRaw('-MOVED 12182 127.0.0.1:7402\r\n'),
        expectClose(),
      ]);
      const peer = await Peer.connect(node);
      peer.write(encodeCommand(['CLUSTER', 'SLOTS']));
      const slots = `*1\r\n*3\r\n:0\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:${node.port}\r\n$3\r\nid1\r\n`;
      expect(await peer.receive(slots.length)).to.equal(slots);
      peer.write(encodeCommand(['GET', 'foo']));
      const moved = '-MOVED 12182 127.0.0.1:7402\r\n';
      expect(await peer.receive(slots.length + moved.length)).to.equal(slots + moved);
      peer.end();
      await node.done(2000);
      expect(node.connectionCount).to.equal(1);
    });

    it('reads pipelined commands from one write and from single bytes', async () => {
      const node = await FakeNode.start({
        steps: [
          expectConnect(),
          expectCommand(['GET', 'a']),
          expectCommand(['GET', 'b']),
          send(['x', 'y']),
          expectCommand(['SET', 'c', Buffer.from([0, 255])]),
          send(status('OK')),
          expectClose(),
        ],
      });
      const peer = await Peer.connect(node);
      peer.write(Buffer.concat([encodeCommand(['GET', 'a']), encodeCommand(['GET', 'b'])]));
      await peer.receive(14);
      for (const byte of encodeCommand(['SET', 'c', Buffer.from([0, 255])])) {
        peer.write(Buffer.from([byte]));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await peer.receive(19)).to.equal('*2\r\n$1\r\nx\r\n$1\r\ny\r\n+OK\r\n');
      peer.end();
      await node.done(2000);
    });

    it('speaks on the newest connection and returns to the previous one after a close', async () => {
      const node = await FakeNode.start({
        steps: [
          expectConnect(),
          expectCommand(['GET', 'a']),
          expectConnect(),
          expectCommand(['CLUSTER', 'SLOTS']),
          send([]),
          expectClose(),
          send('A'),
          expectClose(),
        ],
      });
      const first = await Peer.connect(node);
      first.write(encodeCommand(['GET', 'a']));
      const second = await Peer.connect(node);
      second.write(encodeCommand(['CLUSTER', 'SLOTS']));
      expect(await second.receive(4)).to.equal('*0\r\n');
      second.end();
      expect(await first.receive(7)).to.equal('$1\r\nA\r\n');
      expect(second.received.toString()).to.equal('*0\r\n');
      first.end();
      await node.done(2000);
      expect(node.connectionCount).to.equal(2);
    });

    it('closes and resets the connection on request', async () => {
      const node = await FakeNode.start({
        steps: [expectConnect(), send(status('OK')), closeConnection(), expectConnect(), resetConnection()],
      });
      const closed = await Peer.connect(node);
      expect(await closed.ended).to.equal('end');
      expect(closed.received.toString()).to.equal('+OK\r\n');
      const reset = await Peer.connect(node);
      expect(await reset.ended).to.equal('ECONNRESET');
      await node.done(2000);
    });

    it('waits during sleep() and keeps what arrives for the next step', async () => {
      const node = await FakeNode.start({
        steps: [expectConnect(), sleep(100), expectCommand(['PING']), send(status('PONG')), expectClose()],
      });
      const peer = await Peer.connect(node);
      const started = performance.now();
      peer.write(encodeCommand(['PING']));
      await peer.receive(7);
      expect(performance.now() - started).to.be.at.least(90);
      peer.end();
      await node.done(2000);
    });

    it('shuts down when the script is complete: open connections closed, the port refusing', async () => {
      const node = await FakeNode.start({ steps: [expectConnect(), expectSilence(50)] });
      const peer = await Peer.connect(node);
      await node.done(2000);
      expect(await peer.ended).to.equal('end');
      const refused = await failureOf(Peer.connect(node));
      expect(refused).to.equal(`connect ECONNREFUSED 127.0.0.1:${node.port}`);
    });

    it('listens on ::1', async () => {
      const node = await FakeNode.start({ host: '::1', steps: [expectConnect(), send(1), expectClose()] });
      expect(node.address).to.equal(`::1:${node.port}`);
      const peer = await Peer.connect(node);
      expect(await peer.receive(4)).to.equal(':1\r\n');
      peer.end();
      await node.done(2000);
    });

    it('takes connections that came before play()', async () => {
      const node = await FakeNode.start();
      const peer = await Peer.connect(node);
      peer.write(encodeCommand(['PING']));
      node.play([expectConnect(), expectCommand(['PING']), expectClose()]);
      peer.end();
      await node.done(2000);
    });
  });

  describe('deviations fail the script', () => {
    it('another command, naming the step and both commands', async () => {
      const node = await FakeNode.start({ steps: [expectConnect(), expectCommand(['GET', 'foo']), send('x')] });
      const peer = await Peer.connect(node);
      peer.write(encodeCommand(['GET', 'bar']));
      expect(await failureOf(node.done(2000))).to.equal(
        `fake node 127.0.0.1:${node.port}: step 2 (expectCommand ["GET", "foo"]): got ["GET", "bar"]`,
      );
      expect(await peer.ended).to.equal('end');
      expect(peer.received.length).to.equal(0);
    });

    it('the same command in another encoding', async () => {
      const node = await FakeNode.start({ steps: [expectConnect(), expectCommand(['GET', 'foo'])] });
      const peer = await Peer.connect(node);
      peer.write('*2\r\n$3\r\nGET\r\n$03\r\nfoo\r\n');
      expect(await failureOf(node.done(2000))).to.equal(
        `fake node 127.0.0.1:${node.port}: step 2 (expectCommand ["GET", "foo"]): malformed command on connection #1: bad length "03"`,
      );
    });

    it('an inline command', async () => {
      const node = await FakeNode.start({ steps: [expectConnect(), expectCommand(['PING'])] });
      const peer = await Peer.connect(node);
      peer.write('PING\r\n');
      expect(await failureOf(node.done(2000))).to.equal(
        `fake node 127.0.0.1:${node.port}: step 2 (expectCommand ["PING"]): malformed command on connection #1: expected '*' at byte 0: "PING\\r\\n"`,
      );
    });

    it('an unexpected connection, at once', async () => {
      const node = await FakeNode.start({ steps: [expectConnect(), sleep(10_000)] });
      await Peer.connect(node);
      await Peer.connect(node);
      expect(await failureOf(node.done(2000))).to.equal(
        `fake node 127.0.0.1:${node.port}: step 2 (sleep 10000 ms): unexpected connection #2 (the script expects no more)`,
      );
    });

    it('a missing close, after the timeout', async () => {
      const node = await FakeNode.start({ steps: [expectConnect(), expectClose()] });
      await Peer.connect(node);
      expect(await failureOf(node.done(200))).to.equal(
        `fake node 127.0.0.1:${node.port}: step 2 (expectClose): timed out after 200 ms`,
      );
    });

    it('data when a close is expected', async () => {
      const node = await FakeNode.start({ steps: [expectConnect(), expectClose()] });
      const peer = await Peer.connect(node);
      peer.write(encodeCommand(['PING']));
      expect(await failureOf(node.done(2000))).to.equal(
        `fake node 127.0.0.1:${node.port}: step 2 (expectClose): data received when a close was expected: "*1\\r\\n$4\\r\\nPING\\r\\n"`,
      );
    });

    it('a close when a command is expected', async () => {
      const node = await FakeNode.start({ steps: [expectConnect(), expectCommand(['PING'])] });
      const peer = await Peer.connect(node);
      peer.write('*1\r\n$4\r\nPI');
      peer.end();
      expect(await failureOf(node.done(2000))).to.equal(
        `fake node 127.0.0.1:${node.port}: step 2 (expectCommand ["PING"]): the client closed connection #1, after "*1\\r\\n$4\\r\\nPI"`,
      );
    });

    it('bytes left unread at the end of the script', async () => {
      const node = await FakeNode.start({ steps: [expectConnect(), expectCommand(['GET', 'a']), sleep(50)] });
      const peer = await Peer.connect(node);
      peer.write(Buffer.concat([encodeCommand(['GET', 'a']), encodeCommand(['PING'])]));
      expect(await failureOf(node.done(2000))).to.equal(
        `fake node 127.0.0.1:${node.port}: after the last step: unexpected data on connection #1: "*1\\r\\n$4\\r\\nPING\\r\\n"`,
      );
    });

    it('anything during expectSilence()', async () => {
      const node = await FakeNode.start({ steps: [expectConnect(), expectSilence(2000)] });
      const peer = await Peer.connect(node);
      peer.write('*');
      expect(await failureOf(node.done(3000))).to.equal(
        `fake node 127.0.0.1:${node.port}: step 2 (expectSilence 2000 ms): got 1 bytes "*" on connection #1`,
      );
    });

    it('a step that needs a connection when there is none', async () => {
      const node = await FakeNode.start({ steps: [send(status('OK'))] });
      expect(await failureOf(node.done(2000))).to.equal(
        `fake node 127.0.0.1:${node.port}: step 1 (send "+OK\\r\\n"): no connection to use (expectConnect first, or all were closed)`,
      );
    });

    it('close() before the script is complete', async () => {
      const node = await FakeNode.start({ steps: [expectConnect()] });
      const done = node.done(2000);
      await node.close();
      expect(await failureOf(done)).to.equal(
        `fake node 127.0.0.1:${node.port}: step 1 (expectConnect): closed before the script completed`,
      );
    });
  });

  it('listens on loopback only', async () => {
    expect(await failureOf(FakeNode.start({ host: '0.0.0.0' }))).to.equal(
      "FakeNode listens on loopback only (127.0.0.0/8 or ::1), not '0.0.0.0'",
    );
  });

  it('plays one script only', async () => {
    const node = await FakeNode.start({ steps: [] });
    expect(() => node.play([])).to.throw('FakeNode.play: the script was already started');
    await node.done(2000);
  });
});
