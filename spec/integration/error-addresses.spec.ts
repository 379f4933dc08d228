/**
 * Errors carry their node's address on the real plain cluster, on both faces (issue 14): a refused connect
 * (a command and its 'connect-error' event, and a seed that refuses) and a command timeout. Every kind of
 * failure is specced on the simulated network (spec/engine/error-addresses.spec.ts).
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { ClusterError, REDIS_ERR_IO, REDIS_ERR_TIMEOUT } from '../../lib/errors.js';
import { rejectionOf } from '../support/async-helpers.js';
import { PLAIN } from '../support/clusters.js';

/** Nothing listens on port 1 of loopback. */
const REFUSING = '127.0.0.1:1';

/** [code, message, address] of what `body` throws. */
function thrown(body: () => unknown): [number, string, string | undefined] {
  try {
    body();
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    const { code, message, address } = err as ClusterError;
    return [code, message, address];
  }
  throw new Error('expected a ClusterError');
}

describe('errors carry their node address against the plain cluster', () => {
  describe('AsyncClusterContext', () => {
    let acc: AsyncClusterContext;

    afterEach(() => acc.free());

    it("a refused connect: the command's error and the 'connect-error' event's name the node", async () => {
      acc = new AsyncClusterContext({ nodes: PLAIN[0]! });
      await acc.connect();
      const events: string[] = [];
      acc.on('connect-error', (link, err) => events.push(`${link.host}:${link.port} ${err.address}`));
      const err = (await rejectionOf(acc.sendToNode(REFUSING, 'PING'))) as ClusterError;
      expect([err.code, err.message, err.address]).to.deep.equal([
        REDIS_ERR_IO,
        'Connection refused',
        REFUSING,
      ]);
      expect(events).to.deep.equal([`${REFUSING} ${REFUSING}`]);
    });

    it('a seed that refuses: connect() rejects naming it', async () => {
      acc = new AsyncClusterContext({ nodes: REFUSING });
      const err = (await rejectionOf(acc.connect())) as ClusterError;
      expect([err.code, err.message, err.address]).to.deep.equal([
        REDIS_ERR_IO,
        'Connection refused',
        REFUSING,
      ]);
    });

    it("a command timeout: 'Timeout' naming the node", async () => {
      acc = new AsyncClusterContext({ nodes: PLAIN[0]!, commandTimeout: 100 });
      await acc.connect();
      const err = (await rejectionOf(acc.sendToNode(PLAIN[0]!, 'DEBUG', 'SLEEP', '0.3'))) as ClusterError;
      expect([err.code, err.message, err.address]).to.deep.equal([REDIS_ERR_TIMEOUT, 'Timeout', PLAIN[0]]);
    });
  });

  describe('BlockingClusterContext', () => {
    let cc: BlockingClusterContext;

    afterEach(() => cc.close());

    it("a refused connect: the command's error and the 'connect-error' event's name the node", () => {
      cc = new BlockingClusterContext({ nodes: PLAIN[0]! });
      cc.connect();
      const events: string[] = [];
      cc.on('connect-error', (link, err) => events.push(`${link.host}:${link.port} ${err.address}`));
      expect(thrown(() => cc.commandToNode(REFUSING, 'PING'))).to.deep.equal([
        REDIS_ERR_IO,
        'Connection refused',
        REFUSING,
      ]);
      expect(events).to.deep.equal([`${REFUSING} ${REFUSING}`]);
    });

    it('a seed that refuses: connect() throws naming it', () => {
      cc = new BlockingClusterContext({ nodes: REFUSING });
      expect(thrown(() => cc.connect())).to.deep.equal([REDIS_ERR_IO, 'Connection refused', REFUSING]);
    });

    it("a command timeout: 'Timeout' naming the node", () => {
      cc = new BlockingClusterContext({ nodes: PLAIN[0]!, commandTimeout: 100 });
      cc.connect();
      expect(thrown(() => cc.commandToNode(PLAIN[0]!, 'DEBUG SLEEP 0.3'))).to.deep.equal([
        REDIS_ERR_TIMEOUT,
        'Timeout',
        PLAIN[0],
      ]);
    });
  });
});
