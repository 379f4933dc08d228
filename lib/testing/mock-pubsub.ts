/**
 * Pub/sub of a mock cluster, as Redis 7 runs it: SUBSCRIBE / PSUBSCRIBE and PUBLISH (broadcast to every
 * node, as the cluster bus does), SSUBSCRIBE and SPUBLISH (on the slot's primary; `sunsubscribe` from the
 * node when the slot moves away or the node stops being its primary), and keyspace notifications of the
 * node a write ran on once `CONFIG SET notify-keyspace-events` set them there. A RESP2 link with a
 * subscription takes only the subscribe family, PING, QUIT and RESET; RESP3 sends messages as pushes.
 */
import { Buffer } from 'node:buffer';
import { keySlot } from '../cluster/keyslot.js';
import type { ClusterState, Member } from './cluster-state.js';
import type { MockReply } from './mock-reply.js';
import { routeCommand } from './slot-routing.js';

/** The pub/sub side of one mock link. */
export interface LinkPubsub {
  readonly node: Member;
  readonly channels: Set<string>;
  readonly patterns: Set<string>;
  readonly sharded: Set<string>;
  /** Sends bytes on the link, after any reply before them. */
  deliver(bytes: Buffer): void;
  resp(): 2 | 3;
}

/** Commands a RESP2 link in subscribed state still takes. */
const SUBSCRIBED_OK = new Set([
  'SUBSCRIBE',
  'PSUBSCRIBE',
  'SSUBSCRIBE',
  'UNSUBSCRIBE',
  'PUNSUBSCRIBE',
  'SUNSUBSCRIBE',
  'PING',
  'QUIT',
  'RESET',
]);

const KIND: Readonly<Record<string, 'channel' | 'pattern' | 'sharded'>> = {
  SUBSCRIBE: 'channel',
  UNSUBSCRIBE: 'channel',
  PSUBSCRIBE: 'pattern',
  PUNSUBSCRIBE: 'pattern',
  SSUBSCRIBE: 'sharded',
  SUNSUBSCRIBE: 'sharded',
};

function bulk(text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

/** One pub/sub frame: a push in RESP3, an array in RESP2; numbers as integers. */
function frame(resp: 2 | 3, items: (string | number | null)[]): Buffer {
  let out = `${resp === 3 ? '>' : '*'}${items.length}\r\n`;
  for (const item of items) {
    if (item === null) out += resp === 3 ? '_\r\n' : '$-1\r\n';
    else out += typeof item === 'number' ? `:${item}\r\n` : bulk(item);
  }
  return Buffer.from(out, 'utf8');
}

/** Redis' glob match (the subset pub/sub patterns use: * ? [...] and \ escapes). */
function globMatch(pattern: string, text: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, close);
        if (body.startsWith('^')) body = `^${body.slice(1).replace(/[\\\]]/g, '\\$&')}`;
        else body = body.replace(/[\\\]^]/g, '\\$&');
        re += `[${body}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < pattern.length)
      re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(text);
}

export class PubsubBoard {
  private readonly links = new Set<LinkPubsub>();
  /** Nodes with keyspace notifications on (their notify-keyspace-events flags). */
  private readonly notifying = new Map<Member, string>();

  constructor(private readonly state: ClusterState) {}

  /** The link closed. */
  forget(link: LinkPubsub): void {
    this.links.delete(link);
  }

  /** An error reply when `name` may not run on `link` now (RESP2 subscribed state), else null. */
  refusal(link: LinkPubsub, name: string): MockReply {
    if (link.resp() === 3 || SUBSCRIBED_OK.has(name) || !this.subscribed(link)) return null;
    return {
      error: `ERR Can't execute '${name.toLowerCase()}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    };
  }

  /** PING on a RESP2 subscribed link answers in the subscribed shape. */
  ping(link: LinkPubsub, argv: readonly Buffer[]): MockReply | undefined {
    if (link.resp() === 3 || !this.subscribed(link)) return undefined;
    return { raw: frame(2, ['pong', argv[1]?.toString('utf8') ?? '']) };
  }

  /** The subscribe family on `link`: one confirmation per name, as raw frames. */
  command(
    link: LinkPubsub,
    name: string,
    args: readonly Buffer[],
    asking: boolean,
    readonly: boolean,
  ): MockReply {
    const names = args.map((arg) => arg.toString('utf8'));
    const kind = KIND[name]!;
    const set = kind === 'pattern' ? link.patterns : kind === 'sharded' ? link.sharded : link.channels;
    const subscribe = !name.includes('UNSUB');
    const reply = name.toLowerCase();
    if (subscribe && names.length === 0)
      return { error: `ERR wrong number of arguments for '${reply}' command` };
    if (set === link.sharded && names.length > 0) {
      const refused = routeCommand(
        this.state,
        link.node,
        { keys: args, write: false, migrate: false },
        { asking, readonly },
      );
      if (refused !== null) return refused;
    }
    const targets = names.length > 0 || subscribe ? names : [...set];
    if (targets.length === 0) return { raw: frame(link.resp(), [reply, null, this.count(link, set)]) };
    const parts: Buffer[] = [];
    for (const target of targets) {
      if (subscribe) set.add(target);
      else set.delete(target);
      parts.push(frame(link.resp(), [reply, target, this.count(link, set)]));
    }
    if (this.subscribed(link)) this.links.add(link);
    else this.links.delete(link);
    return { raw: Buffer.concat(parts) };
  }

  /** PUBLISH: every node's subscribers hear it; the reply counts those of `node`. */
  publish(node: Member, channel: string, message: string): number {
    let here = 0;
    for (const link of this.links) {
      let heard = 0;
      if (link.channels.has(channel)) {
        link.deliver(frame(link.resp(), ['message', channel, message]));
        heard++;
      }
      for (const pattern of link.patterns) {
        if (!globMatch(pattern, channel)) continue;
        link.deliver(frame(link.resp(), ['pmessage', pattern, channel, message]));
        heard++;
      }
      if (link.node === node) here += heard;
    }
    return here;
  }

  /** SPUBLISH (routing checked by the caller): subscribers on `node` hear it. */
  spublish(node: Member, channel: string, message: string): number {
    let count = 0;
    for (const link of this.links) {
      if (link.node !== node || !link.sharded.has(channel)) continue;
      link.deliver(frame(link.resp(), ['smessage', channel, message]));
      count++;
    }
    return count;
  }

  /** After slots changed owner: sharded channels on a node that no longer owns their slot are dropped, as Redis does. */
  slotsMoved(): void {
    for (const link of [...this.links]) {
      for (const channel of [...link.sharded]) {
        if (this.state.owner(keySlot(channel)) === link.node) continue;
        link.sharded.delete(channel);
        link.deliver(frame(link.resp(), ['sunsubscribe', channel, this.count(link, link.sharded)]));
      }
      if (!this.subscribed(link)) this.links.delete(link);
    }
  }

  /** CONFIG SET / GET notify-keyspace-events on `node`. */
  config(node: Member, argv: readonly Buffer[]): MockReply {
    const sub = argv[1]?.toString('utf8').toUpperCase();
    const param = argv[2]?.toString('utf8').toLowerCase();
    if (param !== 'notify-keyspace-events' || (sub !== 'SET' && sub !== 'GET'))
      return { error: 'ERR MockCluster supports only CONFIG SET|GET notify-keyspace-events' };
    if (sub === 'GET') return ['notify-keyspace-events', this.notifying.get(node) ?? ''];
    const flags = argv[3]?.toString('utf8') ?? '';
    if (flags === '') this.notifying.delete(node);
    else this.notifying.set(node, flags);
    return { status: 'OK' };
  }

  /** A write command `event` ran on `node` for `keys`: its keyspace and keyevent notifications. */
  notify(node: Member, event: string, keys: readonly Buffer[]): void {
    const flags = this.notifying.get(node);
    if (flags === undefined) return;
    for (const key of keys) {
      const name = key.toString('utf8');
      if (flags.includes('K')) this.publishOn(node, `__keyspace@0__:${name}`, event);
      if (flags.includes('E')) this.publishOn(node, `__keyevent@0__:${event}`, name);
    }
  }

  /** A message only `node`'s own subscribers hear (keyspace notifications are node-local). */
  private publishOn(node: Member, channel: string, message: string): void {
    for (const link of this.links) {
      if (link.node !== node) continue;
      if (link.channels.has(channel)) link.deliver(frame(link.resp(), ['message', channel, message]));
      for (const pattern of link.patterns) {
        if (globMatch(pattern, channel))
          link.deliver(frame(link.resp(), ['pmessage', pattern, channel, message]));
      }
    }
  }

  private subscribed(link: LinkPubsub): boolean {
    return link.channels.size + link.patterns.size + link.sharded.size > 0;
  }

  private count(link: LinkPubsub, set: Set<string>): number {
    return set === link.sharded ? set.size : link.channels.size + link.patterns.size;
  }
}
