/**
 * One randomized fault run: for a seed, a simulated cluster (spec/support/sim-cluster.ts) with the
 * faults, slot migrations and node outages the seed draws, a stream of GET / SET / MGET commands from
 * one face's engine, and the checks of the engine's promises:
 *
 * - every command gets exactly one outcome (a reply, a failure, or a refusal when it is submitted);
 * - each reply is the one its command asked for (every key's value names the key);
 * - a failure is one of the failures these faults may cause, with hiredis' exact words; in a benign
 *   run (a quarter of the seeds: only migrations, delays, cut replies and a first map with a hole) no GET
 *   or SET may fail (an MGET may run out of retries on TRYAGAIN while its keys are half migrated, as in
 *   hiredis), but for the async face's refusals of a slot the first map left unserved (hiredis' async API
 *   refuses them until its throttled update; the sync API updates at once and must not fail them);
 * - at the end the engine holds nothing: no pending command, no link with a pending reply, no update
 *   under way, no timer left armed (the loop runs dry), and closing the links leaves no connection.
 *
 * A ride-through run adds issue #17's options (drawn: `failoverWait` longer than any outage, `readFrom`, now
 * and then `retryWrites`) on a cluster with a replica per primary, and nodes go down more often. Then no read
 * may fail for a node that failed, closed, went down or left, a slot without an owner or CLUSTERDOWN: an owner
 * is back before the wait ends. Only a command timeout or retries run out fail one (neither is held). A write
 * fails for those only when it was written, and then says it may have been applied (with `retryWrites`, never).
 *
 * Even seeds drive the async face's engine (an Engine with the async policy, as AsyncClusterContext builds
 * it), odd seeds the blocking face's worker: the real WorkerHost over an in-memory channel, answering
 * batches in the channel's byte layout as the thread does. Everything runs on a virtual clock: a seed is
 * the same run on every machine.
 */
import { TimerWheel } from '../../adapters/timer-wheel.js';
import { OP_CONNECT, READ_ONLY, ROUTED, readResults } from '../../lib/blocking/batch.js';
import { STATUS_OK } from '../../lib/blocking/channel-layout.js';
import { keySlot } from '../../lib/cluster/keyslot.js';
import { routeOf } from '../../lib/cluster/route.js';
import { Engine } from '../../lib/engine/engine.js';
import { AsyncPolicy } from '../../lib/engine/policy.js';
import { type ClusterError, MAY_HAVE_BEEN_APPLIED, otherError } from '../../lib/errors.js';
import { resolveOptions } from '../../lib/options.js';
import type { ReadFrom } from '../../lib/read-options.js';
import { buildReply, plainReplies } from '../../lib/resp/build.js';
import { MemoryChannel } from './memory-channel.js';
import { Prng } from './prng.js';
import { RecordingHost } from './recording-host.js';
import { type FaultRates, keyValue, SimCluster } from './sim-cluster.js';
import { SimNetwork } from './sim-network.js';

/** What a run found: nothing when `problems` is empty. */
export interface FaultRunReport {
  seed: number;
  face: 'async' | 'sync';
  /** The drawn settings, one line. */
  settings: string;
  problems: string[];
  /** What happened, in virtual time (only when asked for). */
  trace: string[];
}

/** Failures the injected faults can cause, as `code message`; anything else is a problem. */
const EXPECTED_FAILURES = new Set([
  '6 Timeout',
  '1 Connection reset by peer',
  '1 Connection refused',
  '3 Server closed the connection',
  '100 too many cluster retries',
  '2 slot not served by any node',
  '2 slotmap not available',
]);
/** The async engine only: a command pending on a node that left the slot map (hiredis' async API). */
const ASYNC_FAILURES = new Set(['0 node left the cluster']);
/** The sync engine only: hiredis' sync API words a connect timeout as an I/O error. */
const SYNC_FAILURES = new Set(['1 Connection timed out']);

/** Failures no failover wait holds: a command timeout, retries run out (TRYAGAIN, MOVED back and forth). */
const NOT_HELD = new Set(['6 Timeout', '100 too many cluster retries']);
const READ_FROM: ReadFrom[] = ['primary', 'preferReplica', 'replica', 'nearest', { az: 'z1' }];

/** Virtual time a run may take before it counts as stuck. */
const LIMIT_MS = 600_000;
const NODES = 3;
const PLAIN_KEYS = Array.from({ length: 12 }, (_, i) => `k${i}`);
/** Keys that share a slot, three by three, for MGETs the sync face can send whole. */
const GROUPS = Array.from({ length: 3 }, (_, g) => [`{g${g}}a`, `{g${g}}b`, `{g${g}}c`]);
const KEYS = [...PLAIN_KEYS, ...GROUPS.flat()];

interface Planned {
  id: number;
  argv: string[];
  expected: unknown;
}

/**
 * Runs one seed; `traced` keeps a trace of every command, outcome and cluster event; `rideThrough` makes it a
 * ride-through run (see above).
 */
export async function runFaultSeed(
  seed: number,
  traced = false,
  rideThrough = false,
): Promise<FaultRunReport> {
  const r = new Prng(seed);
  const face = seed % 2 === 0 ? 'async' : 'sync';
  const net = new SimNetwork({
    seed: seed * 7919 + 17,
    latency: [0, r.int(4)],
    split: r.chance(0.05) ? 'bytes' : r.pick(['whole', 'whole', 'random'] as const),
  });
  const loop = net.loop;
  const commandTimeout = r.chance(0.3) ? 0 : r.between(20, 200);
  const benign = r.chance(0.25);
  /** A rate in [0, max), none in a benign run. */
  const rate = (max: number) => (benign ? 0 : r.next() * max);
  const faults: FaultRates = {
    tryAgain: rate(0.08),
    clusterDown: rate(0.04),
    strayMoved: rate(0.04),
    reset: rate(0.03),
    halfClose: rate(0.02),
    stall: commandTimeout > 0 ? rate(0.03) : 0,
    slow: commandTimeout > 0 ? rate(0.1) : r.next() * 0.1,
    slowMs: commandTimeout > 0 ? commandTimeout * 2 : 100,
    slotsError: rate(0.05),
    firstMapHole: r.chance(0.3),
  };
  const cluster = new SimCluster(net, r, NODES, faults, rideThrough);
  const backoff = r.chance(0.3) ? r.between(1, 10) : 0;
  const engineRandom = new Prng(seed * 31 + 5);
  const ride = rideThrough
    ? { failoverWait: r.between(1000, 3000), readFrom: r.pick(READ_FROM), retryWrites: r.chance(0.25) }
    : {};
  const options = resolveOptions({
    nodes: cluster.nodes.slice(0, r.between(1, NODES)).map((n) => n.addr),
    connectTimeout: r.between(30, 300),
    commandTimeout,
    maxRetry: benign ? r.between(5, 6) : r.between(1, 6),
    useClusterNodes: r.chance(0.2),
    random: () => engineRandom.next(),
    ...(backoff > 0 ? { retryBackoff: { baseMs: backoff, maxMs: backoff + r.int(30) } } : {}),
    ...ride,
  });
  const wheel = r.chance(0.5) ? new TimerWheel(loop, { tickMs: r.pick([1, 1, 2, 5]) }) : null;
  const adapter = wheel ?? loop;
  const report: FaultRunReport = {
    seed,
    face,
    settings:
      `${benign ? 'benign ' : ''}${face} engine on ${wheel ? `a ${wheel.tickMs} ms timer wheel` : 'the manual loop'}, ` +
      `commandTimeout ${commandTimeout}, connectTimeout ${options.connectTimeout}, maxRetry ${options.maxRetry}, ` +
      `backoff ${backoff}, ${options.useClusterNodes ? 'CLUSTER NODES' : 'CLUSTER SLOTS'}, ` +
      (rideThrough
        ? `failoverWait ${options.failoverWait}, readFrom ${JSON.stringify(ride.readFrom)}, retryWrites ${options.retryWrites}, `
        : '') +
      `faults ${Object.entries(faults)
        .map(([k, v]) => `${k} ${typeof v === 'number' ? Number(v.toFixed(3)) : v}`)
        .join(' ')}`,
    problems: [],
    trace: [],
  };
  const trace = (line: string) => {
    if (traced) report.trace.push(`@${loop.now()} ${line}`);
  };
  const problem = (line: string) => {
    report.problems.push(`@${loop.now()} ${line}`);
    trace(`PROBLEM ${line}`);
  };

  // The cluster's own life: slot migrations and a node outage at drawn times.
  for (let m = r.int(3); m > 0; m--) {
    const key = r.pick(KEYS);
    const slot = keySlot(key);
    const to = r.int(NODES);
    let at = r.int(250);
    loop.setTimer(at, () => {
      trace(`migration of slot ${slot} to node ${to} starts`);
      cluster.startMigration(slot, to);
    });
    for (const moving of KEYS.filter((k) => keySlot(k) === slot)) {
      at += r.int(40);
      loop.setTimer(at, () => cluster.moveKey(slot, moving));
    }
    loop.setTimer(at + r.int(40), () => {
      trace(`migration of slot ${slot} done`);
      cluster.finishMigration(slot);
    });
  }
  if (!benign && r.chance(0.1)) {
    const index = r.int(NODES);
    const at = r.int(250);
    loop.setTimer(at, () => {
      const to = cluster.failover(index);
      trace(`node ${index} fails over to node ${to}`);
      if (r.chance(0.5)) cluster.nodes[index]!.latency = [10, 60];
    });
  }
  if (!benign && r.chance(rideThrough ? 0.6 : 0.1)) {
    const index = r.int(rideThrough ? cluster.nodes.length : NODES);
    const hang = r.chance(0.5);
    const at = r.int(250);
    loop.setTimer(at, () => {
      trace(`node ${index} goes down (${hang ? 'connects hang' : 'refuses'})`);
      cluster.down(index, hang);
    });
    loop.setTimer(at + r.between(20, 200), () => {
      trace(`node ${index} is back`);
      cluster.up(index);
    });
  }

  // The commands and their outcomes.
  const plan: Planned[] = [];
  for (let id = 0, count = r.between(10, 30); id < count; id++) {
    const kind = r.next();
    if (kind < 0.45) {
      const key = r.pick(KEYS);
      plan.push({ id, argv: ['GET', key], expected: keyValue(key) });
    } else if (kind < 0.75) {
      const key = r.pick(KEYS);
      plan.push({ id, argv: ['SET', key, keyValue(key)], expected: 'OK' });
    } else {
      // The async engine splits MGETs across slots; the worker gets them split already.
      const keys =
        face === 'async'
          ? Array.from({ length: r.between(2, 4) }, () => r.pick(KEYS))
          : r.pick(GROUPS).slice(0, r.between(2, 3));
      plan.push({ id, argv: ['MGET', ...keys], expected: keys.map(keyValue) });
    }
  }
  const outcomes = new Uint8Array(plan.length);
  let settledCount = 0;
  const record = (id: number, reply: unknown, err: ClusterError | null, how: string) => {
    const cmd = plan[id]!;
    const what = `#${id} ${cmd.argv.join(' ')}`;
    if (++outcomes[id]! > 1) problem(`${what}: outcome number ${outcomes[id]} (${how})`);
    else settledCount++;
    if (err !== null) {
      const failure = `${err.code} ${err.message}`;
      trace(`${what} -> ${how} ${failure}`);
      const known = (f: string) =>
        EXPECTED_FAILURES.has(f) || (face === 'async' ? ASYNC_FAILURES : SYNC_FAILURES).has(f);
      // A write whose node left the map while it was pending: either face, with failoverWait (which does
      // not resend a written write where the sync API would).
      const wasWritten = (f: string) => known(f) || f === '0 node left the cluster';
      const expected = benign
        ? (cmd.argv[0] === 'MGET' && failure === '100 too many cluster retries') ||
          (face === 'async' && faults.firstMapHole && failure === '2 slot not served by any node')
        : rideThrough
          ? NOT_HELD.has(failure) ||
            // No slot map at all: there is no owner to wait for.
            failure === '2 slotmap not available' ||
            // A write written before its link failed: it may have run, so it is not sent again.
            (cmd.argv[0] === 'SET' &&
              !options.retryWrites &&
              failure.endsWith(` ${MAY_HAVE_BEEN_APPLIED}`) &&
              wasWritten(failure.slice(0, -MAY_HAVE_BEEN_APPLIED.length - 1)))
          : known(failure);
      if (!expected) {
        const run = benign ? ' in a benign run' : rideThrough ? ' in a ride-through run' : '';
        problem(`${what}: unexpected failure ${failure}${run}`);
      }
      return;
    }
    trace(`${what} -> ${JSON.stringify(reply)}`);
    if (JSON.stringify(reply) !== JSON.stringify(cmd.expected)) {
      problem(`${what}: got ${describe(reply)}, expected ${JSON.stringify(cmd.expected)}`);
    }
  };

  const quiet = { event() {}, push() {} };
  const channel = new MemoryChannel();
  const engine =
    face === 'async'
      ? new Engine(options, adapter, new AsyncPolicy(), quiet, {
          complete: (cmd, reply, err) => record(cmd.privdata as number, reply, err, 'callback'),
        })
      : null;
  const host = face === 'sync' ? new RecordingHost(channel, adapter, options) : null;
  const hostRun = host?.run();
  const live = (engine ?? host!.engine)!;

  const turn = () => new Promise((resolve) => setImmediate(resolve));

  /**
   * Runs the loop until `done()` or the virtual time limit. The sync face's promise callbacks (the
   * blocking updates, the worker host, the caller) run between steps, so the loop is only called dry
   * once the caller has nothing left to do either.
   */
  const drive = async (done: () => boolean): Promise<boolean> => {
    const end = loop.now() + LIMIT_MS;
    for (;;) {
      loop.run();
      // The sync face's caller and the worker host run on promises between the loop's steps.
      if (face === 'sync') await turn();
      if (done()) return true;
      if (loop.queued > 0) continue;
      const next = loop.nextTimerAt;
      if (next === undefined || next > end) return done();
      loop.advance(next - loop.now());
    }
  };

  let finished: boolean;
  if (face === 'async') {
    // As a user awaits connect(), and tries again when it fails.
    for (let attempt = 0; attempt < 3 && live.version === 0; attempt++) {
      live.update();
      await drive(() => !live.isUpdating);
    }
    let at = 0;
    for (const cmd of plan) {
      at += r.int(20);
      loop.setTimer(at, () => {
        trace(`#${cmd.id} ${cmd.argv.join(' ')} submitted`);
        const refused = live.submit(cmd.argv, null, routeOf(cmd.argv), null, cmd.id);
        if (refused !== null) record(cmd.id, null, refused, 'refused');
      });
    }
    finished = await drive(() => settledCount === plan.length);
  } else {
    /** As the blocking context sends a batch: its commands in the channel's layout, one answer for all. */
    const serveBatch = async (batch: Planned[]) => {
      for (const cmd of batch) trace(`#${cmd.id} ${cmd.argv.join(' ')} submitted`);
      host!.expect(batch.length);
      // Read-only commands flagged as the blocking context flags them (readFrom may send them to replicas).
      const kind = (argv: string[]) => (routeOf(argv).readOnly ? ROUTED | READ_ONLY : ROUTED);
      const answer = await channel.callBatch(
        batch.map((cmd) => [kind(cmd.argv), keySlot(cmd.argv[1]!), cmd.argv]),
      );
      if (answer.status !== STATUS_OK) problem(`a batch was answered with status ${answer.status}`);
      host!.counts.forEach((n, i) => {
        if (n !== 1) problem(`#${batch[i]!.id}: ${n} outcomes from the worker`);
      });
      readResults(
        answer.area,
        batch.length,
        (area, start, end, i) =>
          record(batch[i]!.id, buildReply(area, start, end, plainReplies), null, 'reply'),
        (err, i) => record(batch[i]!.id, null, err, 'failure'),
      );
    };
    let callerDone = false;
    const caller = async () => {
      for (let attempt = 0; attempt < 3 && live.version === 0; attempt++) await channel.call(OP_CONNECT);
      for (let next = 0; next < plan.length; ) {
        const batch = plan.slice(next, next + r.between(1, 3));
        next += batch.length;
        await serveBatch(batch);
        const think = r.int(20);
        if (think > 0) await new Promise((resolve) => loop.setTimer(think, () => resolve(undefined)));
      }
      callerDone = true;
    };
    caller().catch((err: Error) => {
      problem(`the caller threw: ${err.stack}`);
      callerDone = true;
    });
    finished = await drive(() => callerDone);
  }
  if (!finished) {
    const missing = plan.filter((cmd) => outcomes[cmd.id] === 0).map((cmd) => `#${cmd.id}`);
    problem(`stuck after ${LIMIT_MS} ms: no outcome for ${missing.join(' ') || 'none'}; ${pendingState()}`);
    return report;
  }

  // Nothing may be left: the loop must run dry, and the engine must hold nothing — but readFrom 'nearest',
  // which times each link every second while the engine is open (its one timer stops with it).
  const probes = options.readFrom.mode === 'nearest' ? 1 : 0;
  const dry = await drive(
    () => loop.queued === 0 && loop.timers <= probes && (wheel === null || wheel.activeTimers <= probes),
  );
  if (!dry) problem(`the loop never ran dry: ${loop.timers} timers, next at ${loop.nextTimerAt}`);
  const left = pendingState();
  if (left !== '') problem(`pending state at the end: ${left}`);

  // Closing leaves no connection and no new outcome.
  if (engine !== null) engine.close(r.chance(0.5), otherError('context freed'));
  else channel.closeFromCaller();
  if (!(await drive(() => loop.queued === 0 && loop.timers === 0))) {
    problem(`the loop never ran dry after closing: ${loop.timers} timers, next at ${loop.nextTimerAt}`);
  }
  await hostRun;
  if (host !== null && !channel.closed) problem('the worker host did not close its channel');
  if (loop.connections !== 0) problem(`${loop.connections} connections still open after closing every link`);
  return report;

  function pendingState(): string {
    const left: string[] = [];
    if (live.pending !== 0) left.push(`${live.pending} commands pending`);
    if (live.repliesDue > 0) left.push(`${live.repliesDue} replies due on the links`);
    if (live.isUpdating) left.push('an update under way');
    if (wheel !== null && wheel.activeTimers > probes) left.push(`${wheel.activeTimers} wheel timers active`);
    return left.join(', ');
  }
}

function describe(reply: unknown): string {
  return reply instanceof Error ? `${reply.constructor.name}(${reply.message})` : JSON.stringify(reply);
}
