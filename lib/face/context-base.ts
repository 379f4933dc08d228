/**
 * What both contexts share: hiredis' err/errstr, the set-once callbacks, the events an engine reports
 * (translated once into hiredis callbacks and eventemitter3 events), the node iterator and key helpers,
 * and what JSON and util.inspect show. A context adds its calls and how it reaches its engine.
 */
import { EventEmitter } from 'eventemitter3';
import { keySlot } from '../cluster/keyslot.js';
import type { ClusterNode } from '../cluster/slotmap.js';
import { ClusterError, otherError } from '../errors.js';
import {
  type ClusterEvents,
  type EngineEvent,
  HIRCLUSTER_EVENT_FREE_CONTEXT,
  HIRCLUSTER_EVENT_READY,
  HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
  type LinkAddress,
  type NodeLinks,
} from '../events.js';
import { type ResolvedBlockingOptions, type ResolvedOptions, visibleOptions } from '../options.js';
import { INSPECT, type InspectFunction, type InspectOptions, inspectAs } from '../secrets.js';
import { iterateNodes } from './node-iterator.js';
import { publishSlotmap, type TraceFace } from './tracing.js';

/** Options of one command on the JavaScript API. */
export interface CommandOptions {
  /** ms: the command's own deadline (0: none), in place of the command timeout. */
  timeout?: number;
}

/** The deadline `options` set for a command, or -1 for the command timeout; a bad value is a clear error. */
export function commandTimeoutOption(options: CommandOptions): number {
  const timeout = options.timeout;
  if (timeout === undefined) return -1;
  if (!Number.isInteger(timeout) || timeout < 0) {
    throw otherError(`Invalid command option 'timeout': must be an integer >= 0, got ${String(timeout)}`);
  }
  return timeout;
}

/** hiredis-style connect/disconnect callback: status 0 (REDIS_OK) or -1 (REDIS_ERR). */
export type LinkCallback = (link: LinkAddress, status: number) => void;

const REDIS_OK = 0;
const REDIS_ERR = -1;

/** The failure a link event carries: about the link's node. */
function linkError(event: { host: string; port: number; code: number; message: string }): ClusterError {
  return new ClusterError(event.code, event.message, `${event.host}:${event.port}`);
}

/** The address an event names; a dedicated link says so. */
function linkAddress(event: { host: string; port: number; dedicated: boolean }): LinkAddress {
  return event.dedicated
    ? { host: event.host, port: event.port, dedicated: true }
    : { host: event.host, port: event.port };
}

export abstract class ContextBase<Self> extends EventEmitter<ClusterEvents> {
  /** hiredis `err`: set by a failed call (and, on the async face, during a failed command's callback). */
  err = 0;
  /** hiredis `errstr`. */
  errstr = '';
  /** @internal The failure behind err/errstr (its `address` included), or null: what a promise rejects with. */
  failure: ClusterError | null = null;
  protected abstract readonly options: ResolvedOptions | ResolvedBlockingOptions;
  protected connectCallback: LinkCallback | null = null;
  protected disconnectCallback: LinkCallback | null = null;
  private eventCallback: ((context: Self, event: number, privdata: unknown) => void) | null = null;
  private eventPrivdata: unknown;

  /** The slot-map version: 0 before the first map, then +1 per update (hiredis' route_version). */
  abstract get version(): number;

  /** The class name util.inspect shows. */
  protected abstract get faceName(): string;

  /** The `face` of its events on the hircluster:* diagnostics channels. */
  protected abstract get traceFace(): TraceFace;

  /** State shown by toJSON between the version and the options. */
  protected abstract shownState(): object;

  /** The nodes `nodes()` walks. */
  protected abstract knownNodes(): readonly ClusterNode[];

  /** @internal The node serving `slot`, or why there is none. */
  abstract slotOwner(slot: number): ClusterNode | ClusterError;

  /** Runs a user's callback the way this face does (the async face keeps the engine out of its throws). */
  protected abstract callUser(call: () => void): void;

  /** What JSON.stringify shows: the state and the options, the password and TLS secrets hidden. */
  toJSON(): object {
    return {
      err: this.err,
      errstr: this.errstr,
      version: this.version,
      ...this.shownState(),
      options: visibleOptions(this.options),
    };
  }

  /** What util.inspect (console.log) shows: the same as {@link toJSON}, never the internals. */
  [INSPECT](depth: number, options: InspectOptions, inspect: InspectFunction): string {
    return inspectAs(this.faceName, this.toJSON(), depth, options, inspect);
  }

  /** hiredis' set-once event callback with HIRCLUSTER_EVENT_* numbers; false when already set. */
  setEventCallback<P>(fn: (context: Self, event: number, privdata: P) => void, privdata?: P): boolean {
    if (this.eventCallback !== null) return false;
    this.eventCallback = fn as (context: Self, event: number, privdata: unknown) => void;
    this.eventPrivdata = privdata;
    return true;
  }

  /** hiredis' set-once connect callback, after each connect attempt of a command link (REDIS_OK / REDIS_ERR). */
  setConnectCallback(fn: LinkCallback): boolean {
    if (this.connectCallback !== null) return false;
    this.connectCallback = fn;
    return true;
  }

  /**
   * The known nodes (the masters of the slot map; the seeds before it). When the map changes during the
   * walk, it restarts once on the new nodes, then stops (hiredis' node iterator).
   */
  nodes(): IterableIterator<ClusterNode> {
    return iterateNodes(
      () => this.version,
      () => this.knownNodes(),
    );
  }

  /** The slot of a key (CRC16 with hash tags). */
  slotForKey(key: string | Uint8Array): number {
    return keySlot(key);
  }

  /** The links of every known node: the command link, the dedicated links open and how many are held. */
  abstract links(): NodeLinks[];

  /** The node serving a key's slot, or null with `err`/`errstr` set. */
  nodeForKey(key: string | Uint8Array): ClusterNode | null {
    const owner = this.slotOwner(keySlot(key));
    if (!(owner instanceof ClusterError)) return owner;
    this.setError(owner);
    return null;
  }

  /** Sets err/errstr from a failure (anything thrown becomes REDIS_ERR_OTHER); returns it as a ClusterError. */
  protected setError(err: unknown): ClusterError {
    const e = err instanceof ClusterError ? err : otherError(String(err));
    this.err = e.code;
    this.errstr = e.message;
    this.failure = e;
    return e;
  }

  /** A command timeout as `setTimeout(ms)` takes it: an integer >= 0, else a clear error. */
  protected checkTimeout(ms: number): number {
    if (!Number.isInteger(ms) || ms < 0)
      throw otherError(`Invalid timeout: must be an integer >= 0, got ${ms}`);
    return ms;
  }

  protected clearError(): void {
    this.err = 0;
    this.errstr = '';
    this.failure = null;
  }

  /** An engine event as hiredis callbacks and eventemitter3 events. */
  protected deliver(event: EngineEvent): void {
    switch (event.type) {
      case 'slotmap-updated':
        publishSlotmap(this.traceFace, event.version, event.nodes.length);
        this.raise(HIRCLUSTER_EVENT_SLOTMAP_UPDATED, 'slotmap-updated', event.version);
        return;
      case 'ready':
        this.raise(HIRCLUSTER_EVENT_READY, 'ready');
        return;
      case 'update-error':
        this.emit('update-error', new ClusterError(event.code, event.message, event.address));
        return;
      case 'node-added':
      case 'node-removed':
        this.emit(event.type, event.node);
        return;
      case 'connect':
        this.linkCallback(this.connectCallback, event, REDIS_OK);
        this.emit('connect', linkAddress(event));
        return;
      case 'connect-error':
        this.linkCallback(this.connectCallback, event, REDIS_ERR);
        this.emit('connect-error', linkAddress(event), linkError(event));
        return;
      case 'failover-wait':
        if (event.phase === 'start') {
          const { address, slot } = event;
          const error = new ClusterError(event.code, event.message, address ?? undefined);
          this.emit('failover-wait', { phase: 'start', address, slot, error });
        } else {
          const { type: _type, ...info } = event;
          this.emit('failover-wait', info);
        }
        return;
      case 'refresh':
        this.emit('refresh', event.reason);
        return;
      case 'disconnect': {
        const err = event.code === 0 ? null : linkError(event);
        this.linkCallback(this.disconnectCallback, event, err === null ? REDIS_OK : REDIS_ERR);
        this.emit('disconnect', linkAddress(event), err);
      }
    }
  }

  /** hiredis' event callback, then the eventemitter3 event of the same moment. */
  protected raise(event: number, name: 'slotmap-updated' | 'ready' | 'free-context', version?: number): void {
    const fn = this.eventCallback;
    if (fn !== null) this.callUser(() => fn(this as unknown as Self, event, this.eventPrivdata));
    if (name === 'slotmap-updated') this.emit(name, version!);
    else this.emit(name);
  }

  /** The seed nodes (`host:port`): the `nodes` of a hircluster:connect trace. */
  protected seeds(): string[] {
    return this.options.seeds.map((s) => `${s.host}:${s.port}`);
  }

  /** The context is freed: hiredis' HIRCLUSTER_EVENT_FREE_CONTEXT. */
  protected raiseFreed(): void {
    this.raise(HIRCLUSTER_EVENT_FREE_CONTEXT, 'free-context');
  }

  /** hiredis' connect/disconnect callbacks are about command links (the C API has no others). */
  private linkCallback(
    fn: LinkCallback | null,
    link: { host: string; port: number; dedicated: boolean },
    status: number,
  ): void {
    if (fn !== null && !link.dedicated) this.callUser(() => fn({ host: link.host, port: link.port }, status));
  }
}
