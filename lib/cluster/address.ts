/**
 * Node addresses: 'host:port' as hiredis-cluster writes them (split at the LAST ':' so that
 * '::1:7000' is host '::1'), plus the bracketed form '[::1]:7000' for option strings.
 */

import { otherError } from '../errors.js';

/** A node address: IPv6 hosts without brackets. */
export interface HostPort {
  /** Host name, IPv4 or IPv6 address. */
  host: string;
  /** TCP port, 1 to 65535. */
  port: number;
}

const PORT_DIGITS = /^[0-9]{1,5}$/;

/** A TCP port given as decimal digits, or -1 when it is not an integer 1..65535. */
export function parsePort(text: string): number {
  if (!PORT_DIGITS.test(text)) return -1;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : -1;
}

/**
 * 'host:port', '::1:7000' or '[::1]:7000' -> { host, port }. Throws otherError naming the address and
 * the problem: "Invalid address '127.0.0.1': missing port", "Invalid address 'h:0': port must be 1-65535";
 * a URL is refused, and credentials in one are not repeated.
 */
export function parseHostPort(addr: string): HostPort {
  const at = addr.lastIndexOf('@');
  if (at >= 0) {
    // 'user:password@host:port' (a URL's userinfo): the message must not repeat the password.
    throw otherError(
      `Invalid address '<hidden>@${addr.slice(at + 1)}': credentials do not belong in an address (use the username and password options)`,
    );
  }
  if (addr.includes('/')) throw invalid(addr, 'expected host:port, not a URL');
  let host: string;
  let portText: string;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close < 0) throw invalid(addr, "missing ']'");
    host = addr.slice(1, close);
    const rest = addr.slice(close + 1);
    if (rest === '') throw invalid(addr, 'missing port');
    if (rest[0] !== ':') throw invalid(addr, "expected ':' after ']'");
    portText = rest.slice(1);
  } else {
    const colon = addr.lastIndexOf(':');
    if (colon < 0) throw invalid(addr, 'missing port');
    host = addr.slice(0, colon);
    portText = addr.slice(colon + 1);
  }
  if (host === '') throw invalid(addr, 'missing host');
  if (portText === '') throw invalid(addr, 'missing port');
  const port = parsePort(portText);
  if (port < 0) throw invalid(addr, 'port must be 1-65535');
  return { host, port };
}

/**
 * The host to dial for a node endpoint a server reports (CLUSTER SLOTS / SHARDS / NODES, MOVED / ASK).
 * NULL or '' (`cluster-preferred-endpoint-type unknown-endpoint`, or a node that does not know its own
 * address) and '?' (host name preferred, none announced) say "the same endpoint as the current
 * request": the host of the node that answered.
 */
export function endpointHost(endpoint: string | null, answeringHost: string): string {
  return endpoint === null || endpoint === '' || endpoint === '?' ? answeringHost : endpoint;
}

/** 'host:port' without brackets, as hiredis-cluster names nodes (so '::1:7000' for IPv6). */
export function formatHostPort(host: string, port: number): string {
  return `${host}:${port}`;
}

function invalid(addr: string, problem: string): Error {
  return otherError(`Invalid address '${addr}': ${problem}`);
}
