import { expect } from 'chai';
import { parseRedirect } from '../../../lib/cluster/redirect.js';
import { ClusterError, REDIS_ERR_OTHER } from '../../../lib/errors.js';

/** The host of the link the error came on, in every row. */
const HERE = '127.0.0.9';

function failure(text: string): ClusterError {
  try {
    parseRedirect(text, HERE);
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    return err as ClusterError;
  }
  expect.fail(`parseRedirect('${text}') did not throw`);
}

describe('cluster/redirect', () => {
  it('parses MOVED and ASK', () => {
    expect(parseRedirect('MOVED 3999 127.0.0.1:6381', HERE)).to.deep.equal({
      kind: 'MOVED',
      slot: 3999,
      host: '127.0.0.1',
      port: 6381,
    });
    expect(parseRedirect('ASK 3999 127.0.0.1:6381', HERE)).to.deep.equal({
      kind: 'ASK',
      slot: 3999,
      host: '127.0.0.1',
      port: 6381,
    });
  });

  it('splits the endpoint at the last colon (IPv6) and accepts hostnames', () => {
    expect(parseRedirect('MOVED 1 ::1:7001', HERE)).to.deep.equal({
      kind: 'MOVED',
      slot: 1,
      host: '::1',
      port: 7001,
    });
    expect(parseRedirect('ASK 16383 fe80::1:2:7002', HERE)).to.deep.equal({
      kind: 'ASK',
      slot: 16383,
      host: 'fe80::1:2',
      port: 7002,
    });
    expect(parseRedirect('MOVED 0 redis-1.local:6379', HERE)).to.deep.equal({
      kind: 'MOVED',
      slot: 0,
      host: 'redis-1.local',
      port: 6379,
    });
  });

  it("reads ':port' and '?:port' as the host the error came from, with that port", () => {
    expect(parseRedirect('MOVED 12182 :7404', HERE)).to.deep.equal({
      kind: 'MOVED',
      slot: 12182,
      host: HERE,
      port: 7404,
    });
    expect(parseRedirect('ASK 12182 :7404', '::1')).to.deep.equal({
      kind: 'ASK',
      slot: 12182,
      host: '::1',
      port: 7404,
    });
    expect(parseRedirect('MOVED 0 ?:7001', 'localhost')).to.deep.equal({
      kind: 'MOVED',
      slot: 0,
      host: 'localhost',
      port: 7001,
    });
  });

  it('recognises TRYAGAIN and CLUSTERDOWN with or without a message', () => {
    expect(parseRedirect('TRYAGAIN Multiple keys request during rehashing of slot', HERE)).to.deep.equal({
      kind: 'TRYAGAIN',
    });
    expect(parseRedirect('TRYAGAIN', HERE)).to.deep.equal({ kind: 'TRYAGAIN' });
    expect(parseRedirect('CLUSTERDOWN The cluster is down', HERE)).to.deep.equal({ kind: 'CLUSTERDOWN' });
    expect(parseRedirect('CLUSTERDOWN Hash slot not served', HERE)).to.deep.equal({ kind: 'CLUSTERDOWN' });
  });

  it('returns null for every other error', () => {
    for (const text of [
      'ERR unknown command',
      "CROSSSLOT Keys in request don't hash to the same slot",
      'WRONGTYPE Operation against a key holding the wrong kind of value',
      'MOVEDX 1 h:1',
      'ASKING',
      'moved 1 h:1',
      'LOADING Redis is loading the dataset in memory',
      '',
      // Cut error replies: the caller gets the error reply itself (libvalkey).
      'MO',
      'MOVED',
      'ASK',
      'TRYAGAINX',
    ]) {
      expect(parseRedirect(text, HERE), text).to.equal(null);
    }
  });

  const bad: [string, string][] = [
    ['MOVED 3999', 'failed to parse redirect'],
    ['MOVED ', 'failed to parse redirect'],
    ['ASK 3999 ', 'port separator missing in redirect'],
    ['ASK 1 h:1 extra', 'failed to parse redirect'],
    ['MOVED  1 h:1', 'failed to parse redirect'],
    ['MOVED abc h:1', "invalid slot in redirect 'MOVED abc h:1'"],
    ['MOVED 16384 h:1', "invalid slot in redirect 'MOVED 16384 h:1'"],
    ['MOVED -1 h:1', "invalid slot in redirect 'MOVED -1 h:1'"],
    ['ASK  h:1 1', 'failed to parse redirect'],
    ['MOVED 1 h', 'port separator missing in redirect'],
    ['MOVED 1 :0', "invalid port in redirect 'MOVED 1 :0'"],
    ['ASK 1 ?:x', "invalid port in redirect 'ASK 1 ?:x'"],
    ['MOVED 1 h:0', "invalid port in redirect 'MOVED 1 h:0'"],
    ['MOVED 1 h:', "invalid port in redirect 'MOVED 1 h:'"],
    ['MOVED 1 h:65536', "invalid port in redirect 'MOVED 1 h:65536'"],
    ['ASK 1 h:x', "invalid port in redirect 'ASK 1 h:x'"],
  ];
  for (const [text, message] of bad) {
    it(`rejects '${text}'`, () => {
      const err = failure(text);
      expect(err.code).to.equal(REDIS_ERR_OTHER);
      expect(err.message).to.equal(message);
    });
  }
});
