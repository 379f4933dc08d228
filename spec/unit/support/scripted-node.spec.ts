/**
 * The scripted fake nodes themselves: they pass a conversation that follows the script and fail, with a
 * message naming the step, on every kind of deviation — so the fault specs built on them can fail.
 */
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { expect } from 'chai';
import { encodeArgv } from '../../../lib/resp/encode.js';
import { rejectionOf } from '../../support/async-helpers.js';
import { Conversation, encodeResp, error, inAnyOrder, status } from '../../support/scripted-node.js';

/** A bare client socket that records what it receives. */
class Peer {
  received = Buffer.alloc(0);
  ended = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
    });
    socket.on('end', () => {
      this.ended = true;
    });
    socket.on('error', () => {});
  }

  static open(port: number, host = '127.0.0.1'): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new Peer(socket)));
      socket.once('error', reject);
    });
  }

  command(...argv: string[]): void {
    this.socket.write(encodeArgv(argv));
  }

  /** Resolves once `bytes` bytes have arrived (bounded). */
  async receive(bytes: number): Promise<string> {
    for (let i = 0; i < 200 && this.received.length < bytes; i++) await new Promise((r) => setTimeout(r, 5));
    return this.received.toString('latin1');
  }
}

/** The first line of a failure: the mismatch itself (the second lists recent wire events). */
async function failureOf(conv: Conversation): Promise<string> {
  return (await rejectionOf(conv.done({ timeoutMs: 1000 }))).message.split('\n')[0]!;
}

describe('spec support: scripted nodes', () => {
  let conv: Conversation;
  const peers: Peer[] = [];

  beforeEach(() => {
    conv = new Conversation();
  });

  afterEach(async () => {
    for (const p of peers.splice(0)) p.socket.destroy();
    await conv.close();
  });

  async function peer(port: number, host?: string): Promise<Peer> {
    const p = await Peer.open(port, host);
    peers.push(p);
    return p;
  }

  describe('encodeResp', () => {
    it('turns JS values into RESP2', () => {
      const bytes = encodeResp([0, 'a', null, [status('OK'), error('MOVED 1 h:2')], Buffer.from('xy'), 7n]);
      expect(bytes.toString('latin1')).to.equal(
        '*6\r\n:0\r\n$1\r\na\r\n$-1\r\n*2\r\n+OK\r\n-MOVED 1 h:2\r\n$2\r\nxy\r\n:7\r\n',
      );
      expect(encodeResp('é').toString('latin1')).to.equal('$2\r\n\xc3\xa9\r\n');
    });

    it('refuses what RESP2 cannot say', () => {
      expect(() => encodeResp(1.5)).to.throw('RESP2 has no doubles: send 1.5 as a string or with sendRaw()');
      expect(() => status('a\r\nb')).to.throw('a RESP line cannot hold CR or LF: "a\\r\\nb"');
    });
  });

  it('passes a conversation that follows the script, replies going to the client', async () => {
    const a = await conv.node();
    conv.script(
      a.expectConnect(),
      a.expectCommand(['GET', 'foo']),
      a.send('bar'),
      a.expectCommand(['SET', 'k', 1]),
      a.send(status('OK'), error('ERR nope')),
      a.expectClose(),
    );
    const p = await peer(a.port);
    p.command('GET', 'foo');
    expect(await p.receive(9)).to.equal('$3\r\nbar\r\n');
    p.command('SET', 'k', '1');
    expect(await p.receive(25)).to.equal('$3\r\nbar\r\n+OK\r\n-ERR nope\r\n');
    p.socket.end();
    await conv.done();
    expect(conv.history.map((e) => `${e.link} ${e.kind}`)).to.deep.equal([
      'A#1 connect',
      'A#1 command',
      'A#1 command',
      'A#1 close',
    ]);
  });

  it('goes on with a new phase after done()', async () => {
    const a = await conv.node();
    conv.script(a.expectConnect());
    const p = await peer(a.port);
    await conv.done();
    conv.script(a.send(status('PONG')), a.expectCommand(['PING']), a.send(1));
    expect(await p.receive(7)).to.equal('+PONG\r\n');
    p.command('PING');
    expect(await p.receive(11)).to.equal('+PONG\r\n:1\r\n');
    await conv.done();
  });

  it('fails on an unexpected command, naming the step, what it expected and what came', async () => {
    const a = await conv.node();
    conv.script(a.expectConnect(), a.expectCommand(['GET', 'foo']), a.send('bar'));
    const p = await peer(a.port);
    p.command('SET', 'foo', '1');
    expect(await failureOf(conv)).to.equal(
      'scripted nodes: expected step 2 (A: command ["GET", "foo"]), got A#1: command ["SET", "foo", "1"]',
    );
    // The reply of the failed step was never sent.
    await new Promise((r) => setTimeout(r, 20));
    expect(p.received.length).to.equal(0);
  });

  it('fails on an unexpected connection, to the same node or another', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(a.expectConnect(), a.expectCommand(['PING']));
    await peer(a.port);
    await peer(b.port);
    expect(await failureOf(conv)).to.equal(
      'scripted nodes: expected step 2 (A: command ["PING"]), got B#1: a new connection',
    );

    const again = new Conversation();
    try {
      const c = await again.node();
      again.script(c.expectConnect());
      await peer(c.port);
      await peer(c.port);
      expect(await failureOf(again)).to.equal(
        'scripted nodes: unexpected A#2: a new connection after the last step (1)',
      );
    } finally {
      await again.close();
    }
  });

  it('fails when an expected close never comes, within its time bound', async () => {
    const a = await conv.node();
    conv.script(a.expectConnect(), a.expectClose());
    await peer(a.port);
    const started = Date.now();
    const err = await rejectionOf(conv.done({ timeoutMs: 200 }));
    expect(err.message).to.equal(
      'scripted nodes: timed out after 200 ms waiting for step 2 (A: the client closes the connection)',
    );
    expect(Date.now() - started).to.be.within(190, 1000);
  });

  it('fails on a close that was not expected', async () => {
    const a = await conv.node();
    conv.script(a.expectConnect(), a.expectCommand(['PING']));
    const p = await peer(a.port);
    p.socket.end();
    expect(await failureOf(conv)).to.equal(
      'scripted nodes: expected step 2 (A: command ["PING"]), got A#1: the client closed the connection',
    );
  });

  it('fails on traffic during the quiet period after the last step', async () => {
    const a = await conv.node();
    conv.script(a.expectConnect(), a.expectCommand(['PING']));
    const p = await peer(a.port);
    p.command('PING');
    p.command('PING');
    expect(await failureOf(conv)).to.equal(
      'scripted nodes: unexpected A#1: command ["PING"] after the last step (2)',
    );
  });

  it('fails on bytes that are not a RESP command: inline commands, replies, broken frames', async () => {
    const a = await conv.node();
    conv.script(a.expectConnect(), a.expectCommand(['PING']));
    const p = await peer(a.port);
    p.socket.write('PING\r\n');
    expect(await failureOf(conv)).to.equal(
      'scripted nodes: A#1 sent bytes that are not RESP (Protocol error: invalid type byte 0x50 at offset 0): "PING\\r\\n"',
    );

    const replyLike = new Conversation();
    try {
      const b = await replyLike.node();
      replyLike.script(b.expectConnect(), b.expectCommand(['PING']));
      (await peer(b.port)).socket.write(':1\r\n');
      expect(await failureOf(replyLike)).to.equal(
        'scripted nodes: A#1 sent a reply-like frame, not a multibulk of bulk strings: ":1\\r\\n"',
      );
    } finally {
      await replyLike.close();
    }
  });

  it('fails when a command is left incomplete', async () => {
    const a = await conv.node();
    conv.script(a.expectConnect());
    const p = await peer(a.port);
    p.socket.write('*1\r\n$4\r\nPI');
    expect(await failureOf(conv)).to.equal(
      'scripted nodes: A#1 sent an incomplete command: "*1\\r\\n$4\\r\\nPI"',
    );
  });

  it('checks the order across nodes; inAnyOrder lets branches interleave', async () => {
    const a = await conv.node();
    const b = await conv.node();
    conv.script(a.expectConnect(), b.expectConnect());
    await peer(b.port);
    expect(await failureOf(conv)).to.equal(
      'scripted nodes: expected step 1 (A: a new connection), got B#1: a new connection',
    );

    const loose = new Conversation();
    try {
      const c = await loose.node({ name: 'C' });
      const d = await loose.node({ name: 'D' });
      loose.script(
        inAnyOrder([c.expectConnect(), c.expectCommand(['PING']), c.send(status('PONG'))], d.expectConnect()),
        c.expectClose(),
      );
      await peer(d.port);
      const pc = await peer(c.port);
      pc.command('PING');
      expect(await pc.receive(7)).to.equal('+PONG\r\n');
      pc.socket.end();
      await loose.done();
    } finally {
      await loose.close();
    }
  });

  it('expects commands and closes on the newest connection only', async () => {
    const a = await conv.node();
    conv.script(a.expectConnect(), a.expectConnect(), a.expectCommand(['PING']));
    const first = await peer(a.port);
    await peer(a.port);
    await new Promise((r) => setTimeout(r, 20));
    first.command('PING');
    expect(await failureOf(conv)).to.equal(
      'scripted nodes: expected step 3 (A: command ["PING"]), got A#1: command ["PING"] (on an older connection: the node speaks on A#2)',
    );
  });

  it('closes or resets a connection on request; sending on a closed one fails', async () => {
    const a = await conv.node();
    conv.script(a.expectConnect(), a.closeLink());
    const p = await peer(a.port);
    await conv.done();
    for (let i = 0; i < 100 && !p.ended; i++) await new Promise((r) => setTimeout(r, 5));
    expect(p.ended).to.equal(true);
    conv.script(a.send('late'));
    expect(await failureOf(conv)).to.equal(
      'scripted nodes: step 3 (A: send "$4\\r\\nlate\\r\\n"): A has no open connection (A#1 is closed)',
    );

    const reset = new Conversation();
    try {
      const b = await reset.node();
      reset.script(b.expectConnect(), b.expectCommand(['PING']), b.closeLink({ reset: true }));
      const q = await peer(b.port);
      const code = new Promise((resolve) =>
        q.socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code)),
      );
      q.command('PING');
      expect(await code).to.equal('ECONNRESET');
      await reset.done();
    } finally {
      await reset.close();
    }
  });

  it('runs call steps in place and listens on ::1 when asked', async () => {
    const a = await conv.node({ host: '::1' });
    const seen: string[] = [];
    conv.script(
      a.expectConnect(),
      conv.call('note', () => seen.push('called')),
      a.stall(),
      a.expectCommand(['PING']),
    );
    expect(a.addr).to.equal(`::1:${a.port}`);
    const p = await peer(a.port, '::1');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).to.deep.equal(['called']);
    p.command('PING');
    await conv.done();
    expect((await rejectionOf(new Conversation().node({ host: 'node-a.internal' }))).message).to.equal(
      'a scripted node listens on loopback only (127.0.0.0/8 or ::1), not node-a.internal',
    );
  });
});
