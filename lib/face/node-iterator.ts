/**
 * hiredis-cluster's node iterator: walks the known nodes; when the slot-map version changes during
 * the walk it restarts once on the new nodes (nodes may then be visited twice), and stops after a
 * second change.
 */
import type { ClusterNode } from '../cluster/slotmap.js';

export function* iterateNodes(
  version: () => number,
  nodes: () => readonly ClusterNode[],
): IterableIterator<ClusterNode> {
  let restarts = 1;
  restart: for (;;) {
    const start = version();
    for (const node of nodes()) {
      if (version() !== start) {
        if (restarts-- > 0) continue restart;
        return;
      }
      yield node;
    }
    return;
  }
}
