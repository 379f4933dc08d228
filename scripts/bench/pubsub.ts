/**
 * Pub/sub on the plain cluster, in one run: messages received per second by a subscriber to 10 channels,
 * ours against ioredis' Cluster subscriber. One publisher (a bare socket, pre-encoded PUBLISH commands)
 * writes to the node the subscriber sits on (found with PUBSUB NUMSUB, node-local in a cluster), kept at
 * most WINDOW messages ahead of what the subscriber has received so that the server's pub/sub output
 * buffer limit never drops the subscriber.
 */
import net from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { AsyncClusterContext } from '../../lib/index.js';
import { encodeArgv } from '../../lib/resp/encode.js';
import { median, report } from './report.js';

const SEEDS = ['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'];
const PORTS = [7000, 7001, 7002, 7003, 7004, 7005];
/** One slot (one hash tag): SPUBLISH goes to one shard, where both subscribers sit. */
const CHANNELS = Array.from({ length: 10 }, (_, i) => `bench:ps:{s}:${i}`);
const MESSAGES = 200_000;
const BATCH = 1000;
const WINDOW = 20_000;
const ROUNDS = 3;
const PAYLOAD = 'm'.repeat(16);
/** A round that has not received every message by then is a failure (a loaded machine, a dropped link). */
const ROUND_LIMIT_MS = 30_000;

/** The port of the node where `channel` has a subscriber (PUBSUB NUMSUB answers for its own node only). */
async function subscriberPort(channel: string): Promise<number> {
  for (const port of PORTS) {
    const node = new Redis({ port, lazyConnect: true });
    try {
      await node.connect();
      const [, count] = (await node.pubsub('SHARDNUMSUB', channel)) as [string, number];
      if (Number(count) > 0) return port;
    } finally {
      node.disconnect();
    }
  }
  throw new Error(`bench: no node has a subscriber of ${channel}`);
}

/** Counts one client's messages; paces the publisher and ends the round from the message handler (no polling). */
interface Counter {
  count: number;
  first: number;
  last: number;
  /** Called every BATCH messages and at the end of a round. */
  progress: () => void;
  hit: () => void;
}

function counting(): Counter {
  const counter: Counter = {
    count: 0,
    first: 0,
    last: 0,
    progress: () => {},
    hit: () => {
      const now = performance.now();
      if (counter.count++ === 0) counter.first = now;
      counter.last = now;
      if (counter.count % BATCH === 0) counter.progress();
    },
  };
  return counter;
}

/** Pre-encoded SPUBLISH commands, BATCH per buffer, round robin over the channels. */
const batches: Buffer[] = [];
for (let sent = 0; sent < MESSAGES; sent += BATCH) {
  const parts: Buffer[] = [];
  for (let i = sent; i < sent + BATCH; i++)
    parts.push(encodeArgv(['SPUBLISH', CHANNELS[i % CHANNELS.length]!, PAYLOAD]));
  batches.push(Buffer.concat(parts));
}

/** What a round measured: messages/s received (wall clock), and per CPU second of this process. */
interface Rates {
  wall: number;
  cpu: number;
}

/**
 * One round: the publisher writes to `port`, at most WINDOW messages ahead of the subscriber. Measured:
 * messages/s from the first message received to the last, and messages per CPU second of this process
 * (the subscriber's cost; the publisher's bare socket writes are the same for both clients). On a busy
 * machine the servers bound the first for both clients alike; the second is the client's own.
 */
function round(port: number, counter: Counter): Promise<Rates> {
  counter.count = 0;
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`bench: ${counter.count} of ${MESSAGES} messages in ${ROUND_LIMIT_MS} ms`));
    }, ROUND_LIMIT_MS);
    socket.on('error', reject);
    socket.on('data', () => {});
    let next = 0;
    counter.progress = () => {
      while (next < batches.length && next * BATCH - counter.count < WINDOW) socket.write(batches[next++]!);
      if (counter.count < MESSAGES) return;
      clearTimeout(timer);
      socket.destroy();
      const used = process.cpuUsage(cpu);
      resolve({
        wall: (MESSAGES - 1) / ((counter.last - counter.first) / 1000),
        cpu: MESSAGES / ((used.user + used.system) / 1e6),
      });
    };
    socket.on('connect', counter.progress);
  });
}

export async function benchPubsub(): Promise<void> {
  const acc = new AsyncClusterContext({ nodes: SEEDS.join(',') });
  await acc.connect();
  const ours = counting();
  acc.on('smessage', ours.hit);
  await acc.ssubscribe(...CHANNELS);
  // ioredis subscribes sharded channels on their slot's node only with shardedSubscribers.
  const cluster = new Cluster(
    SEEDS.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })),
    { shardedSubscribers: true },
  );
  const theirs = counting();
  cluster.on('smessage', theirs.hit);
  await cluster.ssubscribe(...CHANNELS);
  // Two subscribers of the same channels: each round publishes where one of them sits and stops the other
  // counting, so that every round measures one client alone (the other's copies are not read meanwhile).
  const oursPort = await subscriberPort(CHANNELS[0]!);
  const ioredisPort = await ioredisSubscriberPort(oursPort);
  const oursRuns: Rates[] = [];
  const theirRuns: Rates[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      oursRuns.push(await alone(() => round(oursPort, ours), cluster, acc, true));
      theirRuns.push(await alone(() => round(ioredisPort, theirs), cluster, acc, false));
    }
  } finally {
    acc.free();
    cluster.disconnect();
  }
  const title = `pub/sub, ${MESSAGES} messages on ${CHANNELS.length} sharded channels, one publisher`;
  const wall = (runs: Rates[]) => median(runs.map((r) => r.wall));
  const cpu = (runs: Rates[]) => median(runs.map((r) => r.cpu));
  // Issue #18 asks 1.5x on received messages per second; the servers bound both clients here (see README).
  report(`${title}, received`, 'msg/s', wall(oursRuns), 'ioredis Cluster', wall(theirRuns), 1.5);
  report(`${title}, per CPU second`, 'msg', cpu(oursRuns), 'ioredis Cluster', cpu(theirRuns), 1.5);
}

/** The node of ioredis' subscriber: the node with two subscribers, or another than ours. */
async function ioredisSubscriberPort(oursPort: number): Promise<number> {
  for (const port of PORTS) {
    const node = new Redis({ port, lazyConnect: true });
    try {
      await node.connect();
      const [, count] = (await node.pubsub('SHARDNUMSUB', CHANNELS[0]!)) as [string, number];
      if (Number(count) === 2 || (Number(count) === 1 && port !== oursPort)) return port;
    } finally {
      node.disconnect();
    }
  }
  throw new Error('bench: ioredis has no subscriber');
}

/** Runs a round with only one client subscribed: the other leaves its channels, then comes back. */
async function alone(
  run: () => Promise<Rates>,
  cluster: Cluster,
  acc: AsyncClusterContext,
  oursRuns: boolean,
): Promise<Rates> {
  if (oursRuns) await cluster.sunsubscribe(...CHANNELS);
  else await acc.sunsubscribe(...CHANNELS);
  try {
    return await run();
  } finally {
    if (oursRuns) await cluster.ssubscribe(...CHANNELS);
    else await acc.ssubscribe(...CHANNELS);
  }
}
