/**
 * A program branches on `err.errorCode`, a stable string, whatever the words or the face: each kind of
 * failure met for real on both contexts (the blocking one's errors cross from its worker thread as hiredis'
 * number and words), beside hiredis' `err` number in `err.code`, unchanged.
 */
import net from 'node:net';
import { expect } from 'chai';
import {
  AsyncClusterContext,
  BlockingClusterContext,
  ClusterError,
  ERROR_CODES,
  REDIS_ERR_CLUSTER_TOO_MANY_RETRIES,
  REDIS_ERR_IO,
  REDIS_ERR_OTHER,
  REDIS_ERR_TIMEOUT,
} from '../../lib/index.js';
import { MockCluster, mockError } from '../../lib/testing/index.js';
import { AUTH, PLAIN } from '../support/clusters.js';
import { type SilentNode, silentNode } from '../support/silent-node.js';

/** The ClusterError `run` throws or rejects with. */
async function failure(run: () => unknown): Promise<ClusterError> {
  try {
    await run();
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    return err as ClusterError;
  }
  throw new Error('expected a failure');
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('error codes: each failure carries a stable errorCode beside hiredis’ number, on both faces', function () {
  this.timeout(20_000);

  describe('connecting', () => {
    let silent: SilentNode;
    before(async () => {
      silent = await silentNode();
    });
    after(() => silent.close());

    it('a refused connect: ERR_HIRCLUSTER_CONNECTION (err 1)', async () => {
      const nodes = `127.0.0.1:${await closedPort()}`;
      const acc = new AsyncClusterContext({ nodes });
      const cc = new BlockingClusterContext({ nodes });
      try {
        for (const err of [await failure(() => acc.connect()), await failure(() => cc.connect())]) {
          expect([err.code, err.errorCode]).to.deep.equal([REDIS_ERR_IO, ERROR_CODES.CONNECTION]);
        }
      } finally {
        acc.free();
        cc.close();
      }
    });

    it('a node that never answers: ERR_HIRCLUSTER_TIMEOUT (err 6)', async () => {
      const acc = new AsyncClusterContext({ nodes: silent.addr, updateTimeout: 200 });
      const cc = new BlockingClusterContext({ nodes: silent.addr, updateTimeout: 200 });
      try {
        for (const err of [await failure(() => acc.connect()), await failure(() => cc.connect())]) {
          expect([err.code, err.errorCode, err.address]).to.deep.equal([
            REDIS_ERR_TIMEOUT,
            ERROR_CODES.TIMEOUT,
            silent.addr,
          ]);
        }
      } finally {
        acc.free();
        cc.close();
      }
    });

    it('a wrong password: ERR_HIRCLUSTER_HANDSHAKE (err 2, the server’s words)', async () => {
      const options = { nodes: AUTH[0]!, password: 'not-the-password' };
      const acc = new AsyncClusterContext(options);
      const cc = new BlockingClusterContext(options);
      try {
        for (const err of [await failure(() => acc.connect()), await failure(() => cc.connect())]) {
          expect([err.code, err.errorCode]).to.deep.equal([REDIS_ERR_OTHER, ERROR_CODES.HANDSHAKE]);
          expect(err.message).to.match(/^WRONGPASS /);
        }
      } finally {
        acc.free();
        cc.close();
      }
    });
  });

  describe('calls', () => {
    it('before the first slot map (async): ERR_HIRCLUSTER_NO_SLOTMAP', async () => {
      const acc = new AsyncClusterContext({ nodes: PLAIN[0]! });
      try {
        const err = await failure(() => acc.send('GET', 'error-codes:key'));
        expect([err.code, err.errorCode]).to.deep.equal([REDIS_ERR_OTHER, ERROR_CODES.NO_SLOTMAP]);
      } finally {
        acc.free();
      }
    });

    it('bad input refused at the call: ERR_HIRCLUSTER_INVALID_ARGUMENT', async () => {
      const acc = new AsyncClusterContext({ nodes: PLAIN[0]! });
      const cc = new BlockingClusterContext({ nodes: PLAIN[0]! });
      try {
        await acc.connect();
        cc.connect();
        const errors = [
          await failure(() => acc.send('MULTI')),
          await failure(() => acc.send('SUBSCRIBE', 'news')),
          await failure(() => cc.command('GET %s')),
          await failure(() => cc.commandToNode([...cc.nodes()][0]!, 'SELECT 1')),
          await failure(() => new BlockingClusterContext({ nodes: PLAIN[0]!, maxRetry: 0 })),
        ];
        expect(errors.map((err) => err.errorCode)).to.deep.equal(
          errors.map(() => ERROR_CODES.INVALID_ARGUMENT),
        );
      } finally {
        acc.free();
        cc.close();
      }
    });

    it('after close: ERR_HIRCLUSTER_CLOSED', async () => {
      const acc = new AsyncClusterContext({ nodes: PLAIN[0]! });
      const cc = new BlockingClusterContext({ nodes: PLAIN[0]! });
      await acc.connect();
      cc.connect();
      acc.disconnect();
      cc.close();
      const errors = [await failure(() => acc.send('GET', 'k')), await failure(() => cc.command('GET k'))];
      expect(errors.map((err) => err.errorCode)).to.deep.equal([ERROR_CODES.CLOSED, ERROR_CODES.CLOSED]);
    });

    it('TRYAGAIN past maxRetry: ERR_HIRCLUSTER_TOO_MANY_RETRIES (err 100)', async () => {
      const cluster = await MockCluster.start({ primaries: 3 });
      const acc = new AsyncClusterContext({ nodes: cluster.addresses, maxRetry: 2 });
      const cc = new BlockingClusterContext({ nodes: cluster.addresses, maxRetry: 2 });
      try {
        await acc.connect();
        cc.connect();
        const tryAgain = () =>
          cluster.replyNext(
            [1, 2, 3].map(() => mockError('TRYAGAIN Multiple keys request')),
            { command: 'GET' },
          );
        await tryAgain();
        const asyncErr = await failure(() => acc.send('GET', 'error-codes:key'));
        await tryAgain();
        const syncErr = await failure(() => cc.command('GET error-codes:key'));
        for (const err of [asyncErr, syncErr]) {
          expect([err.code, err.errorCode]).to.deep.equal([
            REDIS_ERR_CLUSTER_TOO_MANY_RETRIES,
            ERROR_CODES.TOO_MANY_RETRIES,
          ]);
        }
      } finally {
        acc.free();
        cc.close();
        await cluster.stop();
      }
    });
  });
});
