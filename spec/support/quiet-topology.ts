/** Topology events nobody listens to, for specs that build the engine by hand. */
import type { TopologyEvents } from '../../lib/engine/topology.js';

export const QUIET_TOPOLOGY: TopologyEvents = {
  slotmapUpdated() {},
  ready() {},
  updateFailed() {},
  nodeAdded() {},
  nodeRemoved() {},
  linkConnected() {},
  linkClosed() {},
  push() {},
};
