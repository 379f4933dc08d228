/**
 * The async face's whole-cluster requests: a fan-out plan's requests sent at once and their outcomes
 * combined into one, single requests as values, and the cluster asked once per name about a command the
 * table lacks. Shared by send's tip routing, explicit routes, scripts and the cluster SCAN.
 */
import { parseHostPort } from '../cluster/address.js';
import { NOT_BLOCKING } from '../cluster/blocking-commands.js';
import { type FanOutPlan, type FanOutRequest, routePlan } from '../cluster/fan-out-plan.js';
import { CommandLearning } from '../cluster/learned-commands.js';
import type { SlotMap } from '../cluster/slotmap.js';
import type { Engine } from '../engine/engine.js';
import { type ClusterError, slotmapNotAvailable } from '../errors.js';
import type { CommandArg } from '../resp/encode.js';
import { commandChannel, fanOutTrace, settleTrace } from './tracing.js';

export class AsyncFanOut {
  /** Commands learned from the cluster, beside the built-in table. */
  readonly learning = new CommandLearning();
  /** Per command name being learned (or learned): whether the server knew it. */
  private readonly flights = new Map<string, Promise<boolean>>();

  constructor(
    private readonly engine: Engine,
    private readonly random: () => number,
  ) {}

  /** The slot map fan-outs plan on; throws before the first. */
  currentMap(): SlotMap {
    const map = this.engine.slotMap;
    if (map === null) throw slotmapNotAvailable();
    return map;
  }

  /** A plan for one random primary. */
  randomPrimaryPlan(argv: readonly CommandArg[]): FanOutPlan {
    return routePlan('random-primary', argv, this.currentMap(), this.random, false);
  }

  /** Sends `plan`'s requests at once; `deliver` gets the one outcome (a reply, a ReplyError, a ClusterError). */
  send(plan: FanOutPlan, deliver: (outcome: unknown) => void): void {
    const traced = commandChannel.hasSubscribers ? fanOutTrace('async', plan.requests) : null;
    if (traced !== null) {
      commandChannel.start.publish(traced);
      commandChannel.end.publish(traced);
    }
    void Promise.all(plan.requests.map((request) => this.exchange(request))).then((outcomes) => {
      const outcome = plan.finish(outcomes);
      if (traced !== null) settleTrace(traced, outcome);
      deliver(outcome);
      if (traced !== null) commandChannel.asyncEnd.publish(traced);
    });
  }

  /** One request: its reply, its ReplyError, or its failure, as a value. */
  exchange(request: FanOutRequest): Promise<unknown> {
    return new Promise((resolve) => {
      const done = (acc: { failure: ClusterError | null }, reply: unknown) =>
        resolve(reply === null && acc.failure !== null ? acc.failure : reply);
      let refused: ClusterError | null;
      if (request.address === '') {
        const route = { slot: request.slot, plan: null, blockMs: NOT_BLOCKING, readOnly: false };
        refused = this.engine.submit(request.argv, null, route, done, null);
      } else {
        const { host, port } = parseHostPort(request.address);
        refused = this.engine.submitToNode(host, port, request.argv, null, done, null);
      }
      if (refused !== null) resolve(refused);
    });
  }

  /**
   * Whether the server knows the command `argv` names, asked once per name (a second caller waits for the
   * same answer); null when there is nothing to ask (it goes to a random primary, which answers). Throws
   * before the first slot map.
   */
  learned(argv: readonly CommandArg[]): Promise<boolean> | null {
    const name = String(argv[0]).toUpperCase();
    let flight = this.flights.get(name);
    if (flight === undefined) {
      const asked = this.learning.toLearn(argv);
      if (asked === null) return null;
      const request = this.randomPrimaryPlan(this.learning.question(asked)).requests[0]!;
      flight = this.exchange(request).then((reply) => this.learning.learn(asked, reply));
      this.flights.set(name, flight);
    }
    return flight;
  }
}
