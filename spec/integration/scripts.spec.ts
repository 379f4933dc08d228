/**
 * Scripts and functions on the plain cluster, both faces: `defineScript` sends EVALSHA by its first key (no
 * keys: a random primary), falls back to EVAL on NOSCRIPT after a SCRIPT FLUSH and remembers the node;
 * `load()` runs SCRIPT LOAD on every primary; bad input gets clear errors; FUNCTION LOAD through `send`'s
 * tips reaches every primary, so FCALL by key works anywhere.
 */
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import { ClusterError, ReplyError } from '../../lib/errors.js';
import type { CommandArg } from '../../lib/resp/encode.js';
import { PLAIN } from '../support/clusters.js';

/** Both faces behind one promise-shaped interface: the blocking face's throws become rejections. */
interface ScriptFace {
  defineScript(
    lua: unknown,
    options: unknown,
  ): {
    call(...args: CommandArg[]): Promise<unknown>;
    load(): Promise<string>;
    cachedOn: ReadonlySet<string>;
  };
  send(command: string, ...args: CommandArg[]): Promise<unknown>;
  sendTo(address: string, command: string, ...args: CommandArg[]): Promise<unknown>;
  primaries(): Promise<string[]>;
  fcall(name: string, keys: string[], ...args: string[]): Promise<unknown>;
  nodeOf(key: string): string;
  close(): void;
}

const FACES: [string, () => Promise<ScriptFace>][] = [
  [
    'BlockingClusterContext',
    async () => {
      const cc = new BlockingClusterContext({ nodes: PLAIN[0]! });
      cc.connect();
      return {
        defineScript: (lua, options) => {
          const script = cc.defineScript(lua as string, options as { keys: number });
          return {
            call: async (...args) => script(...args),
            load: async () => script.load(),
            cachedOn: script.cachedOn,
          };
        },
        send: async (command, ...args) => cc.send(command, ...args),
        sendTo: async (node, command, ...args) => cc.sendTo({ node }, command, ...args),
        primaries: async () => [...cc.sendEach('primaries', 'PING').keys()],
        fcall: async (name, keys, ...args) => cc.fcall(name, keys, ...args),
        nodeOf: (key) => cc.nodeForKey(key)!.addr,
        close: () => cc.close(),
      };
    },
  ],
  [
    'AsyncClusterContext',
    async () => {
      const acc = new AsyncClusterContext({ nodes: PLAIN[0]! });
      await acc.connect();
      return {
        defineScript: (lua, options) => {
          const script = acc.defineScript(lua as string, options as { keys: number });
          return { call: (...args) => script(...args), load: () => script.load(), cachedOn: script.cachedOn };
        },
        send: (command, ...args) => acc.send(command, ...args),
        sendTo: (node, command, ...args) => acc.sendTo({ node }, command, ...args),
        primaries: async () => [...(await acc.sendEach('primaries', 'PING')).keys()],
        fcall: (name, keys, ...args) => acc.fcall(name, keys, ...args),
        nodeOf: (key) => acc.nodeForKey(key)!.addr,
        close: () => acc.free(),
      };
    },
  ],
];

const INCRBY = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
const LIBRARY =
  "#!lua name=scriptsspec\nredis.register_function('ss_get', function(keys) return redis.call('GET', keys[1]) end)";

for (const [faceName, open] of FACES) {
  describe(`integration: scripts and functions (${faceName})`, function () {
    this.timeout(30_000);
    let face: ScriptFace;
    let primaries: string[];

    /** A node's count of calls to `command` (INFO commandstats). */
    const calls = async (address: string, command: string): Promise<number> => {
      const info = String(await face.sendTo(address, 'INFO', 'commandstats'));
      return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
    };

    before(async () => {
      face = await open();
      primaries = await face.primaries();
      expect(primaries).to.have.length(3);
    });
    after(() => face.close());
    beforeEach(async () => {
      for (const node of primaries) await face.sendTo(node, 'SCRIPT', 'FLUSH');
    });

    it('falls back to EVAL on NOSCRIPT, then runs by EVALSHA on the node it remembers', async () => {
      const key = `scripts:${faceName}:n`;
      const node = face.nodeOf(key);
      await face.send('DEL', key);
      const script = face.defineScript(INCRBY, { keys: 1 });
      const evals = await calls(node, 'eval');
      const evalshas = await calls(node, 'evalsha');
      expect(await script.call(key, '5')).to.equal(5);
      expect(await calls(node, 'eval')).to.equal(evals + 1);
      expect(await calls(node, 'evalsha')).to.equal(evalshas + 1);
      expect([...script.cachedOn]).to.deep.equal([node]);
      expect(await script.call(key, 2)).to.equal(7);
      expect(await calls(node, 'eval')).to.equal(evals + 1);
      expect(await calls(node, 'evalsha')).to.equal(evalshas + 2);
    });

    it('a number as the first key is routed as its decimal string', async () => {
      const script = face.defineScript("return redis.call('SET', KEYS[1], ARGV[1])", { keys: 1 });
      expect(await script.call(12345, 'v')).to.equal('OK');
      expect(await face.send('GET', '12345')).to.equal('v');
      expect([...script.cachedOn]).to.deep.equal([face.nodeOf('12345')]);
    });

    it('a script without keys runs on a primary', async () => {
      const script = face.defineScript("return 'hi ' .. ARGV[1]", { keys: 0 });
      expect(await script.call('there')).to.equal('hi there');
      expect(script.cachedOn.size).to.equal(1);
      expect(primaries).to.include([...script.cachedOn][0]);
    });

    it('load() runs SCRIPT LOAD on every primary; calls then need no EVAL', async () => {
      const script = face.defineScript(INCRBY, { keys: 1 });
      const sha = await script.load();
      expect(sha).to.match(/^[0-9a-f]{40}$/);
      expect([...script.cachedOn].sort()).to.deep.equal([...primaries].sort());
      for (const node of primaries)
        expect(await face.sendTo(node, 'SCRIPT', 'EXISTS', sha)).to.deep.equal([1]);
      const key = `scripts:${faceName}:loaded`;
      const node = face.nodeOf(key);
      await face.send('DEL', key);
      const evals = await calls(node, 'eval');
      expect(await script.call(key, '3')).to.equal(3);
      expect(await calls(node, 'eval')).to.equal(evals);
    });

    it("a script's error reply is thrown as a ReplyError", async () => {
      const script = face.defineScript("return redis.error_reply('NOPE bad')", { keys: 0 });
      const err = await script.call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ReplyError);
      expect((err as ReplyError).message).to.equal('NOPE bad');
    });

    it('bad input gets clear errors', async () => {
      expect(() => face.defineScript('', { keys: 1 })).to.throw(
        ClusterError,
        'defineScript: lua must be a non-empty string, got ""',
      );
      expect(() => face.defineScript(undefined, { keys: 1 })).to.throw(
        'defineScript: lua must be a non-empty string, got undefined',
      );
      expect(() => face.defineScript(INCRBY, { keys: 1.5 })).to.throw(
        'defineScript: options.keys must be an integer >= 0, got 1.5',
      );
      expect(() => face.defineScript(INCRBY, {})).to.throw(
        'defineScript: options.keys must be an integer >= 0, got undefined',
      );
      const script = face.defineScript(INCRBY, { keys: 2 });
      const err = await script.call('only-one').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(ClusterError);
      expect((err as Error).message).to.match(/^script [0-9a-f]{40} takes 2 keys, got 1 argument$/);
    });

    it('FUNCTION LOAD through send reaches every primary; FCALL goes by key', async () => {
      expect(await face.send('FUNCTION', 'LOAD', 'REPLACE', LIBRARY)).to.equal('scriptsspec');
      for (let i = 0; i < 6; i++) {
        const key = `scripts:${faceName}:f${i}`;
        await face.send('SET', key, `v${i}`);
        expect(await face.fcall('ss_get', [key])).to.equal(`v${i}`);
      }
      await face.send('FUNCTION', 'DELETE', 'scriptsspec');
    });
  });
}

describe('integration: scripts before the first slot map', function () {
  this.timeout(30_000);

  it('the async face: a script call made before connect() resolves waits in the offline queue', async () => {
    const acc = new AsyncClusterContext({ nodes: PLAIN[0]! });
    try {
      const script = acc.defineScript("return redis.call('SET', KEYS[1], ARGV[1])", { keys: 1 });
      const early = script('scripts:early', 'v');
      await acc.connect();
      expect(await early).to.equal('OK');
      expect(await acc.get('scripts:early')).to.equal('v');
    } finally {
      acc.free();
    }
  });

  it('the blocking face: a script call made before connect() connects by itself', () => {
    const cc = new BlockingClusterContext({ nodes: PLAIN[0]! });
    try {
      const script = cc.defineScript("return redis.call('GET', KEYS[1])", { keys: 1 });
      expect(script('scripts:early-sync-missing')).to.equal(null);
    } finally {
      cc.close();
    }
  });
});
