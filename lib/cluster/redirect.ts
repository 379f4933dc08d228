/**
 * The four cluster error replies that make a client retry: MOVED, ASK, TRYAGAIN, CLUSTERDOWN.
 *
 * The first word of the error text decides (hiredis-cluster compares a prefix; here the word must be
 * followed by a space or end the text, so 'ASKING...' is not ASK). MOVED/ASK carry
 * '<slot> <host>:<port>', split at the last ':' so IPv6 hosts ('MOVED 1 ::1:7001') work.
 *
 * The endpoint forms a Redis 7+ server sends: 'host:port' with an IP or a host name
 * (`cluster-preferred-endpoint-type ip | hostname`), ':port' (`unknown-endpoint`: "the same endpoint as
 * the current request, with this port", Redis cluster spec; libvalkey reads it so, hiredis-cluster 0.14
 * refuses it) and '?:port' (host name preferred, none announced): the last two go to the host the
 * redirect came from.
 */

import { otherError } from '../errors.js';
import { endpointHost, parsePort } from './address.js';
import { SLOT_COUNT } from './keyslot.js';

export type Redirect =
  | { kind: 'MOVED' | 'ASK'; slot: number; host: string; port: number }
  | { kind: 'TRYAGAIN' | 'CLUSTERDOWN' };

const TRYAGAIN: Redirect = Object.freeze({ kind: 'TRYAGAIN' });
const CLUSTERDOWN: Redirect = Object.freeze({ kind: 'CLUSTERDOWN' });
const SLOT_DIGITS = /^[0-9]{1,5}$/;

/**
 * The redirect an error reply asks for, or null for any other error. `currentHost` is the host of the
 * link the reply came on: the target host of ':port' and '?:port'. A bare 'MOVED' or 'ASK' (nothing
 * after the word, as libvalkey reads it) is no redirect: the caller gets the error reply itself. A
 * MOVED/ASK that cannot be followed throws otherError: hiredis' 'failed to parse redirect' (not 3
 * fields), 'port separator missing in redirect', and "invalid slot in redirect '<text>'" / "invalid
 * port in redirect '<text>'".
 */
export function parseRedirect(errorText: string, currentHost: string): Redirect | null {
  const space = errorText.indexOf(' ');
  if (space < 0) {
    if (errorText === 'TRYAGAIN') return TRYAGAIN;
    return errorText === 'CLUSTERDOWN' ? CLUSTERDOWN : null;
  }
  switch (errorText.slice(0, space)) {
    case 'MOVED':
      return parseTarget('MOVED', errorText, currentHost);
    case 'ASK':
      return parseTarget('ASK', errorText, currentHost);
    case 'TRYAGAIN':
      return TRYAGAIN;
    case 'CLUSTERDOWN':
      return CLUSTERDOWN;
    default:
      return null;
  }
}

function parseTarget(kind: 'MOVED' | 'ASK', text: string, currentHost: string): Redirect {
  // hiredis splits on single spaces, so a doubled space is a wrong field count there too.
  const fields = text.split(' ');
  if (fields.length !== 3) throw otherError('failed to parse redirect');
  const [, slotText, endpoint] = fields as [string, string, string];
  const slot = SLOT_DIGITS.test(slotText) ? Number(slotText) : -1;
  if (slot < 0 || slot >= SLOT_COUNT) throw otherError(`invalid slot in redirect '${text}'`);
  const colon = endpoint.lastIndexOf(':');
  if (colon < 0) throw otherError('port separator missing in redirect');
  const port = parsePort(endpoint.slice(colon + 1));
  if (port < 0) throw otherError(`invalid port in redirect '${text}'`);
  return { kind, slot, host: endpointHost(endpoint.slice(0, colon), currentHost), port };
}
