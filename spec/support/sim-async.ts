/**
 * The harness of AsyncClusterContext specs on the simulated network (spec/support/sim-network.ts), for
 * the faults where timing matters: per spec a fresh network whose nodes are 127.0.0.1:7000, 7001, ...,
 * counted outcomes, and every context freed afterwards. The clock is virtual, so every deadline is
 * checked to the millisecond and nothing waits in real time. Specs run on each of ADAPTERS: the
 * ManualLoop (one deadline timer per link) and a TimerWheel over it (one wheel timer per command).
 */
import { expect } from 'chai';
import type { EventLoopAdapter } from '../../adapters/adapter.js';
import { TimerWheel } from '../../adapters/timer-wheel.js';
import { AsyncClusterContext } from '../../lib/async-context.js';
import type { ClusterOptions } from '../../lib/options.js';
import { Outcomes, settled, watch } from './async-helpers.js';
import { type RespValue, slots } from './resp-values.js';
import { type Handler, SimNetwork, type SimNetworkOptions, type SimNode } from './sim-network.js';

export const ADAPTERS: [string, (net: SimNetwork) => EventLoopAdapter][] = [
  ['ManualLoop: one deadline timer per link', (net) => net.loop],
  ['TimerWheel over the ManualLoop: one wheel timer per command', (net) => new TimerWheel(net.loop)],
];

export { settled, watch };

export type Options = Omit<ClusterOptions, 'nodes' | 'adapter'>;

export interface SimulatedAsync {
  /** A fresh network (handed to `onNetwork`); `node(handler)` adds nodes at 127.0.0.1:7000, 7001, ... */
  network(options?: SimNetworkOptions): (handler: Handler) => SimNode;
  /** A context on the current network, seeded with `seed` (random 0: the first candidate). */
  client(seed: SimNode, options?: Options): AsyncClusterContext;
  /** connect(), with the virtual time it takes. */
  connected(acc: AsyncClusterContext): Promise<void>;
  /** A handler: CLUSTER SLOTS from `map()`, the rest from `rest` (undefined: no reply). */
  serving(map: () => RespValue, rest?: Handler): Handler;
  /** One node serving every slot (`rest` answers the other commands), and a client connected to it. */
  oneNode(
    options?: Options,
    rest?: Handler,
    net?: SimNetworkOptions,
  ): Promise<{ a: SimNode; acc: AsyncClusterContext }>;
  /** Outcomes as [privdata, reply, err, errstr]. */
  results(): unknown[][];
}

/**
 * Registers the harness's afterEach in the current `describe`; `onNetwork` receives each new network and
 * its outcomes (the spec's `net` and `outcomes`).
 */
export function simulatedAsync(
  adapterOf: (net: SimNetwork) => EventLoopAdapter,
  onNetwork: (net: SimNetwork, outcomes: Outcomes) => void,
): SimulatedAsync {
  let net: SimNetwork;
  let outcomes: Outcomes;
  const contexts: AsyncClusterContext[] = [];

  afterEach(() => {
    for (const acc of contexts.splice(0)) acc.free();
  });

  const h: SimulatedAsync = {
    network(options = {}) {
      net = new SimNetwork({ latency: 1, ...options });
      outcomes = new Outcomes();
      onNetwork(net, outcomes);
      let port = 7000;
      return (handler: Handler) => net.node(`127.0.0.1:${port++}`, handler);
    },
    client(seed, options = {}) {
      const acc = new AsyncClusterContext({
        nodes: seed.addr,
        adapter: adapterOf(net),
        random: () => 0,
        ...options,
      });
      contexts.push(acc);
      return acc;
    },
    async connected(acc) {
      const done = watch(acc.connect());
      net.loop.advance(10);
      await settled();
      expect(done.state).to.equal('resolved');
    },
    serving(map, rest = () => undefined) {
      return (argv, link) => (argv[0] === 'CLUSTER' ? map() : rest(argv, link));
    },
    async oneNode(options = {}, rest?, netOptions = {}) {
      const node = h.network(netOptions);
      const a: SimNode = node(h.serving(() => slots([0, 16383, a]), rest));
      const acc = h.client(a, options);
      await h.connected(acc);
      return { a, acc };
    },
    results() {
      return outcomes.list.map((o) => [o.privdata, o.reply, o.err, o.errstr]);
    },
  };
  return h;
}
