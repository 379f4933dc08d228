/**
 * Every error about a node carries its address (issue 14): `ClusterError.address`, 'host:port' as the link
 * dials it (IPv6 unbracketed), with hiredis' message unchanged — for each kind of failure, on both faces.
 * The async face's errors are its promises' rejections and its events' errors; the blocking face's are
 * what its caller reads from the channel's answer (the worker's WorkerHost over an in-memory channel, the
 * answer decoded with the caller's own readResults / readFailure). On the simulated network: node A
 * (127.0.0.1:7000) serves slots 0-8191 (`bar`), B (127.0.0.1:7001, or ::1:7001) 8192-16383 (`foo`).
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { OP_CONNECT, ROUTED, readFailure, readResults, TO_NODE } from '../../lib/blocking/batch.js';
import { STATUS_ERROR, STATUS_OK } from '../../lib/blocking/channel-layout.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import {
  type ClusterError,
  REDIS_ERR_EOF,
  REDIS_ERR_IO,
  REDIS_ERR_OTHER,
  REDIS_ERR_PROTOCOL,
  REDIS_ERR_TIMEOUT,
} from '../../lib/errors.js';
import type { EngineEvent } from '../../lib/events.js';
import { type ClusterOptions, resolveOptions } from '../../lib/options.js';
import { settled } from '../support/async-helpers.js';
import { type BatchCommand, MemoryChannel } from '../support/memory-channel.js';
import { RecordingHost } from '../support/recording-host.js';
import { error, type RespValue, status } from '../support/resp-values.js';
import { type Handler, SimNetwork, type SimNode } from '../support/sim-network.js';

const FOO = keySlot('foo'); // 12182: B
const BAR = keySlot('bar'); // 5061: A

/** An error as the specs compare it. */
type Seen = [code: number, message: string, address: string | undefined];

function seen(err: ClusterError): Seen {
  return [err.code, err.message, err.address];
}

/** The cluster of one spec: A, B, and C (127.0.0.1:7002, where nothing listens unless a spec says so). */
class Scene {
  readonly net = new SimNetwork({ latency: 1 });
  readonly a: SimNode;
  readonly b: SimNode;
  readonly c: SimNode;
  /** What A's map says; a spec may change it. */
  map: () => RespValue;
  /** A's answer to anything but CLUSTER SLOTS and the handshake. */
  aCommand: Handler = (argv) => `A:${argv[1]}`;

  constructor(bHost = '127.0.0.1') {
    this.a = this.net.node('127.0.0.1:7000', (argv, link) => {
      if (argv[0] === 'CLUSTER') return this.map();
      if (argv[0] === 'SELECT') return status('OK');
      return this.aCommand(argv, link);
    });
    this.b = this.net.node(`${bHost}:7001`, () => undefined);
    this.c = this.net.node('127.0.0.1:7002', () => undefined);
    this.c.listening = false;
    this.map = () => [
      [0, 8191, [this.a.host, this.a.port, 'a']],
      [8192, 16383, [this.b.host, this.b.port, 'b']],
    ];
  }

  /** Moves the clock `ms` ahead, letting promise callbacks run after every step. */
  async run(ms: number): Promise<void> {
    const until = this.net.loop.now() + ms;
    while (this.net.loop.now() < until) {
      this.net.loop.advance(1);
      await settled();
    }
  }

  /** An async context on this network, connected. */
  async asyncFace(options: Omit<ClusterOptions, 'nodes'> = {}): Promise<AsyncClusterContext> {
    const acc = new AsyncClusterContext({
      nodes: this.a.addr,
      adapter: this.net.loop,
      random: () => 0,
      ...options,
    });
    const connected = acc.connect();
    await this.run(10);
    await connected;
    return acc;
  }

  /** The async face's failure of `argv` (sent to the slot's node, or to `node`). */
  async asyncFailure(acc: AsyncClusterContext, argv: string[], ms: number, node?: SimNode): Promise<Seen> {
    const [command, ...args] = argv as [string, ...string[]];
    const reply =
      node === undefined ? acc.send(command, ...args) : acc.sendToNode(node.addr, command, ...args);
    let failure: Seen | null = null;
    reply.then(
      (value) => expect.fail(`expected a failure, got ${JSON.stringify(value)}`),
      (err: ClusterError) => {
        failure = seen(err);
      },
    );
    await this.run(ms);
    expect(failure, 'the command failed in time').to.not.equal(null);
    return failure!;
  }

  /** The blocking face's worker on this network, connected; `events` are those its caller received. */
  async syncFace(options: Omit<ClusterOptions, 'nodes'> = {}) {
    const channel = new MemoryChannel();
    const host = new RecordingHost(
      channel,
      this.net.loop,
      resolveOptions({ nodes: this.a.addr, ...options }),
    );
    void host.run();
    const events: EngineEvent[] = [];
    const call = async (answer: ReturnType<MemoryChannel['call']>, ms: number) => {
      let done = false;
      void answer.then(() => {
        done = true;
      });
      await settled();
      for (let i = 0; i < ms && !done; i++) {
        this.net.loop.advance(1);
        await settled();
      }
      const result = await answer;
      events.push(...(result.events as EngineEvent[]));
      return result;
    };
    const connected = await call(channel.call(OP_CONNECT), 10);
    /** A batch's first result as the caller reads it: a failure (or null for a reply). */
    const batch = async (command: BatchCommand, ms: number): Promise<Seen | null> => {
      host.expect(1);
      const answer = await call(channel.callBatch([command]), ms);
      expect(answer.status).to.equal(STATUS_OK);
      let failure: Seen | null = null;
      readResults(
        answer.area,
        1,
        () => {},
        (err) => {
          failure = seen(err);
        },
      );
      return failure;
    };
    return { connected, events, batch, channel, call };
  }
}

describe('errors carry the address of their node, on both faces (simulated network)', () => {
  /** One kind of failure: how B (or A) misbehaves, and what each face's command reads. */
  interface Kind {
    what: string;
    options?: Omit<ClusterOptions, 'nodes'>;
    /** Sets the scene's fault up after both faces connected. */
    fault(scene: Scene): void;
    /** The command: GET foo (to B) unless given. */
    command?: [slot: number, argv: string[]];
    async: [code: number, message: string, node: 'a' | 'b' | 'c'];
    /** When the blocking face words it otherwise (hiredis' sync API). */
    sync?: [code: number, message: string, node: 'a' | 'b' | 'c'];
  }

  const kinds: Kind[] = [
    {
      what: 'a connect refused',
      fault: (s) => {
        s.b.listening = false;
      },
      async: [REDIS_ERR_IO, 'Connection refused', 'b'],
    },
    {
      what: 'a connect timeout',
      options: { connectTimeout: 100 },
      fault: (s) => {
        s.b.accepting = false;
      },
      async: [REDIS_ERR_TIMEOUT, 'Timeout', 'b'],
      sync: [REDIS_ERR_IO, 'Connection timed out', 'b'],
    },
    {
      what: 'a reset',
      fault: (s) => {
        s.b.handler = (_argv, link) => {
          link.reset();
          return undefined;
        };
      },
      async: [REDIS_ERR_IO, 'Connection reset by peer', 'b'],
    },
    {
      what: 'a close (EOF)',
      fault: (s) => {
        s.b.handler = (_argv, link) => {
          link.halfClose();
          return undefined;
        };
      },
      async: [REDIS_ERR_EOF, 'Server closed the connection', 'b'],
    },
    {
      what: 'a command timeout',
      options: { commandTimeout: 100 },
      fault: () => {},
      async: [REDIS_ERR_TIMEOUT, 'Timeout', 'b'],
    },
    {
      what: 'a protocol error',
      fault: (s) => {
        s.b.handler = (_argv, link) => {
          link.sendRaw('HTTP/1.1 400 Bad Request\r\n\r\n');
          return undefined;
        };
      },
      async: [
        REDIS_ERR_PROTOCOL,
        'Protocol error: invalid type byte 0x48 at offset 0 (from 127.0.0.1:7001)',
        'b',
      ],
    },
    {
      what: 'a refused handshake step',
      options: { selectDb: 1 },
      fault: (s) => {
        s.b.handler = (argv) => (argv[0] === 'SELECT' ? error('ERR DB index is out of range') : 'never');
      },
      async: [REDIS_ERR_OTHER, 'SELECT failed: ERR DB index is out of range', 'b'],
    },
    {
      what: 'a redirect whose target refuses',
      fault: (s) => {
        s.aCommand = () => error(`MOVED ${BAR} ${s.c.addr}`);
      },
      command: [BAR, ['GET', 'bar']],
      async: [REDIS_ERR_IO, 'Connection refused', 'c'],
    },
    {
      what: "a node's malformed redirect",
      fault: (s) => {
        s.aCommand = () => error('MOVED 5061');
      },
      command: [BAR, ['GET', 'bar']],
      async: [REDIS_ERR_OTHER, 'failed to parse redirect', 'a'],
    },
  ];

  for (const kind of kinds) {
    it(`${kind.what}: the async face's error names ${kind.async[2].toUpperCase()}`, async () => {
      const scene = new Scene();
      const acc = await scene.asyncFace(kind.options);
      kind.fault(scene);
      const [slot, argv] = kind.command ?? [FOO, ['GET', 'foo']];
      expect(slot).to.equal(keySlot(argv[1]!));
      const [code, message, node] = kind.async;
      expect(await scene.asyncFailure(acc, argv, 500)).to.deep.equal([code, message, scene[node].addr]);
      acc.free();
    });

    it(`${kind.what}: the blocking face's error names ${(kind.sync ?? kind.async)[2].toUpperCase()}`, async () => {
      const scene = new Scene();
      const face = await scene.syncFace(kind.options);
      expect(face.connected.status).to.equal(STATUS_OK);
      kind.fault(scene);
      const [slot, argv] = kind.command ?? [FOO, ['GET', 'foo']];
      const [code, message, node] = kind.sync ?? kind.async;
      expect(await face.batch([ROUTED, slot, argv], 500)).to.deep.equal([code, message, scene[node].addr]);
      face.channel.closeFromCaller();
    });
  }

  it('IPv6: the address as the link writes it, unbracketed', async () => {
    const scene = new Scene('::1');
    const acc = await scene.asyncFace();
    scene.b.listening = false;
    expect(await scene.asyncFailure(acc, ['GET', 'foo'], 50)).to.deep.equal([
      REDIS_ERR_IO,
      'Connection refused',
      '::1:7001',
    ]);
    acc.free();
  });

  it('errors about no node have no address: an unserved slot, a closing context', async () => {
    const scene = new Scene();
    scene.map = () => [[0, 8191, [scene.a.host, scene.a.port, 'a']]];
    const acc = await scene.asyncFace();
    const unserved = await acc.send('GET', 'foo').catch((err: ClusterError) => err);
    expect(seen(unserved as ClusterError)).to.deep.equal([
      REDIS_ERR_OTHER,
      'slot not served by any node',
      undefined,
    ]);
    expect('address' in (unserved as ClusterError)).to.equal(false);
    acc.disconnect();
    const closing = await acc.send('GET', 'bar').catch((err: ClusterError) => err);
    expect(seen(closing as ClusterError)).to.deep.equal([REDIS_ERR_OTHER, 'client closing', undefined]);
    acc.free();
  });

  describe('a node that leaves the slot map with a command pending on it', () => {
    /** B never answers; after A's MOVED for bar, A's new map leaves B out. */
    function leaving(scene: Scene): void {
      scene.aCommand = (argv) => {
        if (argv[1] !== 'bar') return `A:${argv[1]}`;
        scene.map = () => [[0, 16383, [scene.a.host, scene.a.port, 'a']]];
        scene.aCommand = (later) => `A:${later[1]}`;
        return error(`MOVED ${BAR} ${scene.a.addr}`);
      };
    }

    it("async face: err 0 'node left the cluster', naming B", async () => {
      const scene = new Scene();
      const acc = await scene.asyncFace();
      leaving(scene);
      const foo = acc.send('GET', 'foo').catch((err: ClusterError) => err);
      await scene.run(1001); // the update throttle opens
      const bar = acc.send('GET', 'bar'); // A's MOVED starts an update, whose map drops B
      await scene.run(10);
      expect(await bar).to.equal('A:bar');
      expect(seen((await foo) as ClusterError)).to.deep.equal([0, 'node left the cluster', scene.b.addr]);
      acc.free();
    });

    it("blocking face: a ToNode command's REDIS_ERR_OTHER 'node left the cluster', naming B", async () => {
      const scene = new Scene();
      const face = await scene.syncFace();
      leaving(scene);
      // One batch: the ToNode command to B, and GET bar, whose MOVED starts the update that drops B.
      const answer = await face.call(
        face.channel.callBatch([
          [TO_NODE, scene.b.addr, ['PING']],
          [ROUTED, BAR, ['GET', 'bar']],
        ]),
        50,
      );
      const failures: Seen[] = [];
      readResults(
        answer.area,
        2,
        () => {},
        (err) => failures.push(seen(err)),
      );
      expect(failures).to.deep.equal([[REDIS_ERR_OTHER, 'node left the cluster', scene.b.addr]]);
      face.channel.closeFromCaller();
    });
  });

  describe('failed slot-map updates and the events', () => {
    it("connect() and 'update-error' name the node whose answer failed the update, on both faces", async () => {
      const scene = new Scene();
      scene.map = () => error('ERR This instance has cluster support disabled');
      const acc = new AsyncClusterContext({ nodes: scene.a.addr, adapter: scene.net.loop, random: () => 0 });
      const updateErrors: Seen[] = [];
      acc.on('update-error', (err) => updateErrors.push(seen(err)));
      const connected = acc.connect().catch((err: ClusterError) => err);
      await scene.run(50);
      const expected: Seen = [
        REDIS_ERR_OTHER,
        'ERR This instance has cluster support disabled',
        scene.a.addr,
      ];
      expect(seen((await connected) as ClusterError)).to.deep.equal(expected);
      // The node answered: it is asked again at once, 8 times (hiredis-cluster #252), then connect() rejects.
      expect(updateErrors).to.deep.equal(Array.from({ length: 9 }, () => expected));
      acc.free();

      const face = await scene.syncFace();
      expect(face.connected.status).to.equal(STATUS_ERROR);
      expect(seen(readFailure(face.connected.area.subarray(0, face.connected.length)))).to.deep.equal(
        expected,
      );
      face.channel.closeFromCaller();
    });

    it("'connect-error' and 'disconnect' errors name their link's node", async () => {
      const scene = new Scene();
      const acc = await scene.asyncFace();
      const events: string[] = [];
      acc.on('connect-error', (link, err) =>
        events.push(`connect-error ${link.port} ${err.message} @${err.address}`),
      );
      acc.on('disconnect', (link, err) =>
        events.push(`disconnect ${link.port} ${err?.message} @${err?.address}`),
      );
      scene.b.handler = (_argv, link) => {
        link.halfClose();
        return undefined;
      };
      await scene.asyncFailure(acc, ['GET', 'foo'], 20);
      scene.b.listening = false;
      await scene.asyncFailure(acc, ['GET', 'foo'], 20);
      expect(events).to.deep.equal([
        `disconnect 7001 Server closed the connection @${scene.b.addr}`,
        `connect-error 7001 Connection refused @${scene.b.addr}`,
      ]);
      acc.free();
    });

    it("the blocking face's worker posts update-error with the node's address", async () => {
      const scene = new Scene();
      const face = await scene.syncFace();
      scene.map = () => error('ERR busy');
      scene.aCommand = () => {
        scene.aCommand = (argv) => `A:${argv[1]}`;
        return error(`MOVED ${BAR} ${scene.a.addr}`);
      };
      expect(await face.batch([ROUTED, BAR, ['GET', 'bar']], 50)).to.equal(null);
      const updateErrors = face.events.filter((e) => e.type === 'update-error');
      expect(updateErrors).to.deep.equal([
        { type: 'update-error', code: REDIS_ERR_OTHER, message: 'ERR busy', address: scene.a.addr },
      ]);
      face.channel.closeFromCaller();
    });
  });
});
