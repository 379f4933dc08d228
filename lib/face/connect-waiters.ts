/**
 * The async face's pending `connect()` promises: resolved once a slot map is installed (after `ready`, so
 * awaiting code sees both), rejected with the last error once an update failed and no further attempt is
 * under way (the engine's retry had its chance).
 */
import type { EventLoopAdapter } from '../../adapters/adapter.js';
import { ClusterError } from '../errors.js';
import type { EngineEvent } from '../events.js';
import type { Resolvers } from './promised.js';

export class ConnectWaiters {
  private waiters: Resolvers[] = [];

  constructor(
    private readonly adapter: EventLoopAdapter,
    private readonly updating: () => boolean,
  ) {}

  /** A promise for the next installed slot map. */
  wait(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /** Settles the waiters an engine event decides. */
  onEvent(event: EngineEvent): void {
    if (event.type === 'slotmap-updated') {
      this.adapter.defer(() => {
        for (const w of this.take()) w.resolve(undefined);
      });
    } else if (event.type === 'update-error' && this.waiters.length > 0) {
      const err = new ClusterError(event.code, event.message, event.address);
      this.adapter.defer(() => {
        if (!this.updating()) this.failAll(err);
      });
    }
  }

  failAll(err: ClusterError): void {
    for (const w of this.take()) w.reject(err);
  }

  private take(): Resolvers[] {
    const waiters = this.waiters;
    this.waiters = [];
    return waiters;
  }
}
