/**
 * The `timerWheel` option on the real plain cluster, for both contexts: per-command deadlines on a
 * TimerWheel (the blocking context's worker builds its own). A node kept busy past the command
 * timeout (DEBUG SLEEP) fails the command with hiredis' "Timeout"; the late reply never passes for
 * the next command's.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { ClusterError, REDIS_ERR_TIMEOUT } from '../../lib/errors.js';
import { rejectionOf, sleep } from '../support/async-helpers.js';
import { PLAIN } from '../support/clusters.js';

const KEY = 'issue6:timer-wheel';

describe('timerWheel option: command timeouts on a timer wheel (plain cluster)', () => {
  it('async context: Timeout past commandTimeout; the next command gets its own reply', async () => {
    const acc = new AsyncClusterContext({ nodes: PLAIN[0]!, commandTimeout: 150, timerWheel: true });
    try {
      await acc.connect();
      expect(await acc.send('SET', KEY, 'async')).to.equal('OK');
      const err = await rejectionOf(acc.sendToNode(acc.nodeForKey(KEY)!, 'DEBUG', 'SLEEP', '0.3'));
      expect(err).to.be.instanceOf(ClusterError);
      expect([err.code, err.message]).to.deep.equal([REDIS_ERR_TIMEOUT, 'Timeout']);
      await sleep(350);
      expect(await acc.send('GET', KEY)).to.equal('async');
    } finally {
      acc.free();
    }
  });

  it('blocking context: Timeout past commandTimeout; the next call gets its own reply', async () => {
    const cc = new BlockingClusterContext({
      nodes: PLAIN[0]!,
      commandTimeout: 150,
      timerWheel: { tickMs: 2 },
    });
    try {
      cc.connect();
      expect(cc.command('SET %s %s', KEY, 'blocking')).to.equal('OK');
      let err: unknown;
      try {
        cc.commandToNode(cc.nodeForKey(KEY)!, 'DEBUG SLEEP 0.3');
      } catch (thrown) {
        err = thrown;
      }
      expect(err).to.be.instanceOf(ClusterError);
      expect([(err as ClusterError).code, (err as ClusterError).message]).to.deep.equal([
        REDIS_ERR_TIMEOUT,
        'Timeout',
      ]);
      await sleep(350);
      expect(cc.command('GET %s', KEY)).to.equal('blocking');
    } finally {
      cc.close();
    }
  });
});
