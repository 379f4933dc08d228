/**
 * The harness of AsyncClusterContext specs on scripted nodes: per spec a fresh conversation, a Node
 * adapter whose clock the spec can move forward (to open the 1 s update throttle at will) and which
 * records the timers the engine asks for, counted outcomes, and every context freed afterwards.
 */

import type { TimerHandle } from '../../adapters/adapter.js';
import { NodeAdapter } from '../../adapters/node.js';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import type { ClusterOptions } from '../../lib/options.js';
import { Outcomes } from './async-helpers.js';
import { slots } from './resp-values.js';
import {
  Conversation,
  type ConversationOptions,
  type RespValue,
  type ScriptedNode,
  type Step,
} from './scripted-node.js';

/** Node's adapter with a clock a spec moves forward and a record of the timers asked for. */
export class TestAdapter extends NodeAdapter {
  skew = 0;
  readonly timers: number[] = [];

  override now(): number {
    return super.now() + this.skew;
  }

  override setTimer(ms: number, fn: () => void): TimerHandle {
    this.timers.push(ms);
    return super.setTimer(ms, fn);
  }
}

/** The first key 'k<n>' whose slot is in [lo, hi]. */
export function keyIn(lo: number, hi: number): string {
  for (let i = 0; ; i++) {
    const slot = keySlot(`k${i}`);
    if (slot >= lo && slot <= hi) return `k${i}`;
  }
}

export interface ScriptedAsync {
  /** Fresh for each spec (set in beforeEach). */
  conv: Conversation;
  adapter: TestAdapter;
  outcomes: Outcomes;
  /** A context on the test adapter; node choice is deterministic (random 0: the first candidate). */
  client(options: Omit<ClusterOptions, 'adapter'>): AsyncClusterContext;
  /** The non-blocking initial update on a kept link to `seed`, answered with `map`. */
  connected(acc: AsyncClusterContext, seed: ScriptedNode, map: RespValue): Promise<void>;
  /** Nodes A and B, a client seeded with A and connected to the map A 0-8191, B 8192-16383. */
  halves(): Promise<{ a: ScriptedNode; b: ScriptedNode; acc: AsyncClusterContext }>;
  /** A script step that moves the client's clock past the 1 s update throttle. */
  throttleOpens(): Step;
  /** The outcomes so far as [privdata, reply, err, errstr]. */
  results(): unknown[][];
}

/**
 * Registers the harness's beforeEach / afterEach in the current `describe`; `onEach` receives the harness
 * once its fresh conversation, adapter and outcomes are set (the spec's `conv`, `adapter`, `outcomes`).
 */
export function scriptedAsync(
  options: ConversationOptions = {},
  onEach: (h: ScriptedAsync) => void = () => {},
): ScriptedAsync {
  const contexts: AsyncClusterContext[] = [];
  const h: ScriptedAsync = {
    conv: new Conversation(options),
    adapter: new TestAdapter(),
    outcomes: new Outcomes(),
    client: (clientOptions) => {
      const acc = new AsyncClusterContext({
        adapter: h.adapter,
        random: () => 0,
        connectTimeout: 2000,
        ...clientOptions,
      });
      contexts.push(acc);
      return acc;
    },
    connected: async (acc, seed, map) => {
      h.conv.script(seed.expectConnect(), seed.expectCommand(['CLUSTER', 'SLOTS']), seed.send(map));
      await acc.connect();
      await h.conv.done();
    },
    halves: async () => {
      const a = await h.conv.node();
      const b = await h.conv.node();
      const acc = h.client({ nodes: a.addr });
      await h.connected(acc, a, slots([0, 8191, a], [8192, 16383, b]));
      return { a, b, acc };
    },
    throttleOpens: () =>
      h.conv.call('a second passes on the client clock', () => {
        h.adapter.skew += 1001;
      }),
    results: () => h.outcomes.list.map((o) => [o.privdata, o.reply, o.err, o.errstr]),
  };
  beforeEach(() => {
    h.conv = new Conversation(options);
    h.adapter = new TestAdapter();
    h.outcomes = new Outcomes();
    onEach(h);
  });
  afterEach(async () => {
    await h.conv.close();
    for (const acc of contexts.splice(0)) acc.free();
  });
  return h;
}
