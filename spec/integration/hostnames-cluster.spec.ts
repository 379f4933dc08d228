/**
 * The hostnames cluster (scripts/cluster.sh: TLS on 127.0.0.1:7500-7505, every node announcing the host
 * name localhost, host names preferred): CLUSTER SLOTS and MOVED say 'localhost:75xx', and the nodes'
 * certificate names DNS:localhost only, so the client must dial, send as SNI and check the name.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { ClusterError, REDIS_ERR_IO } from '../../lib/errors.js';
import { ClusterAdmin } from '../support/cluster-admin.js';
import { HOSTNAMES, HOSTNAMES_PORTS, HOSTS, tlsFiles } from '../support/clusters.js';
import { endpointClusterSpecs } from '../support/endpoint-cluster-specs.js';

describe('integration: the hostnames cluster (TLS, localhost:7500-7505, host names as endpoints)', function () {
  this.timeout(30_000);
  const ca = readFileSync(tlsFiles().ca);

  endpointClusterSpecs(() => ({
    options: { nodes: HOSTNAMES[0]!, tls: { ca } },
    blockingSeed: HOSTNAMES[1]!,
    asyncHost: 'localhost',
    blockingHost: 'localhost',
    moved: (slot, port) => `MOVED ${slot} localhost:${port}`,
    admin: new ClusterAdmin(HOSTS.hostnames, HOSTNAMES_PORTS, { ca }),
    ports: HOSTNAMES_PORTS,
  }));

  it('checks the certificate against the name dialled: the address 127.0.0.1 is not in it, both faces', async () => {
    const failure = [
      REDIS_ERR_IO,
      "SSL_connect failed: Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the " +
        "cert's list:  (ERR_TLS_CERT_ALTNAME_INVALID)",
    ];
    const options = { nodes: `127.0.0.1:${HOSTNAMES_PORTS[0]}`, tls: { ca } };
    const acc = new AsyncClusterContext(options);
    const cc = new BlockingClusterContext(options);
    try {
      const err = (await acc.connect().catch((e: ClusterError) => e)) as ClusterError;
      expect([err.code, err.message]).to.deep.equal(failure);
      expect(() => cc.connect()).to.throw(ClusterError);
      expect([cc.err, cc.errstr]).to.deep.equal(failure);
    } finally {
      acc.free();
      cc.close();
    }
  });
});
