/**
 * The moments both contexts report: hiredis-cluster's event numbers for set-once event callbacks,
 * and the eventemitter3 event map of the same moments plus node and link events.
 */
import type { ClusterNode } from './cluster/slotmap.js';
import type { ClusterError } from './errors.js';

/** hiredis-cluster `HIRCLUSTER_EVENT_SLOTMAP_UPDATED`: after every successful slot-map update. */
export const HIRCLUSTER_EVENT_SLOTMAP_UPDATED = 1;
/** hiredis-cluster `HIRCLUSTER_EVENT_READY`: once, when the first slot map is installed. */
export const HIRCLUSTER_EVENT_READY = 2;
/** hiredis-cluster `HIRCLUSTER_EVENT_FREE_CONTEXT`: when the context is freed. */
export const HIRCLUSTER_EVENT_FREE_CONTEXT = 3;

/** The address of one link to a node, as connect/disconnect callbacks see it (hiredis' `c->tcp`). */
export interface LinkAddress {
  /** The host the link dialled (as the slot map or the seed list names it). */
  host: string;
  /** The port the link dialled. */
  port: number;
  /** Set for a dedicated link (a blocking command's or a WATCH session's), not the node's command link. */
  dedicated?: true;
}

/** The links of one node (`links()` of a context). */
export interface NodeLinks {
  /** 'host:port' of the node. */
  address: string;
  /** Whether its shared command link is open (or opening). */
  command: boolean;
  /** Dedicated links open (at most `maxDedicatedLinks`). */
  dedicated: number;
  /** Of those, the ones a user holds now (a blocking command waiting, a WATCH session). */
  leased: number;
}

/** eventemitter3 events of a context. */
export interface ClusterEvents {
  /** Every successful slot-map update, with the new map version. */
  'slotmap-updated': (version: number) => void;
  /** The first slot map is installed: commands can be routed. */
  ready: () => void;
  /** The context is freed. */
  'free-context': () => void;
  /** A link to a node connected. */
  connect: (link: LinkAddress) => void;
  /** A link to a node failed to connect. */
  'connect-error': (link: LinkAddress, err: ClusterError) => void;
  /** A connected link closed: `err` null when it was asked to (disconnect, node left). */
  disconnect: (link: LinkAddress, err: ClusterError | null) => void;
  /** A node appeared in the slot map. */
  'node-added': (node: ClusterNode) => void;
  /** A node left the slot map. */
  'node-removed': (node: ClusterNode) => void;
  /** A slot-map update failed (the context retries or waits for the next trigger). */
  'update-error': (err: ClusterError) => void;
  /** A message of a subscribed channel. */
  message: (channel: string, message: string) => void;
  /** A message of a channel matching a subscribed pattern. */
  pmessage: (pattern: string, channel: string, message: string) => void;
  /** A message of a subscribed sharded channel. */
  smessage: (channel: string, message: string) => void;
  /** A RESP3 push message from a command link (pub/sub uses links of its own, see `message`). */
  push: (message: unknown, link: LinkAddress) => void;
  /** failoverWait holds commands for a node (or a slot without an owner), or stops holding them. */
  'failover-wait': (info: FailoverWaitInfo) => void;
  /** A slot-map refresh started in the background (its outcome: `slotmap-updated` or `update-error`). */
  refresh: (reason: RefreshReason) => void;
}

/** Why a background refresh started: `refreshInterval`, a node's link that closed unasked, or failoverWait. */
export type RefreshReason = 'interval' | 'link-closed' | 'failover-wait';

/**
 * One node's failover wait (`address` null: commands whose slot had no owner). `start` names the failure
 * that began it; `end` says how many commands were held in it, how many of those ran out of wait (they
 * failed with their last error), and how long it lasted.
 */
export type FailoverWaitInfo = FailoverWaitStart | FailoverWaitEnd;

/** A failover wait began: the first command held for the node (or for a slot without an owner). */
export interface FailoverWaitStart {
  /** Always 'start'. */
  phase: 'start';
  /** 'host:port' of the node that failed; null when the slot had no owner. */
  address: string | null;
  /** The slot of the first command held. */
  slot: number;
  /** The failure that began it. */
  error: ClusterError;
}

/** A failover wait ended: every command held in it has its outcome. */
export interface FailoverWaitEnd {
  /** Always 'end'. */
  phase: 'end';
  /** As in the start. */
  address: string | null;
  /** Commands held in it. */
  held: number;
  /** Of those, the ones whose wait ran out (they failed with their last error). */
  expired: number;
  /** From the first hold to the end, in ms. */
  waitedMs: number;
}

/**
 * @internal What an engine reports to its face, as plain data: it crosses to the blocking face's caller
 * thread. A failure is its code and message (code 0: none); a link's failure is about its node, an
 * update's names the node it asked when there was one (`address`).
 */
export type EngineEvent =
  | { type: 'slotmap-updated'; version: number; nodes: ClusterNode[] }
  | { type: 'ready' }
  | { type: 'update-error'; code: number; message: string; address?: string }
  | { type: 'node-added' | 'node-removed'; node: ClusterNode }
  | { type: 'connect'; host: string; port: number; dedicated: boolean }
  | {
      type: 'failover-wait';
      phase: 'start';
      address: string | null;
      slot: number;
      code: number;
      message: string;
    }
  | {
      type: 'failover-wait';
      phase: 'end';
      address: string | null;
      held: number;
      expired: number;
      waitedMs: number;
    }
  | { type: 'refresh'; reason: RefreshReason }
  | {
      type: 'connect-error' | 'disconnect';
      host: string;
      port: number;
      dedicated: boolean;
      code: number;
      message: string;
    };
