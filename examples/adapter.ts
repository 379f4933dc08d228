/**
 * Event-loop adapters: the async context sees the outside world only through an EventLoopAdapter
 * (connect, setTimer, clearTimer, defer, now), as hiredis attaches a context to an event library.
 * This adapter wraps Node's own (NodeAdapter) and counts what the client asks of the loop.
 *
 *   npm run build && node dist/examples/adapter.js [host:port,...]
 */
import {
  AsyncClusterContext,
  type EventLoopAdapter,
  NodeAdapter,
  type Transport,
  type TransportEvents,
} from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';

class CountingAdapter implements EventLoopAdapter {
  readonly counts = { connects: 0, writes: 0, timers: 0 };
  private readonly inner = new NodeAdapter();

  connect(addr: Parameters<EventLoopAdapter['connect']>[0], events: TransportEvents): Transport {
    this.counts.connects++;
    const transport = this.inner.connect(addr, events);
    return {
      write: (bytes) => {
        this.counts.writes++;
        transport.write(bytes);
      },
      end: () => transport.end(),
      destroy: () => transport.destroy(),
    };
  }
  setTimer(ms: number, fn: () => void) {
    this.counts.timers++;
    return this.inner.setTimer(ms, fn);
  }
  clearTimer(handle: unknown) {
    this.inner.clearTimer(handle as NonNullable<unknown>);
  }
  defer(fn: () => void) {
    this.inner.defer(fn);
  }
  now() {
    return this.inner.now();
  }
}

const adapter = new CountingAdapter();
const acc = new AsyncClusterContext({ nodes, adapter });
await acc.connect();
const afterConnect = adapter.counts.writes;
// 50 commands queued in one tick to one slot: one write to one node.
const replies = Array.from({ length: 50 }, (_, i) => acc.send('SET', 'example:adapter:{k}', String(i)));
await Promise.all(replies);
console.log('50 commands, writes:', adapter.counts.writes - afterConnect);
console.log('GET:', await acc.send('GET', 'example:adapter:{k}'));
await acc.send('DEL', 'example:adapter:{k}');
acc.disconnect();

// Output:
// 50 commands, writes: 1
// GET: 49
