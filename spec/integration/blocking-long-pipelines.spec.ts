/**
 * Long pipelines of the blocking context on the real plain cluster (hundreds of commands), with what a caller
 * may do around them: replies in append order, split commands merged, other calls between appends answered
 * with their own replies (the pipeline's kept in order), reset() and close() with commands appended, a request
 * area that grows, a worker that dies between appends (every command gets the error, no append throws), a
 * deadline.
 */
import { expect } from 'chai';
import { BlockingClusterContext, type BlockingOptions } from '../../lib/blocking/blocking-context.js';
import { REDIS_ERR_OTHER, REDIS_ERR_TIMEOUT } from '../../lib/errors.js';
import { PLAIN } from '../support/clusters.js';
import { thrown } from '../support/failures.js';

const contexts: BlockingClusterContext[] = [];

function open(options: BlockingOptions): BlockingClusterContext {
  const cc = new BlockingClusterContext(options);
  contexts.push(cc);
  cc.connect();
  return cc;
}

function replies(cc: BlockingClusterContext, count: number): unknown[] {
  return Array.from({ length: count }, () => cc.getReply());
}

/** Keys in three slots served by three different masters. */
const SPREAD = ['sspec:{a}', 'sspec:{b}', 'sspec:{c}'];

describe('integration: BlockingClusterContext long pipelines', () => {
  let cc: BlockingClusterContext;
  beforeEach(() => {
    cc = open({ nodes: PLAIN[0]! });
    for (const node of cc.nodes()) expect(cc.commandToNode(node, 'FLUSHALL')).to.equal('OK');
  });
  afterEach(() => {
    for (const c of contexts.splice(0)) c.close();
  });

  it('a call between appends runs at once (appended commands leave at the first getReply, as in hiredis)', () => {
    for (let i = 0; i < 300; i++) cc.appendCommand('SET sspec:k:%d %d', i, i);
    expect(cc.command('GET sspec:k:299')).to.equal(null);
    for (let i = 0; i < 300; i++) cc.appendCommand('GET sspec:k:%d', i);
    expect(cc.send('INCR', 'sspec:n')).to.equal(1);
    cc.appendCommand('GET sspec:n');
    const got = replies(cc, 601);
    expect(got.slice(0, 300).every((r) => r === 'OK')).to.equal(true);
    expect(got.slice(300, 600)).to.deep.equal(Array.from({ length: 300 }, (_, i) => String(i)));
    expect(got[600]).to.equal('1');
    cc.reset();
    expect(thrown(() => cc.getReply())).to.deep.equal([
      REDIS_ERR_OTHER,
      'no pending replies (append a command first)',
    ]);
  });

  it('split multi-key commands among hundreds of others come back merged, in append order', () => {
    const expected: unknown[] = [];
    for (let i = 0; i < 200; i++) {
      cc.appendCommand('MSET %s %d %s %d %s %d', SPREAD[0], i, SPREAD[1], i + 1, SPREAD[2], i + 2);
      cc.appendCommandArgv(['MGET', SPREAD[2]!, 'sspec:none', SPREAD[0]!]);
      expected.push('OK', [String(i + 2), null, String(i)]);
    }
    expect(replies(cc, 400)).to.deep.equal(expected);
    cc.reset();
  });

  it('transactions, ToNode calls and a slot-map update between appends run at once; the replies stay in order', () => {
    for (let i = 0; i < 100; i++) cc.appendCommand('RPUSH sspec:list %d', i);
    expect(cc.multi().add('LLEN', 'sspec:list').add('LINDEX', 'sspec:list', '-1').exec()).to.deep.equal([
      0,
      null,
    ]);
    for (let i = 0; i < 100; i++) cc.appendCommand('LPOP sspec:list');
    const node = cc.nodeForKey('sspec:list')!;
    expect(cc.commandToNode(node, 'EXISTS sspec:list')).to.equal(0);
    for (let i = 0; i < 100; i++) cc.appendCommand('RPUSH sspec:list %d', i);
    cc.updateSlotmap();
    const got = replies(cc, 300);
    expect(got.slice(0, 100)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(got.slice(100, 200)).to.deep.equal(Array.from({ length: 100 }, (_, i) => String(i)));
    expect(got.slice(200)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
    cc.reset();
  });

  it('reset() sends what was appended and drops its replies; the next calls get their own', () => {
    for (let i = 0; i < 500; i++) cc.appendCommand('INCR sspec:c');
    cc.reset();
    expect(cc.command('GET sspec:c')).to.equal('500');
    for (let i = 0; i < 100; i++) cc.appendCommand('INCR sspec:c');
    expect(cc.getReply()).to.equal(501);
    cc.reset();
    expect(cc.command('GET sspec:c')).to.equal('600');
  });

  it('close() with commands appended: the worker acknowledges it (an unacknowledged close waits 1 s, then terminates)', () => {
    const d = open({ nodes: PLAIN[0]! });
    for (let i = 0; i < 500; i++) d.appendCommand('INCR sspec:closed');
    const started = performance.now();
    d.close();
    expect(performance.now() - started).to.be.below(500);
  });

  it('a request area that grows keeps every command (4 KiB of shared memory, 1000 commands)', () => {
    const d = open({ nodes: PLAIN[0]!, bufferBytes: 4096 });
    const value = 'x'.repeat(100);
    for (let i = 0; i < 500; i++) {
      d.appendCommand('SET sspec:g:%d %s%d', i, value, i);
      d.appendCommand('GET sspec:g:%d', i);
    }
    const got = replies(d, 1000);
    expect(got).to.deep.equal(
      Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 'OK' : `${value}${i >> 1}`)),
    );
    d.reset();
  });

  it('a worker killed between appends: appends go on, every command gets the death, later calls too', async () => {
    const d = open({ nodes: PLAIN[0]! });
    for (let i = 0; i < 100; i++) d.appendCommand('INCR sspec:dead');
    const channel = (d as unknown as { channel: { worker: { terminate(): Promise<number> } } }).channel;
    await channel.worker.terminate();
    for (let i = 0; i < 100; i++) d.appendCommand('INCR sspec:dead');
    const messages = new Set(Array.from({ length: 200 }, () => thrown(() => d.getReply()).join(' ')));
    expect([...messages]).to.deep.equal([`${REDIS_ERR_OTHER} Worker thread died: exited with code 1`]);
    expect(thrown(() => d.command('GET sspec:dead'))).to.deep.equal([
      REDIS_ERR_OTHER,
      'Worker thread died: exited with code 1',
    ]);
  });

  it('a long pipeline past its deadline: every command gets "Timeout"; the next pipeline its own replies', () => {
    const d = open({ nodes: PLAIN[0]!, callTimeout: 300 });
    expect(d.command('SET sspec:pd v')).to.equal('OK');
    const node = d.nodeForKey('sspec:pd')!;
    d.appendCommandToNode(node, 'DEBUG SLEEP 0.45');
    for (let i = 0; i < 199; i++) d.appendCommand('GET sspec:pd');
    const started = performance.now();
    const outcomes = new Set(Array.from({ length: 200 }, () => thrown(() => d.getReply()).join(' ')));
    const took = performance.now() - started;
    d.reset();
    for (let i = 0; i < 100; i++) d.appendCommand('GET sspec:pd');
    d.appendCommand('GET sspec:none');
    const got = replies(d, 101);
    expect(got.slice(0, 100).every((r) => r === 'v')).to.equal(true);
    expect(got[100]).to.equal(null);
    d.reset();
    expect(took).to.be.within(295, 600);
    expect([...outcomes]).to.deep.equal([`${REDIS_ERR_TIMEOUT} Timeout`]);
  });
});
