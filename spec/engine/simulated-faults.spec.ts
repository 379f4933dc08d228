/**
 * AsyncClusterContext on the simulated network (spec/support/sim-network.ts): replies cut at any byte,
 * one offset at a time and a byte a chunk, on the ManualLoop and on a TimerWheel over it. The faults
 * where timing matters have their behaviour's file: timeouts.spec.ts, redirects.spec.ts (retry
 * backoff), link-failures.spec.ts (resets, half-closes, refused connects), close-and-free.spec.ts.
 */
import { expect } from 'chai';
import { ReplyError } from '../../lib/errors.js';
import type { Outcomes } from '../support/async-helpers.js';
import { encodeResp, error, type RespValue, status } from '../support/resp-values.js';
import { ADAPTERS, simulatedAsync } from '../support/sim-async.js';
import type { SimNetwork } from '../support/sim-network.js';

for (const [name, adapterOf] of ADAPTERS) {
  describe(`engine on the simulated network, ${name}`, () => {
    let net: SimNetwork;
    let outcomes: Outcomes;
    const { oneNode, results } = simulatedAsync(adapterOf, (n, o) => {
      net = n;
      outcomes = o;
    });

    describe('broken links', () => {
      it('replies cut at every byte, one offset at a time and a byte a chunk: the same replies', async () => {
        const replies: RespValue[] = [
          'bar',
          [`x`, null],
          42,
          status('PONG'),
          error('ERR no such thing'),
          null,
        ];
        const bytes = Buffer.concat(replies.map(encodeResp));
        const expected = [
          ['get', 'bar', 0, ''],
          ['mget', ['x', null], 0, ''],
          ['incr', 42, 0, ''],
          ['ping', 'PONG', 0, ''],
          ['err', 'ReplyError ERR no such thing', 0, ''],
          ['nil', null, 0, ''],
        ];
        const cuts: (number[] | 'bytes')[] = [
          ...Array.from({ length: bytes.length - 1 }, (_, i) => [i + 1]),
          'bytes',
        ];
        for (const cut of cuts) {
          const { a, acc } = await oneNode();
          acc.command(outcomes.callback, 'get', 'GET {t}a');
          acc.command(outcomes.callback, 'mget', 'MGET {t}b {t}c');
          acc.command(outcomes.callback, 'incr', 'INCR {t}n');
          acc.command(outcomes.callback, 'ping', 'GET {t}p');
          acc.command(outcomes.callback, 'err', 'GET {t}e');
          acc.command(outcomes.callback, 'nil', 'GET {t}nil');
          net.loop.advance(5);
          if (cut === 'bytes') a.link!.split = 'bytes';
          a.link!.sendRaw(bytes, cut === 'bytes' ? undefined : cut);
          net.loop.advance(5);
          const got = results().map(([p, reply, err, errstr]) => [
            p,
            reply instanceof ReplyError ? `ReplyError ${reply.message}` : reply,
            err,
            errstr,
          ]);
          expect(got, `cut at ${cut}`).to.deep.equal(expected);
          acc.free();
        }
      });
    });
  });
}
