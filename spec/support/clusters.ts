/**
 * Where the real test clusters of scripts/cluster.sh live: 6 nodes each (3 primaries, 1 replica each).
 * Keep in step with scripts/cluster.sh and docker-compose.yml.
 */
import { join } from 'node:path';

export type ClusterName = 'plain' | 'auth' | 'ipv6' | 'tls' | 'hostnames' | 'unknown-endpoint';

/** The password of the auth cluster (requirepass + masterauth). */
export const PASSWORD = 'secretword';

/** First port of each cluster; its nodes use this port and the next five. */
export const BASE_PORTS: Readonly<Record<ClusterName, number>> = {
  plain: 7000,
  auth: 7100,
  ipv6: 7200,
  tls: 7300,
  hostnames: 7500,
  'unknown-endpoint': 7600,
};

/** Host the specs dial for a cluster's nodes: the address they bind to, or the name they announce. */
export const HOSTS: Readonly<Record<ClusterName, string>> = {
  plain: '127.0.0.1',
  auth: '127.0.0.1',
  ipv6: '::1',
  tls: '127.0.0.1',
  // Bound to 127.0.0.1; the certificate names only localhost.
  hostnames: 'localhost',
  'unknown-endpoint': '127.0.0.1',
};

function portsOf(name: ClusterName): readonly number[] {
  const base = BASE_PORTS[name];
  return [base, base + 1, base + 2, base + 3, base + 4, base + 5];
}

export const PLAIN_PORTS = portsOf('plain');
export const AUTH_PORTS = portsOf('auth');
export const IPV6_PORTS = portsOf('ipv6');
export const TLS_PORTS = portsOf('tls');
export const HOSTNAMES_PORTS = portsOf('hostnames');
export const UNKNOWN_ENDPOINT_PORTS = portsOf('unknown-endpoint');

/** Node addresses as hiredis-cluster writes them ('host:port', IPv6 without brackets). */
export const PLAIN = PLAIN_PORTS.map((port) => `127.0.0.1:${port}`);
export const AUTH = AUTH_PORTS.map((port) => `127.0.0.1:${port}`);
export const IPV6 = IPV6_PORTS.map((port) => `::1:${port}`);
export const TLS = TLS_PORTS.map((port) => `127.0.0.1:${port}`);
/** As the nodes name themselves (cluster-announce-hostname localhost, host names preferred). */
export const HOSTNAMES = HOSTNAMES_PORTS.map((port) => `localhost:${port}`);
export const UNKNOWN_ENDPOINT = UNKNOWN_ENDPOINT_PORTS.map((port) => `127.0.0.1:${port}`);

/** The folder scripts/cluster.sh and scripts/gen-certs.sh work in. */
export function clusterTmpDir(): string {
  return process.env.HIRCLUSTER_TMP || '/tmp/hircluster';
}

export interface TlsFiles {
  /** CA that signed the servers' and the client's certificates. */
  ca: string;
  /** Client certificate and key signed by `ca` (the servers accept clients with or without one). */
  cert: string;
  key: string;
  /** A CA that signed nothing the servers use: trusting only it must fail verification. */
  untrustedCa: string;
  /** Client certificate and key signed by `untrustedCa`: the servers refuse them. */
  untrustedCert: string;
  untrustedKey: string;
}

/** Paths of the certificates made by scripts/gen-certs.sh. */
export function tlsFiles(): TlsFiles {
  const dir = join(clusterTmpDir(), 'tls');
  return {
    ca: join(dir, 'ca.crt'),
    cert: join(dir, 'client.crt'),
    key: join(dir, 'client.key'),
    untrustedCa: join(dir, 'untrusted-ca.crt'),
    untrustedCert: join(dir, 'untrusted-client.crt'),
    untrustedKey: join(dir, 'untrusted-client.key'),
  };
}
