/**
 * Tracing: the hircluster:command, hircluster:batch and hircluster:connect TracingChannels (and the
 * hircluster:slotmap channel) of node:diagnostics_channel, fed into OpenTelemetry-style spans by a tiny
 * recorder in place of a tracer (no dependency): with @opentelemetry/api, `start` would call
 * `tracer.startSpan`, and the span's end `span.setAttributes(...)` and `span.end()`. Nothing is published
 * while nobody subscribes.
 *
 *   npm run build && node dist/examples/tracing.js [host:port,...]
 */
import dc from 'node:diagnostics_channel';
import {
  AsyncClusterContext,
  type BatchTrace,
  BlockingClusterContext,
  type CommandTrace,
  type ConnectTrace,
  type SlotmapTrace,
} from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';

type Context = { face: 'async' | 'blocking'; error?: unknown };
type Attributes = Record<string, string | number | undefined>;

/** A span as a tracer keeps it; printed at its end (a real exporter sends it). */
class Span {
  private readonly started = performance.now();
  constructor(private readonly name: string) {}

  /** server.port is not printed: it depends on the cluster's layout. */
  end(attributes: Attributes, error: unknown): void {
    const ms = performance.now() - this.started;
    const shown = Object.entries(attributes)
      .filter(([key, value]) => key !== 'server.port' && value !== undefined)
      .map(([key, value]) => `${key}=${value}`);
    const status = error === undefined ? 'OK' : `ERROR ${(error as Error).message.split(' ')[0]}`;
    console.log(`span ${this.name} {${shown.join(', ')}} ${status} ${ms < 1000 ? '<1s' : '>=1s'}`);
  }
}

/**
 * Spans from one TracingChannel. A span ends once the outcome is known: at `asyncStart` on the async face,
 * at `end` on the blocking face (its calls return their outcome) and for a call refused at once. Attributes
 * are read then: an async command's node, retries and redirects are known only from asyncStart on.
 */
function spansOf<C extends Context>(
  channel: string,
  name: (c: C) => string,
  attributes: (c: C) => Attributes,
) {
  const open = new WeakMap<C, Span>();
  const finish = (c: C) => {
    open.get(c)?.end(attributes(c), c.error);
    open.delete(c);
  };
  dc.tracingChannel<unknown, C>(channel).subscribe({
    start: (c) => open.set(c, new Span(name(c))),
    end: (c) => {
      if (c.face === 'blocking' || c.error !== undefined) finish(c);
    },
    asyncStart: finish,
    asyncEnd: () => {},
    error: () => {},
  });
}

// OpenTelemetry's database conventions where they fit (db.*, server.*), hircluster.* for the rest.
spansOf<CommandTrace>(
  'hircluster:command',
  (c) => c.command,
  (c) => ({
    'db.system': 'redis',
    'db.operation.name': c.command,
    'server.address': c.node?.slice(0, c.node.lastIndexOf(':')),
    'server.port': c.node?.slice(c.node.lastIndexOf(':') + 1),
    'hircluster.face': c.face,
    'hircluster.slot': c.slot,
    'hircluster.retries': c.retries,
    'hircluster.redirects': c.redirects,
  }),
);
spansOf<BatchTrace>(
  'hircluster:batch',
  () => 'batch',
  (c) => ({ 'db.system': 'redis', 'db.operation.batch.size': c.size, 'hircluster.face': c.face }),
);
spansOf<ConnectTrace>(
  'hircluster:connect',
  () => 'connect',
  (c) => ({ 'db.system': 'redis', 'hircluster.face': c.face, 'hircluster.seeds': c.nodes.length }),
);
// A new slot map is an event, not a span: a span event on the active span, or a log line.
dc.subscribe('hircluster:slotmap', (message) => {
  const { face, version, nodes: primaries } = message as SlotmapTrace;
  console.log(`event slotmap {hircluster.face=${face}, version=${version}, primaries=${primaries}}`);
});

// One hash tag: the keys share a slot, so the batch's replies come in order on one link.
const key = 'example:tracing:{k}';
const acc = new AsyncClusterContext({ nodes });
await acc.connect();
await acc.set(key, 'secret values are never published');
await acc.get(key);
await acc.send('HGET', key, 'field').catch(() => undefined);
await acc.batch([
  ['GET', key],
  ['STRLEN', key],
]);
acc.disconnect();

const cc = new BlockingClusterContext({ nodes });
cc.connect();
cc.get(key);
cc.del(key);
cc.close();

// Output:
// event slotmap {hircluster.face=async, version=1, primaries=3}
// span connect {db.system=redis, hircluster.face=async, hircluster.seeds=1} OK <1s
// span SET {db.system=redis, db.operation.name=SET, server.address=127.0.0.1, hircluster.face=async, hircluster.slot=7629, hircluster.retries=0, hircluster.redirects=0} OK <1s
// span GET {db.system=redis, db.operation.name=GET, server.address=127.0.0.1, hircluster.face=async, hircluster.slot=7629, hircluster.retries=0, hircluster.redirects=0} OK <1s
// span HGET {db.system=redis, db.operation.name=HGET, server.address=127.0.0.1, hircluster.face=async, hircluster.slot=7629, hircluster.retries=0, hircluster.redirects=0} ERROR WRONGTYPE <1s
// span GET {db.system=redis, db.operation.name=GET, server.address=127.0.0.1, hircluster.face=async, hircluster.slot=7629, hircluster.retries=0, hircluster.redirects=0} OK <1s
// span STRLEN {db.system=redis, db.operation.name=STRLEN, server.address=127.0.0.1, hircluster.face=async, hircluster.slot=7629, hircluster.retries=0, hircluster.redirects=0} OK <1s
// span batch {db.system=redis, db.operation.batch.size=2, hircluster.face=async} OK <1s
// event slotmap {hircluster.face=blocking, version=1, primaries=3}
// span connect {db.system=redis, hircluster.face=blocking, hircluster.seeds=1} OK <1s
// span GET {db.system=redis, db.operation.name=GET, server.address=127.0.0.1, hircluster.face=blocking, hircluster.slot=7629} OK <1s
// span DEL {db.system=redis, db.operation.name=DEL, server.address=127.0.0.1, hircluster.face=blocking, hircluster.slot=7629} OK <1s
