/**
 * The four real clusters of scripts/cluster.sh answer as promised, through a bare socket plus our codec
 * (encodeArgv, FrameScanner, buildReply). `npm test` starts them before mocha runs.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ReplyError } from '../../lib/errors.js';
import { AUTH_PORTS, IPV6_PORTS, PASSWORD, PLAIN_PORTS, TLS_PORTS, tlsFiles } from '../support/clusters.js';
import { RawClient, type RawClientOptions } from '../support/raw-client.js';

/** Connects, runs `body`, and always closes the connection. */
async function withClient<T>(options: RawClientOptions, body: (client: RawClient) => Promise<T>): Promise<T> {
  const client = await RawClient.connect(options);
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

/** The error a promise rejects with; fails the spec when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  try {
    await promise;
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  expect.fail('expected a rejection');
}

function expectClusterOk(info: unknown): void {
  expect(info).to.be.a('string');
  const lines = (info as string).split('\r\n');
  expect(lines).to.include('cluster_state:ok');
  expect(lines).to.include('cluster_slots_ok:16384');
  expect(lines).to.include('cluster_known_nodes:6');
  expect(lines).to.include('cluster_size:3');
}

/** CLUSTER SLOTS as plain values: [start, end, [ip, port, id, metadata], ...replicas][]. */
type SlotRange = [number, number, ...[string, number, string, unknown[]][]];

describe('integration: the test clusters', () => {
  describe('plain cluster (127.0.0.1:7000-7005)', () => {
    it('reports cluster_state:ok on 7000', async () => {
      const info = await withClient({ host: '127.0.0.1', port: 7000 }, (c) => c.call(['CLUSTER', 'INFO']));
      expectClusterOk(info);
    });

    it('serves all 16384 slots with three primaries of one replica each', async () => {
      const slots = (await withClient({ host: '127.0.0.1', port: PLAIN_PORTS[0]! }, (c) =>
        c.call(['CLUSTER', 'SLOTS']),
      )) as SlotRange[];
      const ranges = slots.map(([start, end]) => [start, end]).sort((a, b) => a[0]! - b[0]!);
      expect(ranges).to.deep.equal([
        [0, 5460],
        [5461, 10922],
        [10923, 16383],
      ]);
      const ports = slots.flatMap(([, , ...nodes]) => nodes.map((node) => node[1])).sort((a, b) => a - b);
      expect(ports).to.deep.equal([...PLAIN_PORTS]);
      for (const [, , ...nodes] of slots) expect(nodes).to.have.length(2);
    });
  });

  describe('auth cluster (127.0.0.1:7100-7105)', () => {
    it('refuses GET before AUTH and accepts AUTH secretword', async () => {
      await withClient({ host: '127.0.0.1', port: AUTH_PORTS[0]! }, async (c) => {
        const refused = await c.call(['GET', 'foo']);
        expect(refused).to.be.instanceOf(ReplyError);
        expect((refused as ReplyError).message).to.equal('NOAUTH Authentication required.');
        expect(await c.call(['AUTH', PASSWORD])).to.equal('OK');
        expectClusterOk(await c.call(['CLUSTER', 'INFO']));
      });
    });

    it('rejects a wrong password', async () => {
      await withClient({ host: '127.0.0.1', port: AUTH_PORTS[0]! }, async (c) => {
        const refused = await c.call(['AUTH', 'wrongword']);
        expect(refused).to.be.instanceOf(ReplyError);
        expect((refused as ReplyError).message).to.equal(
          'WRONGPASS invalid username-password pair or user is disabled.',
        );
      });
    });
  });

  describe('ipv6 cluster ([::1]:7200-7205)', () => {
    it('answers on ::1 and announces its nodes as ::1', async () => {
      await withClient({ host: '::1', port: IPV6_PORTS[0]! }, async (c) => {
        expectClusterOk(await c.call(['CLUSTER', 'INFO']));
        const slots = (await c.call(['CLUSTER', 'SLOTS'])) as SlotRange[];
        const hosts = new Set(slots.flatMap(([, , ...nodes]) => nodes.map((node) => node[0])));
        expect([...hosts]).to.deep.equal(['::1']);
      });
    });

    it('does not listen on 127.0.0.1', async () => {
      const error = await rejection(RawClient.connect({ host: '127.0.0.1', port: IPV6_PORTS[0]! }));
      expect(error.code).to.equal('ECONNREFUSED');
    });
  });

  describe('tls cluster (127.0.0.1:7300-7305)', () => {
    const files = tlsFiles();
    const read = (path: string) => readFileSync(path);

    it('answers over TLS to a client trusting the generated CA', async () => {
      const info = await withClient(
        { host: '127.0.0.1', port: TLS_PORTS[0]!, tls: { ca: read(files.ca) } },
        (c) => c.call(['CLUSTER', 'INFO']),
      );
      expectClusterOk(info);
    });

    it('accepts a client certificate signed by the CA (mutual TLS)', async () => {
      const tls = { ca: read(files.ca), cert: read(files.cert), key: read(files.key) };
      const pong = await withClient({ host: '127.0.0.1', port: TLS_PORTS[0]!, tls }, (c) => c.call(['PING']));
      expect(pong).to.equal('PONG');
    });

    it('fails certificate verification for a client that trusts another CA', async () => {
      const tls = { ca: read(files.untrustedCa) };
      const error = await rejection(RawClient.connect({ host: '127.0.0.1', port: TLS_PORTS[0]!, tls }));
      // The server sends its chain up to our CA, which the client does not trust.
      expect(error.code).to.equal('SELF_SIGNED_CERT_IN_CHAIN');
    });

    it('refuses a client certificate signed by another CA', async () => {
      const tls = { ca: read(files.ca), cert: read(files.untrustedCert), key: read(files.untrustedKey) };
      await withClient({ host: '127.0.0.1', port: TLS_PORTS[0]!, tls }, async (c) => {
        // TLS 1.3: the client's handshake completes first; the server's alert arrives on the first read.
        const error = await rejection(c.call(['PING']));
        expect(error.code).to.equal('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
      });
    });

    it('does not speak plain TCP', async () => {
      await withClient({ host: '127.0.0.1', port: TLS_PORTS[0]! }, async (c) => {
        const error = await rejection(c.call(['PING']));
        expect(error.code).to.equal('ECONNRESET');
      });
    });
  });
});
