/**
 * errorCodeOf reads the kind of a failure from hiredis' number and the library's own words: every message
 * the library makes, as it makes it, maps to its stable code (spec/integration/error-codes.spec.ts meets
 * them for real on both faces).
 */
import { expect } from 'chai';
import { linkStateRefusal } from '../../lib/cluster/link-state.js';
import { ERROR_CODES, errorCodeOf } from '../../lib/error-codes.js';
import {
  ClusterError,
  clusterClosing,
  mayHaveBeenApplied,
  nodeLeftCluster,
  protocolError,
  slotmapNotAvailable,
  slotNotServed,
  tooManyRetries,
} from '../../lib/errors.js';

const AT = '127.0.0.1:7000';

describe('error codes: the kind of a failure from hiredis’ number and words', () => {
  const cases: [string, ClusterError, string][] = [
    ['a command timeout', new ClusterError(6, 'Timeout', AT), ERROR_CODES.TIMEOUT],
    ['the sync connect timeout', new ClusterError(1, 'Connection timed out'), ERROR_CODES.TIMEOUT],
    ['a refused connect', new ClusterError(1, 'Connection refused', AT), ERROR_CODES.CONNECTION],
    ['a close', new ClusterError(3, 'Server closed the connection', AT), ERROR_CODES.CONNECTION],
    ['a bad frame', protocolError('bad header', AT), ERROR_CODES.PROTOCOL],
    ['the retry budget spent', tooManyRetries(), ERROR_CODES.TOO_MANY_RETRIES],
    ['a closing context', clusterClosing(), ERROR_CODES.CLOSED],
    ['a ToNode command while disconnecting', new ClusterError(2, 'disconnecting'), ERROR_CODES.CLOSED],
    ['a freed context', new ClusterError(2, 'context freed'), ERROR_CODES.CLOSED],
    ['a closed blocking context', new ClusterError(2, 'context closed'), ERROR_CODES.CLOSED],
    ['a closed session', new ClusterError(2, 'the WATCH session is closed'), ERROR_CODES.CLOSED],
    ['no slot map yet', slotmapNotAvailable(), ERROR_CODES.NO_SLOTMAP],
    ['a slot without node', slotNotServed(), ERROR_CODES.SLOT_NOT_SERVED],
    ['a node gone (async, err 0)', nodeLeftCluster(AT), ERROR_CODES.NODE_LEFT],
    ['a node gone (sync, err 2)', nodeLeftCluster(AT, 2), ERROR_CODES.NODE_LEFT],
    ['a sent write whose node left', mayHaveBeenApplied(nodeLeftCluster(AT, 2)), ERROR_CODES.NODE_LEFT],
    [
      'a sent write that timed out',
      mayHaveBeenApplied(new ClusterError(6, 'Timeout', AT)),
      ERROR_CODES.TIMEOUT,
    ],
    [
      'a wrong password',
      new ClusterError(2, 'WRONGPASS invalid username-password pair', AT),
      ERROR_CODES.HANDSHAKE,
    ],
    ['HELLO refused', new ClusterError(2, 'HELLO 3 failed: ERR unknown command', AT), ERROR_CODES.HANDSHAKE],
    [
      'SELECT refused',
      new ClusterError(2, 'SELECT failed: ERR DB index is out of range', AT),
      ERROR_CODES.HANDSHAKE,
    ],
    ['a bad format', new ClusterError(2, 'Invalid format string'), ERROR_CODES.INVALID_ARGUMENT],
    ['a bad option', new ClusterError(2, "Unknown option 'adapter'"), ERROR_CODES.INVALID_ARGUMENT],
    [
      'a keyless command',
      new ClusterError(2, 'No keys in command(must have keys for redis cluster mode)'),
      ERROR_CODES.INVALID_ARGUMENT,
    ],
    [
      'a cross-slot transaction',
      new ClusterError(2, 'CROSSSLOT Keys in a transaction'),
      ERROR_CODES.INVALID_ARGUMENT,
    ],
    ['too many pending', new ClusterError(2, 'too many pending commands (maxPending 1)'), ERROR_CODES.LIMIT],
    ['no dedicated link', new ClusterError(2, `all dedicated links to ${AT} are in use`), ERROR_CODES.LIMIT],
    [
      'a refused slot-map request',
      new ClusterError(2, 'ERR This instance has cluster support disabled', AT),
      ERROR_CODES.OTHER,
    ],
  ];
  for (const [what, err, code] of cases) {
    it(`${what}: ${code}`, () => {
      expect(err.errorCode).to.equal(code);
      expect(errorCodeOf(err.code, err.message, err.address)).to.equal(code);
    });
  }

  it('a link-state command refused: ERR_HIRCLUSTER_INVALID_ARGUMENT', () => {
    const refusal = linkStateRefusal(['MULTI'])!;
    expect(refusal.errorCode).to.equal(ERROR_CODES.INVALID_ARGUMENT);
  });

  it('keeps hiredis’ number in code', () => {
    expect(tooManyRetries().code).to.equal(100);
  });
});
