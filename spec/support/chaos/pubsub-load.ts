/**
 * Sharded pub/sub under a fault: one context subscribes to 50 sharded channels spread over every shard
 * (some in the slots a reshard moves), another SPUBLISHes a numbered message to each in turn at a steady
 * ~2 000 messages/s while the fault runs. The ledger says, per channel, how long it went without a
 * working subscription (from its first lost message to its last), which messages were lost and when, and whether any came twice or on a channel never subscribed; then every channel must receive again.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../../lib/async-context.js';
import { keySlot } from '../../../lib/cluster/keyslot.js';

import { CHAOS_SEEDS, type ChaosCluster } from './chaos-cluster.js';
import { CHAOS_CLIENT } from './client-settings.js';

/** Channels: 50, the first 10 in slots 0-299 (what the reshard spec moves), the rest anywhere. */
export function chaosChannels(): string[] {
  const channels: string[] = [];
  for (let i = 0; channels.length < 10; i++) {
    const name = `chaos:ps:low:${i}`;
    if (keySlot(name) < 300) channels.push(name);
  }
  for (let i = 0; channels.length < 50; i++) channels.push(`chaos:ps:${i}`);
  return channels;
}

/** Publish rounds: every TICK_MS, PER_TICK messages (round robin over the channels): 2 000/s. */
const TICK_MS = 5;
const PER_TICK = 10;
/** After the fault helper returns, subscriptions have this long to settle (a slot-map update, a reconnect). */
const RECOVERY_MS = 2000;

interface Published {
  channel: string;
  seq: number;
  at: number;
  /** Receivers SPUBLISH reported; -1: it failed (never published). */
  receivers: number;
}

export interface PubsubReport {
  published: number;
  publishFailures: number;
  received: number;
  /** Per channel: ms from its first to its last message published while it had no subscriber (0: none). */
  uncoveredMs: Map<string, number>;
  lost: Published[];
  duplicates: number;
  foreign: number;
  /** The fault window: from the fault's start to RECOVERY_MS after its helper saw it done (epoch ms). */
  faultAt: number;
  windowEnd: number;
}

export interface PubsubScenario {
  cluster: ChaosCluster;
  resp: 2 | 3;
  /** Injects the fault; resolves once the cluster has settled (the helper's own wait). */
  fault(cluster: ChaosCluster): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runPubsubScenario(scenario: PubsubScenario): Promise<PubsubReport> {
  const channels = chaosChannels();
  const wanted = new Set(channels);
  const subscriber = new AsyncClusterContext({ nodes: CHAOS_SEEDS, resp: scenario.resp, ...CHAOS_CLIENT });
  const publisher = new AsyncClusterContext({ nodes: CHAOS_SEEDS, ...CHAOS_CLIENT });
  const seen = new Map<string, Set<number>>(channels.map((c) => [c, new Set()]));
  let duplicates = 0;
  let foreign = 0;
  let received = 0;
  subscriber.on('smessage', (channel, message) => {
    const got = seen.get(channel);
    if (got === undefined || !wanted.has(channel)) {
      foreign++;
      return;
    }
    const seq = Number(message);
    if (got.has(seq)) duplicates++;
    got.add(seq);
    received++;
  });
  const published: Published[] = [];
  const next = new Map(channels.map((c) => [c, 0]));
  let turn = 0;
  let running = true;
  await subscriber.connect();
  await publisher.connect();
  await subscriber.ssubscribe(...channels);
  const publishing = (async () => {
    while (running) {
      const round: Promise<void>[] = [];
      for (let i = 0; i < PER_TICK; i++) {
        const channel = channels[turn++ % channels.length]!;
        const seq = next.get(channel)!;
        next.set(channel, seq + 1);
        const record: Published = { channel, seq, at: Date.now(), receivers: -1 };
        published.push(record);
        round.push(
          publisher.spublish(channel, String(seq)).then(
            (n) => {
              record.receivers = Number(n);
            },
            () => {},
          ),
        );
      }
      await Promise.all([...round, sleep(TICK_MS)]);
    }
  })();
  let faultAt = 0;
  let faultDone = 0;
  try {
    await sleep(2000);
    faultAt = Date.now();
    await scenario.fault(scenario.cluster);
    faultDone = Date.now();
    await sleep(3000);
  } finally {
    running = false;
    await publishing;
  }
  // Every channel receives again: a fresh message on each, published until it arrives (bounded).
  const afterwards = new Set<string>();
  const until = Date.now() + 20_000;
  for (const channel of channels) {
    while (!afterwards.has(channel)) {
      if (Date.now() > until) break;
      const seq = 1_000_000 + published.length;
      published.push({ channel, seq, at: Date.now(), receivers: -1 });
      const n = Number(await publisher.spublish(channel, String(seq)).catch(() => -1));
      published[published.length - 1]!.receivers = n;
      await sleep(20);
      if (seen.get(channel)!.has(seq)) afterwards.add(channel);
    }
  }
  await sleep(500);
  subscriber.free();
  publisher.free();
  expect([...afterwards].length, 'channels receiving after the fault').to.equal(channels.length);

  const lost = published.filter((p) => p.receivers >= 0 && !seen.get(p.channel)!.has(p.seq));
  // A channel was without a working subscription from its first lost message to its last (a subscriber on
  // a replica of the shard still hears SPUBLISH: the receivers count alone cannot tell).
  const uncoveredMs = new Map<string, number>();
  for (const channel of channels) {
    const missed = lost.filter((p) => p.channel === channel);
    uncoveredMs.set(
      channel,
      missed.length === 0 ? 0 : missed[missed.length - 1]!.at - missed[0]!.at + TICK_MS,
    );
  }
  return {
    published: published.filter((p) => p.receivers >= 0).length,
    publishFailures: published.filter((p) => p.receivers < 0).length,
    received,
    uncoveredMs,
    lost,
    duplicates,
    foreign,
    faultAt,
    windowEnd: faultDone + RECOVERY_MS,
  };
}

/** Prints the report and checks what must hold: losses only inside the window, no duplicate, no stranger. */
export function expectPubsubResilient(name: string, report: PubsubReport): void {
  const gaps = [...report.uncoveredMs.values()];
  const worst = Math.max(...gaps);
  const without = gaps.filter((g) => g > 0).length;
  const lines = [
    `    ${name}: ${report.published} published (${report.publishFailures} SPUBLISH failures), ${report.received} received`,
    `    channels that lost messages: ${without}/50, longest gap ${worst} ms, median ${gaps.sort((a, b) => a - b)[25]} ms`,
    `    per channel (ms): ${[...report.uncoveredMs].map(([c, ms]) => `${c.replace('chaos:ps:', '')}=${ms}`).join(' ')}`,
    `    lost: ${report.lost.length} (window: the fault's ${report.windowEnd - report.faultAt - RECOVERY_MS} ms + ${RECOVERY_MS} ms), duplicates: ${report.duplicates}, foreign: ${report.foreign}`,
  ];
  console.log(lines.join('\n'));
  expect(report.duplicates, 'duplicates').to.equal(0);
  expect(report.foreign, 'messages on channels never subscribed').to.equal(0);
  // Pub/sub is at-most-once: a message may be lost only while its channel was moving (plus what was in
  // flight on a link that died with its node).
  const outside = report.lost.filter((p) => p.at < report.faultAt || p.at > report.windowEnd);
  expect(outside, 'messages lost outside the fault window').to.deep.equal([]);
}
