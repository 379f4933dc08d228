/**
 * Changes to a real cluster of scripts/cluster.sh that make its nodes answer MOVED, for integration
 * specs: an empty slot moved with CLUSTER SETSLOT ... NODE, and a manual failover (CLUSTER FAILOVER on a
 * replica). Through bare sockets (RawClient); every change waits until all nodes agree on it, bounded in
 * time, and can be undone by the same call the other way round, so a spec leaves the cluster as it found
 * it and reruns pass.
 */
import type { ConnectionOptions } from 'node:tls';
import { ReplyError } from '../../lib/errors.js';
import { RawClient } from './raw-client.js';

/** One line of CLUSTER NODES. */
export interface NodeView {
  id: string;
  port: number;
  primary: boolean;
  /** The id of its primary; '-' for a primary. */
  primaryId: string;
  /** Inclusive slot ranges. */
  slots: [number, number][];
}

/** Bound on one wait for the nodes to agree. */
const SETTLE_MS = 15_000;
const POLL_MS = 50;

function parseNodes(text: string): NodeView[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, address, flags, primaryId, , , , , ...slotFields] = line.trim().split(' ');
      const hostPort = address!.split('@')[0]!;
      const slots: [number, number][] = [];
      for (const field of slotFields) {
        if (field.startsWith('[')) continue; // an open slot
        const [start, end = start] = field.split('-');
        slots.push([Number(start), Number(end)]);
      }
      return {
        id: id!,
        port: Number(hostPort.slice(hostPort.lastIndexOf(':') + 1)),
        primary: flags!.split(',').includes('master'),
        primaryId: primaryId!,
        slots,
      };
    });
}

function serves(node: NodeView, slot: number): boolean {
  return node.slots.some(([start, end]) => start <= slot && slot <= end);
}

export class ClusterAdmin {
  private readonly clients = new Map<number, RawClient>();

  constructor(
    /** The host the specs dial (the name in the certificate for a TLS cluster). */
    private readonly host: string,
    private readonly ports: readonly number[],
    private readonly tls?: ConnectionOptions,
  ) {}

  /** The reply of the node at `port` to a command; an error reply is a ReplyError value. */
  async reply(port: number, argv: string[]): Promise<unknown> {
    let client = this.clients.get(port);
    if (client === undefined) {
      client = await RawClient.connect({ host: this.host, port, tls: this.tls });
      this.clients.set(port, client);
    }
    return client.call(argv);
  }

  /** CLUSTER NODES as the node at `port` sees it. */
  async view(port: number): Promise<NodeView[]> {
    return parseNodes(String(await this.call(port, ['CLUSTER', 'NODES'])));
  }

  /** The primary serving `slot` and its replica, once every node agrees on them. */
  async ownerOf(slot: number): Promise<{ primary: NodeView; replica: NodeView }> {
    let found: { primary: NodeView; replica: NodeView } | undefined;
    await this.untilAgreed(`an owner of slot ${slot}`, (nodes) => {
      const primary = nodes.find((n) => n.primary && serves(n, slot));
      const replica = nodes.find((n) => !n.primary && n.primaryId === primary?.id);
      found = primary && replica ? { primary, replica } : undefined;
      return found === undefined ? '' : `${found.primary.id} ${found.replica.id}`;
    });
    return found!;
  }

  /**
   * Moves the empty `slot` from primary `from` to primary `to`: IMPORTING then NODE on `to` (which gives
   * `to` a new config epoch, so its claim wins everywhere), then NODE on `from`; waits until every node
   * says `to` serves it. Keys left in the slot by an earlier run are deleted first.
   */
  async moveSlot(slot: number, from: NodeView, to: NodeView): Promise<void> {
    const keys = (await this.call(from.port, ['CLUSTER', 'GETKEYSINSLOT', String(slot), '100'])) as string[];
    if (keys.length > 0) await this.call(from.port, ['DEL', ...keys]);
    await this.call(to.port, ['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', from.id]);
    await this.call(to.port, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id]);
    await this.call(from.port, ['CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id]);
    await this.untilAgreed(`slot ${slot} served by ${to.port}`, (nodes) =>
      String(nodes.find((n) => n.primary && serves(n, slot))?.id === to.id),
    );
  }

  /**
   * CLUSTER FAILOVER on `replica` once its link to its primary is up; waits until every node sees it as
   * a primary and its old primary as its replica, and that replica's link is up again.
   */
  async failover(replica: NodeView, primary: NodeView): Promise<void> {
    await this.untilLinkUp(replica.port);
    await this.call(replica.port, ['CLUSTER', 'FAILOVER']);
    await this.untilAgreed(`${replica.port} promoted`, (nodes) => {
      const promoted = nodes.find((n) => n.id === replica.id);
      const demoted = nodes.find((n) => n.id === primary.id);
      return String(promoted?.primary === true && demoted?.primaryId === replica.id);
    });
    await this.untilLinkUp(primary.port);
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }

  /** The reply to a command that must succeed; an error reply throws, naming the node. */
  private async call(port: number, argv: string[]): Promise<unknown> {
    const reply = await this.reply(port, argv);
    if (reply instanceof ReplyError) throw new Error(`${argv.join(' ')} on ${port}: ${reply.message}`);
    return reply;
  }

  /** Polls every node until all give the same non-empty, non-'false' answer of `check`. */
  private async untilAgreed(what: string, check: (nodes: NodeView[]) => string): Promise<void> {
    await this.until(what, async () => {
      const answers = new Set<string>();
      for (const port of this.ports) answers.add(check(await this.view(port)));
      const [answer] = answers;
      return answers.size === 1 && answer !== '' && answer !== 'false';
    });
  }

  private async untilLinkUp(port: number): Promise<void> {
    await this.until(`the replication link of ${port}`, async () =>
      String(await this.call(port, ['INFO', 'replication'])).includes('master_link_status:up'),
    );
  }

  private async until(what: string, done: () => Promise<boolean>): Promise<void> {
    const deadline = performance.now() + SETTLE_MS;
    while (!(await done())) {
      if (performance.now() > deadline)
        throw new Error(`timed out after ${SETTLE_MS} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
