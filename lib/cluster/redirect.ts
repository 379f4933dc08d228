/**
 * The four cluster error replies that make a client retry: MOVED, ASK, TRYAGAIN, CLUSTERDOWN.
 *
 * The first word of the error text decides (hiredis-cluster compares a prefix; here the word must be
 * followed by a space or end the text, so 'ASKING...' is not ASK). MOVED/ASK carry
 * '<slot> <host>:<port>', split at the last ':' so IPv6 hosts ('MOVED 1 ::1:7001') work.
 */

import { otherError } from '../errors.js';
import { parsePort } from './address.js';
import { SLOT_COUNT } from './keyslot.js';

export type Redirect =
  | { kind: 'MOVED' | 'ASK'; slot: number; host: string; port: number }
  | { kind: 'TRYAGAIN' | 'CLUSTERDOWN' };

const TRYAGAIN: Redirect = Object.freeze({ kind: 'TRYAGAIN' });
const CLUSTERDOWN: Redirect = Object.freeze({ kind: 'CLUSTERDOWN' });
const SLOT_DIGITS = /^[0-9]{1,5}$/;

/**
 * The redirect an error reply asks for, or null for any other error. A MOVED/ASK that cannot be
 * followed throws otherError: hiredis' 'failed to parse redirect' (not 3 fields),
 * 'port separator missing in redirect', 'endpoint missing in redirect' (empty host), and
 * "invalid slot in redirect '<text>'" / "invalid port in redirect '<text>'".
 */
export function parseRedirect(errorText: string): Redirect | null {
  const space = errorText.indexOf(' ');
  const word = space < 0 ? errorText : errorText.slice(0, space);
  switch (word) {
    case 'MOVED':
    case 'ASK':
      return parseTarget(word, errorText);
    case 'TRYAGAIN':
      return TRYAGAIN;
    case 'CLUSTERDOWN':
      return CLUSTERDOWN;
    default:
      return null;
  }
}

function parseTarget(kind: 'MOVED' | 'ASK', text: string): Redirect {
  // hiredis splits on single spaces, so a doubled space is a wrong field count there too.
  const fields = text.split(' ');
  if (fields.length !== 3) throw otherError('failed to parse redirect');
  const [, slotText, endpoint] = fields as [string, string, string];
  const slot = SLOT_DIGITS.test(slotText) ? Number(slotText) : -1;
  if (slot < 0 || slot >= SLOT_COUNT) throw otherError(`invalid slot in redirect '${text}'`);
  const colon = endpoint.lastIndexOf(':');
  if (colon < 0) throw otherError('port separator missing in redirect');
  if (colon === 0) throw otherError('endpoint missing in redirect');
  const port = parsePort(endpoint.slice(colon + 1));
  if (port < 0) throw otherError(`invalid port in redirect '${text}'`);
  return { kind, slot, host: endpoint.slice(0, colon), port };
}
