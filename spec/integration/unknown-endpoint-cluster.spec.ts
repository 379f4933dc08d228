/**
 * The unknown-endpoint cluster (scripts/cluster.sh: 127.0.0.1:7600-7605 with
 * `cluster-preferred-endpoint-type unknown-endpoint`): CLUSTER SLOTS names no node (NIL) and MOVED says
 * ':76xx', both meaning "the host you asked, with this port". The async context is seeded by the name
 * localhost and the blocking one by 127.0.0.1, so each face's map names the nodes by its own seed's host.
 */
import { ClusterAdmin } from '../support/cluster-admin.js';
import { HOSTS, UNKNOWN_ENDPOINT, UNKNOWN_ENDPOINT_PORTS } from '../support/clusters.js';
import { endpointClusterSpecs } from '../support/endpoint-cluster-specs.js';

describe('integration: the unknown-endpoint cluster (127.0.0.1:7600-7605, no endpoint announced)', function () {
  this.timeout(30_000);

  endpointClusterSpecs(() => ({
    options: { nodes: `localhost:${UNKNOWN_ENDPOINT_PORTS[0]}` },
    blockingSeed: UNKNOWN_ENDPOINT[1]!,
    asyncHost: 'localhost',
    blockingHost: '127.0.0.1',
    moved: (slot, port) => `MOVED ${slot} :${port}`,
    admin: new ClusterAdmin(HOSTS['unknown-endpoint'], UNKNOWN_ENDPOINT_PORTS),
    ports: UNKNOWN_ENDPOINT_PORTS,
  }));
});
