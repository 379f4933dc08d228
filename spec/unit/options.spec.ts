import { expect } from 'chai';
import { fromWorkerOptions, toWorkerOptions } from '../../lib/blocking/worker-options.js';
import { ClusterError, REDIS_ERR_OTHER } from '../../lib/errors.js';
import {
  type BlockingOptions,
  type ClusterOptions,
  parseNodeList,
  resolveBlockingOptions,
  resolveOptions,
} from '../../lib/options.js';
import { plainReplies, plainRepliesWith, typedReplies } from '../../lib/resp/build.js';

function failure(options: unknown, resolve: (options: never) => unknown = resolveOptions): ClusterError {
  try {
    resolve(options as never);
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    expect((err as ClusterError).code).to.equal(REDIS_ERR_OTHER);
    return err as ClusterError;
  }
  throw new Error('expected the options to be refused');
}

describe('options', () => {
  it('parses hiredis node lists: commas, IPv6 split at the last colon, brackets, duplicates dropped', () => {
    expect(parseNodeList('127.0.0.1:7000, ::1:7001,[::1]:7002,127.0.0.1:7000,')).to.deep.equal([
      { host: '127.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(parseNodeList(['localhost:1', 'localhost:2'])).to.deep.equal([
      { host: 'localhost', port: 1 },
      { host: 'localhost', port: 2 },
    ]);
  });

  it('fills in the defaults', () => {
    const o = resolveOptions({ nodes: '127.0.0.1:7000' });
    expect(o).to.deep.include({
      username: '',
      password: '',
      connectTimeout: 10_000,
      commandTimeout: 0,
      updateTimeout: 5000,
      maxRetry: 5,
      useClusterNodes: false,
      useClusterShards: false,
      parseReplicas: false,
      parseOpenSlots: false,
      tls: undefined,
      resp: 2,
      selectDb: 0,
      addressMap: undefined,
      maxPending: 100_000,
      retryBackoff: undefined,
      timerWheel: undefined,
      readFrom: { mode: 'primary', zone: '' },
      refreshInterval: 0,
      failoverWait: 0,
      retryWrites: false,
    });
    expect(o.limits).to.deep.equal({
      maxBulkLength: 512 * 1024 * 1024,
      maxAggregateElements: 1 << 24,
      maxDepth: 64,
    });
  });

  it('updateTimeout: 0 for none, as hiredis; both faces take it, and the worker gets it', () => {
    expect(resolveOptions({ nodes: 'h:1', updateTimeout: 0 }).updateTimeout).to.equal(0);
    const blocking = resolveBlockingOptions({ nodes: 'h:1', updateTimeout: 250 });
    expect(fromWorkerOptions(structuredClone(toWorkerOptions(blocking))).updateTimeout).to.equal(250);
  });

  it('takes the builder options', () => {
    expect(resolveOptions({ nodes: 'h:1', returnBuffers: true }).replyBuilder).to.equal(
      plainRepliesWith({ returnBuffers: true }),
    );
    expect(resolveOptions({ nodes: 'h:1', replyBuilder: typedReplies }).replyBuilder).to.equal(typedReplies);
    expect(resolveOptions({ nodes: 'h:1', tls: true }).tls).to.deep.equal({});
  });

  it('timerWheel: off by default and with false; true for the defaults; tickMs and slots', () => {
    const wheel = (timerWheel: unknown) =>
      resolveOptions({ nodes: 'h:1', timerWheel } as ClusterOptions).timerWheel;
    expect([wheel(false), wheel(true), wheel({ tickMs: 5, slots: 1024 })]).to.deep.equal([
      undefined,
      {},
      { tickMs: 5, slots: 1024 },
    ]);
  });

  it('maps addresses with a function or a plain table', () => {
    const table = resolveOptions({ nodes: 'h:1', addressMap: { 'node-a.internal:7000': '127.0.0.1:17000' } });
    expect(table.addressMap!({ host: 'node-a.internal', port: 7000 })).to.deep.equal({
      host: '127.0.0.1',
      port: 17000,
    });
    expect(table.addressMap!({ host: 'other', port: 1 })).to.deep.equal({ host: 'other', port: 1 });
    const fn = (a: { host: string; port: number }) => ({ host: a.host, port: a.port + 1 });
    expect(resolveOptions({ nodes: 'h:1', addressMap: fn }).addressMap).to.equal(fn);
  });

  it('readFrom: each mode, an { az } zone; any but primary keeps the replicas', () => {
    for (const mode of ['primary', 'preferReplica', 'replica', 'nearest'] as const) {
      const o = resolveOptions({ nodes: 'h:1', readFrom: mode });
      expect(o.readFrom).to.deep.equal({ mode, zone: '' });
      expect(o.parseReplicas).to.equal(mode !== 'primary');
    }
    expect(resolveBlockingOptions({ nodes: 'h:1', readFrom: { az: 'eu-1a' } }).readFrom).to.deep.equal({
      mode: 'az',
      zone: 'eu-1a',
    });
  });

  it('failoverWait adds its wait to the default callTimeout', () => {
    const base = resolveBlockingOptions({ nodes: 'h:1' }).callTimeout;
    expect(resolveBlockingOptions({ nodes: 'h:1', failoverWait: 10_000 }).callTimeout).to.equal(
      base + 10_000,
    );
    expect(
      resolveBlockingOptions({ nodes: 'h:1', failoverWait: 10_000, callTimeout: 50 }).callTimeout,
    ).to.equal(50);
  });

  const refused: [string, unknown, string][] = [
    [
      'an unknown readFrom',
      { nodes: 'h:1', readFrom: 'replicas' },
      `Invalid option 'readFrom': must be 'primary', 'preferReplica', 'replica', 'nearest' or { az: '<zone>' }, got "replicas"`,
    ],
    [
      'an empty zone',
      { nodes: 'h:1', readFrom: { az: '' } },
      `Invalid option 'readFrom.az': must be a non-empty zone name, got ""`,
    ],
    [
      'a readFrom object with other keys',
      { nodes: 'h:1', readFrom: { zone: 'x' } },
      "Invalid option 'readFrom': an object takes only 'az', got keys zone",
    ],
    [
      'a negative failoverWait',
      { nodes: 'h:1', failoverWait: -1 },
      "Invalid option 'failoverWait': must be an integer 0..86400000, got -1",
    ],
    [
      'a refreshInterval that is not a number',
      { nodes: 'h:1', refreshInterval: '1000' },
      `Invalid option 'refreshInterval': must be an integer 0..86400000, got "1000"`,
    ],
    [
      'retryWrites not a boolean',
      { nodes: 'h:1', retryWrites: 1 },
      "Invalid option 'retryWrites': must be a boolean, got 1",
    ],
    ['no options', undefined, "Invalid option 'options': must be an object, got undefined"],
    [
      'no nodes',
      {},
      `Invalid option 'nodes': must be "host:port,host:port" or an array of "host:port", got undefined`,
    ],
    ['empty nodes', { nodes: ' , ' }, `Invalid option 'nodes': must name at least one node, got " , "`],
    ['a node without port', { nodes: '127.0.0.1' }, "Invalid address '127.0.0.1': missing port"],
    ['port 0', { nodes: 'h:0' }, "Invalid address 'h:0': port must be 1-65535"],
    ['port 70000', { nodes: 'h:70000' }, "Invalid address 'h:70000': port must be 1-65535"],
    ['an unknown option', { nodes: 'h:1', maxRetries: 3 }, "Unknown option 'maxRetries'"],
    [
      'maxRetry 0',
      { nodes: 'h:1', maxRetry: 0 },
      "Invalid option 'maxRetry': must be an integer >= 1, got 0",
    ],
    [
      'a fractional timeout',
      { nodes: 'h:1', connectTimeout: 1.5 },
      "Invalid option 'connectTimeout': must be an integer >= 0, got 1.5",
    ],
    [
      'a negative timeout',
      { nodes: 'h:1', commandTimeout: -1 },
      "Invalid option 'commandTimeout': must be an integer >= 0, got -1",
    ],
    [
      'an update timeout no timer can hold',
      { nodes: 'h:1', updateTimeout: 2 ** 31 },
      "Invalid option 'updateTimeout': must be an integer 0..2147483647, got 2147483648",
    ],
    ['resp 4', { nodes: 'h:1', resp: 4 }, "Invalid option 'resp': must be 2 or 3, got 4"],
    [
      'username without password',
      { nodes: 'h:1', username: 'u' },
      `Invalid option 'username': needs a password, got "u"`,
    ],
    [
      // Named by its type: the value is never repeated.
      'a numeric password',
      { nodes: 'h:1', password: 123 },
      "Invalid option 'password': must be a string, got a value of type number",
    ],
    [
      'a string flag',
      { nodes: 'h:1', useClusterNodes: 'yes' },
      `Invalid option 'useClusterNodes': must be a boolean, got "yes"`,
    ],
    [
      'useClusterShards as a number',
      { nodes: 'h:1', useClusterShards: 1 },
      "Invalid option 'useClusterShards': must be a boolean, got 1",
    ],
    [
      'useClusterShards with useClusterNodes',
      { nodes: 'h:1', useClusterShards: true, useClusterNodes: true },
      "Invalid option 'useClusterShards': cannot be combined with useClusterNodes (each picks the slot-map command)",
    ],
    [
      'tls as a string',
      { nodes: 'h:1', tls: 'on' },
      `Invalid option 'tls': must be a boolean or Node TLS options, got "on"`,
    ],
    [
      'random as a number',
      { nodes: 'h:1', random: 4 },
      "Invalid option 'random': must be a function returning a number in [0, 1), got 4",
    ],
    [
      'addressMap as an array',
      { nodes: 'h:1', addressMap: [] },
      `Invalid option 'addressMap': must be a function or an object of "host:port" -> "host:port", got an array`,
    ],
    [
      'backoff max below base',
      { nodes: 'h:1', retryBackoff: { baseMs: 10, maxMs: 5 } },
      "Invalid option 'retryBackoff.maxMs': must be an integer >= 10, got 5",
    ],
    ['an unknown limit', { nodes: 'h:1', limits: { maxSize: 1 } }, "Unknown option 'limits.maxSize'"],
    [
      'a timerWheel that is neither a boolean nor settings',
      { nodes: 'h:1', timerWheel: 'yes' },
      'Invalid option \'timerWheel\': must be a boolean or { tickMs, slots }, got "yes"',
    ],
    [
      'timer wheel slots that are no power of two',
      { nodes: 'h:1', timerWheel: { slots: 1000 } },
      "Invalid option 'timerWheel.slots': must be a power of two, got 1000",
    ],
    [
      'a timer wheel tick of 0',
      { nodes: 'h:1', timerWheel: { tickMs: 0 } },
      "Invalid option 'timerWheel.tickMs': must be an integer 1..60000, got 0",
    ],
    [
      'an unknown timer wheel setting',
      { nodes: 'h:1', timerWheel: { ticks: 1 } },
      "Unknown option 'timerWheel.ticks'",
    ],
    [
      'returnBuffers with a builder',
      { nodes: 'h:1', replyBuilder: typedReplies, returnBuffers: true },
      "Invalid option 'returnBuffers': it applies to the default reply builder only",
    ],
  ];
  for (const [what, options, message] of refused) {
    it(`refuses ${what}, naming the problem`, () => {
      expect(failure(options).message).to.equal(message);
    });
    if (what === 'random as a number') continue;
    it(`refuses ${what} to the blocking context too, with the same message`, () => {
      expect(failure(options, resolveBlockingOptions).message).to.equal(message);
    });
  }

  it("refuses the blocking context's own options to the async context", () => {
    for (const name of ['spin', 'callTimeout', 'pipelineRedirects', 'bufferBytes']) {
      expect(failure({ nodes: 'h:1', [name]: 1 }).message).to.equal(`Unknown option '${name}'`);
    }
  });

  describe('the blocking context', () => {
    it('fills in its own defaults: spin auto, a 60 s call deadline without a command timeout, 1 MiB, no redirects', () => {
      const o = resolveBlockingOptions({ nodes: '127.0.0.1:7000' });
      expect(o).to.deep.include({
        spin: 'auto',
        callTimeout: 60_000,
        pipelineRedirects: false,
        bufferBytes: 1024 * 1024,
        addressMap: undefined,
        maxRetry: 5,
      });
      expect(o.replyBuilder).to.equal(plainReplies);
      expect('random' in o).to.equal(false);
    });

    it('with a command timeout, a call may block for every retry: (maxRetry + 2) * (command + connect) + 1 s', () => {
      const o = resolveBlockingOptions({
        nodes: 'h:1',
        commandTimeout: 100,
        connectTimeout: 200,
        maxRetry: 3,
      });
      expect(o.callTimeout).to.equal(5 * 300 + 1000);
      const huge = resolveBlockingOptions({ nodes: 'h:1', commandTimeout: 2 ** 40, maxRetry: 1000 });
      expect(huge.callTimeout, 'the channel carries it in an Int32 word').to.equal(2 ** 31 - 1);
    });

    it('takes its own options as given', () => {
      const o = resolveBlockingOptions({
        nodes: 'h:1',
        commandTimeout: 100,
        callTimeout: 0,
        spin: 0,
        pipelineRedirects: true,
        bufferBytes: 128,
        returnBuffers: true,
      });
      expect(o).to.deep.include({ callTimeout: 0, spin: 0, pipelineRedirects: true, bufferBytes: 128 });
      expect(o.replyBuilder).to.equal(plainRepliesWith({ returnBuffers: true }));
      expect(resolveBlockingOptions({ nodes: 'h:1', spin: 2.5, callTimeout: 2 ** 40 })).to.deep.include({
        spin: 2.5,
        callTimeout: 2 ** 31 - 1,
      });
    });

    it('keeps the address map as its table, normalized', () => {
      const o = resolveBlockingOptions({ nodes: 'h:1', addressMap: { '[::1]:7000': 'localhost:17000' } });
      expect(o.addressMap).to.deep.equal({ '::1:7000': { host: 'localhost', port: 17000 } });
    });

    const refusedBlocking: [string, BlockingOptions | Record<string, unknown>, string][] = [
      [
        'an adapter',
        { nodes: 'h:1', adapter: {} },
        "Unknown option 'adapter' (not for the blocking context)",
      ],
      [
        'a random source',
        { nodes: 'h:1', random: Math.random },
        "Unknown option 'random' (not for the blocking context)",
      ],
      [
        'an address map function',
        { nodes: 'h:1', addressMap: (a: unknown) => a },
        'Invalid option \'addressMap\': the blocking context takes an object of "host:port" -> "host:port"',
      ],
      [
        'a negative callTimeout',
        { nodes: 'h:1', callTimeout: -1 },
        "Invalid option 'callTimeout': must be an integer >= 0, got -1",
      ],
      [
        'a fractional callTimeout',
        { nodes: 'h:1', callTimeout: 1.5 },
        "Invalid option 'callTimeout': must be an integer >= 0, got 1.5",
      ],
      [
        'a callTimeout of null',
        { nodes: 'h:1', callTimeout: null },
        "Invalid option 'callTimeout': must be an integer >= 0, got null",
      ],
      [
        'pipelineRedirects as a string',
        { nodes: 'h:1', pipelineRedirects: 'yes' },
        `Invalid option 'pipelineRedirects': must be a boolean, got "yes"`,
      ],
      [
        'bufferBytes below 128',
        { nodes: 'h:1', bufferBytes: 12 },
        "Invalid option 'bufferBytes': expected an integer from 128 to 4294967294, got 12",
      ],
      [
        'bufferBytes past two areas of 2^31-1',
        { nodes: 'h:1', bufferBytes: 2 ** 32 },
        "Invalid option 'bufferBytes': expected an integer from 128 to 4294967294, got 4294967296",
      ],
      [
        'a fractional bufferBytes',
        { nodes: 'h:1', bufferBytes: 1024.5 },
        "Invalid option 'bufferBytes': expected an integer from 128 to 4294967294, got 1024.5",
      ],
      [
        'a negative spin',
        { nodes: 'h:1', spin: -1 },
        "Invalid option 'spin': expected 'auto' or a number of µs >= 0, got -1",
      ],
      [
        'a spin of NaN',
        { nodes: 'h:1', spin: Number.NaN },
        "Invalid option 'spin': expected 'auto' or a number of µs >= 0, got NaN",
      ],
      [
        'an endless spin',
        { nodes: 'h:1', spin: Number.POSITIVE_INFINITY },
        "Invalid option 'spin': expected 'auto' or a number of µs >= 0, got Infinity",
      ],
      [
        'a spin word other than auto',
        { nodes: 'h:1', spin: 'fast' },
        "Invalid option 'spin': expected 'auto' or a number of µs >= 0, got fast",
      ],
    ];
    for (const [what, options, message] of refusedBlocking) {
      it(`refuses ${what}, naming the problem`, () => {
        expect(failure(options, resolveBlockingOptions).message).to.equal(message);
      });
    }

    it('shows its own options to JSON, the password hidden', () => {
      const o = resolveBlockingOptions({ nodes: 'h:1', password: 'secret', spin: 10 });
      expect(JSON.parse(JSON.stringify(o))).to.deep.include({
        seeds: ['h:1'],
        password: '<hidden>',
        spin: 10,
        callTimeout: 60_000,
        pipelineRedirects: false,
        bufferBytes: 1024 * 1024,
      });
    });
  });

  describe("the blocking context's worker data", () => {
    /** Paths of the functions anywhere in `value`. */
    function functionsIn(value: unknown, path = 'options'): string[] {
      if (typeof value === 'function') return [path];
      if (value === null || typeof value !== 'object') return [];
      return Object.entries(value).flatMap(([key, inner]) => functionsIn(inner, `${path}.${key}`));
    }

    const resolved = resolveBlockingOptions({
      nodes: 'h:1,h:2',
      password: 'pw',
      commandTimeout: 50,
      addressMap: { 'node-a.internal:7000': '127.0.0.1:17000' },
      replyBuilder: typedReplies,
      retryBackoff: { baseMs: 1, maxMs: 8 },
      timerWheel: { tickMs: 2 },
      limits: { maxDepth: 8 },
      spin: 0,
    });

    it('is plain data: no function crosses, and structured cloning keeps every value', () => {
      const data = toWorkerOptions(resolved);
      expect(functionsIn(data)).to.deep.equal([]);
      expect(structuredClone(data)).to.deep.equal(data);
      for (const name of [
        'replyBuilder',
        'random',
        'spin',
        'callTimeout',
        'pipelineRedirects',
        'bufferBytes',
      ]) {
        expect(data).to.not.have.property(name);
      }
    });

    it("turns back into the engine's options: the address table maps as before, the settings unchanged", () => {
      const engine = fromWorkerOptions(structuredClone(toWorkerOptions(resolved)));
      expect(engine.addressMap!({ host: 'node-a.internal', port: 7000 })).to.deep.equal({
        host: '127.0.0.1',
        port: 17000,
      });
      expect(engine.addressMap!({ host: 'h', port: 1 })).to.deep.equal({ host: 'h', port: 1 });
      expect(engine).to.deep.include({
        seeds: [
          { host: 'h', port: 1 },
          { host: 'h', port: 2 },
        ],
        password: 'pw',
        commandTimeout: 50,
        connectTimeout: 10_000,
        maxRetry: 5,
        retryBackoff: { baseMs: 1, maxMs: 8 },
        timerWheel: { tickMs: 2 },
        random: Math.random,
        // The worker's engine builds no reply the caller sees: the caller's builder stays with the caller.
        replyBuilder: plainReplies,
      });
      expect(engine.limits.maxDepth).to.equal(8);
      const noMap = fromWorkerOptions(
        structuredClone(toWorkerOptions(resolveBlockingOptions({ nodes: 'h:1' }))),
      );
      expect(noMap.addressMap).to.equal(undefined);
    });
  });
});
