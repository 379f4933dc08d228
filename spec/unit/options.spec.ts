import { expect } from 'chai';
import { ClusterError, REDIS_ERR_OTHER } from '../../lib/errors.js';
import { type ClusterOptions, parseNodeList, resolveOptions } from '../../lib/options.js';
import { plainRepliesWith, typedReplies } from '../../lib/resp/build.js';

function failure(options: unknown): ClusterError {
  try {
    resolveOptions(options as ClusterOptions);
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
      maxRetry: 5,
      useClusterNodes: false,
      parseReplicas: false,
      parseOpenSlots: false,
      tls: undefined,
      resp: 2,
      selectDb: 0,
      addressMap: undefined,
      maxPending: 100_000,
      retryBackoff: undefined,
      timerWheel: undefined,
    });
    expect(o.limits).to.deep.equal({
      maxBulkLength: 512 * 1024 * 1024,
      maxAggregateElements: 1 << 24,
      maxDepth: 64,
    });
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

  const refused: [string, unknown, string][] = [
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
  }
});
