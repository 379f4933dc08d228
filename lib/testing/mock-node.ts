/**
 * One mock node: a TCP (or TLS) listener on a loopback port, its links, its place in the topology and
 * its fault settings (reply delay, stall, dropped).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { ClusterState, Member } from './cluster-state.js';
import type { DataStore } from './data-store.js';
import type { InjectedReplies } from './injected-replies.js';
import { type LinkHost, MockLink } from './mock-link.js';
import type { PubsubBoard } from './mock-pubsub.js';
import type { NodeContext } from './node-commands.js';

/** Settings every node of a cluster shares. */
export interface NodeSettings {
  readonly state: ClusterState;
  readonly injected: InjectedReplies;
  readonly pubsub: PubsubBoard;
  readonly password: string;
  readonly resp3: boolean;
  /** Server TLS options (key, cert, ...); plain TCP when absent. */
  readonly tls: tls.TlsOptions | undefined;
  /** Receives every command a node runs. */
  readonly record: (node: MockNode, argv: readonly Buffer[]) => void;
}

/** Where the mock nodes listen: loopback only. */
export const MOCK_HOST = '127.0.0.1';

export class MockNode implements Member, LinkHost {
  readonly id = randomBytes(20).toString('hex');
  readonly host = MOCK_HOST;
  port = 0;
  role: 'master' | 'replica';
  primary: Member | null;
  store: DataStore;
  configEpoch = 0;
  failed = false;
  availabilityZone: string | null = null;
  delayMs = 0;
  stalled = false;
  readonly context: NodeContext;
  private server: net.Server | null = null;
  private readonly links = new Set<MockLink>();

  constructor(
    private readonly settings: NodeSettings,
    store: DataStore,
    primary: Member | null,
  ) {
    this.store = store;
    this.primary = primary;
    this.role = primary === null ? 'master' : 'replica';
    this.context = {
      state: settings.state,
      node: this,
      password: settings.password,
      resp3: settings.resp3,
      tls: settings.tls !== undefined,
      injected: settings.injected,
      pubsub: settings.pubsub,
    };
  }

  /** Starts listening: on an ephemeral port the first time, then on the same port again. */
  listen(): Promise<void> {
    const onSocket = (socket: net.Socket) => this.links.add(new MockLink(socket, this));
    const server =
      this.settings.tls === undefined
        ? net.createServer(onSocket)
        : tls.createServer(this.settings.tls, onSocket).on('tlsClientError', () => {});
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port: this.port }, () => {
        server.off('error', reject);
        this.server = server;
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  /** Stops listening and closes every link: connects are refused until `listen()` again. */
  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.closeLinks();
    if (server !== null) await new Promise((resolve) => server.close(resolve));
  }

  /** Closes every client connection (the clients see the server close it); returns how many. */
  closeLinks(): number {
    const links = [...this.links];
    for (const link of links) link.close();
    return links.length;
  }

  /** Lets the commands that waited during a stall run. */
  resume(): void {
    this.stalled = false;
    for (const link of this.links) void link.pump();
  }

  record(argv: readonly Buffer[]): void {
    this.settings.record(this, argv);
  }

  forget(link: MockLink): void {
    this.links.delete(link);
  }
}
