/**
 * Whole-cluster commands on the plain cluster, both faces: every command the table tips (DBSIZE, KEYS,
 * FLUSHALL, SCRIPT, FUNCTION, CONFIG SET, LATENCY, MEMORY, SLOWLOG, PING, RANDOMKEY, WAIT, INFO) checked
 * against what the nodes report one by one; explicit routes; a node's error named in the aggregate; the
 * hiredis-named calls' refusal and the tipRouting option.
 */
import { expect } from 'chai';
import { COMMANDS } from '../../lib/cluster/commands.generated.js';
import { ClusterError, ReplyError } from '../../lib/errors.js';
import { rejectionOf } from '../support/async-helpers.js';
import { PLAIN } from '../support/clusters.js';
import { FACES, type WholeClusterFace } from '../support/whole-cluster-faces.js';

const NO_KEYS = 'No keys in command(must have keys for redis cluster mode)';
const LIBRARY = "#!lua name=wholecluster\nredis.register_function('wc_one', function() return 1 end)";

for (const [faceName, open] of FACES) {
  describe(`integration: whole-cluster commands (${faceName})`, function () {
    this.timeout(30_000);
    let face: WholeClusterFace;
    let replicas: WholeClusterFace;
    let primaries: string[];
    const perNode = async (command: string, ...args: (string | number)[]) =>
      Promise.all(primaries.map((node) => face.sendTo({ node }, command, ...args)));

    before(async () => {
      face = await open({ nodes: PLAIN[0]! });
      replicas = await open({ nodes: PLAIN[0]!, parseReplicas: true });
      primaries = [...(await face.sendEach('primaries', 'PING')).keys()];
      expect(primaries).to.have.length(3);
    });
    after(() => {
      face.close();
      replicas.close();
    });
    beforeEach(async () => {
      await face.send('FLUSHALL');
      await face.send('FUNCTION', 'FLUSH');
      for (let i = 0; i < 30; i++) await face.send('SET', `wc:${i}`, i);
    });

    it('the table carries the tips as fields', () => {
      expect(COMMANDS.DBSIZE!.requestPolicy).to.equal('all_shards');
      expect(COMMANDS.DBSIZE!.responsePolicy).to.equal('agg_sum');
      expect(COMMANDS['SCRIPT EXISTS']!.responsePolicy).to.equal('agg_logical_and');
      expect(COMMANDS['CONFIG SET']!.requestPolicy).to.equal('all_nodes');
      expect(COMMANDS.GET!.requestPolicy).to.equal(undefined);
    });

    it('DBSIZE sums the primaries', async () => {
      const sizes = (await perNode('DBSIZE')) as number[];
      expect(sizes.every((n) => n > 0)).to.equal(true);
      expect(await face.send('DBSIZE')).to.equal(30);
      expect(sizes.reduce((a, b) => a + b)).to.equal(30);
    });

    it('KEYS concatenates the primaries', async () => {
      const keys = (await face.send('KEYS', 'wc:*')) as string[];
      const each = ((await perNode('KEYS', 'wc:*')) as string[][]).flat();
      expect([...keys].sort()).to.deep.equal([...each].sort());
      expect(keys).to.have.length(30);
    });

    it('FLUSHALL and FLUSHDB succeed on every primary', async () => {
      expect(await face.send('FLUSHDB')).to.equal('OK');
      expect(await perNode('DBSIZE')).to.deep.equal([0, 0, 0]);
      await face.send('SET', 'wc:again', 1);
      expect(await face.send('FLUSHALL')).to.equal('OK');
      expect(await face.send('DBSIZE')).to.equal(0);
    });

    it('PING all primaries, RANDOMKEY one, WAIT the minimum, a keyless command without a tip one', async () => {
      expect(await face.send('PING')).to.equal('PONG');
      expect(await face.send('RANDOMKEY')).to.match(/^wc:\d+$/);
      expect(await face.send('WAIT', 0, 0)).to.equal(0);
      expect(await face.send('LASTSAVE')).to.be.a('number');
      expect(await face.send('TIME')).to.have.length(2);
    });

    it('SCRIPT LOAD on all nodes, SCRIPT EXISTS with logical AND, SCRIPT FLUSH', async () => {
      const sha = (await face.send('SCRIPT', 'LOAD', 'return 7')) as string;
      expect(sha).to.match(/^[0-9a-f]{40}$/);
      expect(await perNode('SCRIPT', 'EXISTS', sha)).to.deep.equal([[1], [1], [1]]);
      expect(await face.send('SCRIPT', 'EXISTS', sha, 'f'.repeat(40))).to.deep.equal([1, 0]);
      await face.sendTo({ node: primaries[1]! }, 'SCRIPT', 'FLUSH');
      expect(await face.send('SCRIPT', 'EXISTS', sha)).to.deep.equal([0]);
      expect(await face.send('SCRIPT', 'FLUSH')).to.equal('OK');
    });

    it('FUNCTION LOAD / DELETE / RESTORE on every primary; STATS per node', async () => {
      expect(await face.send('FUNCTION', 'LOAD', LIBRARY)).to.equal('wholecluster');
      expect(((await perNode('FUNCTION', 'LIST')) as unknown[][]).map((l) => l.length)).to.deep.equal([
        1, 1, 1,
      ]);
      const binary = await open({ nodes: PLAIN[0]!, returnBuffers: true });
      try {
        const dump = (await binary.sendTo({ node: primaries[0]! }, 'FUNCTION', 'DUMP')) as Buffer;
        expect(await face.send('FUNCTION', 'DELETE', 'wholecluster')).to.equal('OK');
        expect(String(await binary.send('FUNCTION', 'RESTORE', dump))).to.equal('OK');
      } finally {
        binary.close();
      }
      const stats = (await face.send('FUNCTION', 'STATS')) as Map<string, unknown>;
      expect([...stats.keys()]).to.deep.equal(primaries);
    });

    it('an error from one node fails the aggregate, naming the node', async () => {
      await face.sendTo({ node: primaries[2]! }, 'FUNCTION', 'LOAD', LIBRARY);
      const err = await rejectionOf(face.send('FUNCTION', 'LOAD', LIBRARY));
      expect(err).to.be.instanceOf(ReplyError);
      expect(err.message).to.equal(`ERR Library 'wholecluster' already exists (node ${primaries[2]})`);
      const each = await face.sendEach('primaries', 'FUNCTION', 'LOAD', LIBRARY);
      expect(each.get(primaries[2]!)).to.be.instanceOf(ReplyError);
      expect(each.get(primaries[0]!)).to.be.instanceOf(ReplyError); // loaded by the failed call above
    });

    it('one_succeeded fails only when every node does (SCRIPT KILL, FUNCTION KILL)', async () => {
      const err = await rejectionOf(face.send('SCRIPT', 'KILL'));
      expect(err.message).to.equal(`NOTBUSY No scripts in execution right now. (node ${primaries[0]})`);
      expect((await rejectionOf(face.send('FUNCTION', 'KILL'))).message).to.match(
        /^NOTBUSY .* \(node 127\.0\.0\.1:70\d\d\)$/,
      );
    });

    it('CONFIG SET, LATENCY, SLOWLOG go to all nodes (replicas with parseReplicas)', async () => {
      const current = (
        (await face.sendTo('random-primary', 'CONFIG', 'GET', 'slowlog-max-len')) as string[]
      )[1]!;
      expect(await replicas.send('CONFIG', 'SET', 'slowlog-max-len', current)).to.equal('OK');
      const bad = await rejectionOf(replicas.send('CONFIG', 'SET', 'no-such-setting', '1'));
      expect(bad.message).to.match(
        /^ERR Unknown option or number of arguments for CONFIG SET - 'no-such-setting' \(node 127\.0\.0\.1:70\d\d\)$/,
      );
      const latest = (await replicas.send('LATENCY', 'LATEST')) as Map<string, unknown>;
      expect(latest.size).to.equal(6);
      expect(await replicas.send('LATENCY', 'RESET')).to.be.a('number');
      expect(await replicas.send('SLOWLOG', 'RESET')).to.equal('OK');
      expect(await replicas.send('SLOWLOG', 'LEN')).to.be.a('number');
      expect(await replicas.send('SLOWLOG', 'GET')).to.be.an('array');
    });

    it('INFO and MEMORY STATS answer per node; MEMORY PURGE all succeeded', async () => {
      const info = (await face.send('INFO', 'server')) as Map<string, string>;
      expect([...info.keys()]).to.deep.equal(primaries);
      for (const text of info.values()) expect(text).to.contain('redis_version');
      expect(((await face.send('MEMORY', 'STATS')) as Map<string, unknown>).size).to.equal(3);
      expect(await face.send('MEMORY', 'PURGE')).to.equal('OK');
    });

    it('explicit routes: primaries, all nodes, random, a node, a slot, a key', async () => {
      expect(await face.sendTo('primaries', 'DBSIZE')).to.equal(30);
      expect((await replicas.sendEach('all-nodes', 'PING')).size).to.equal(6);
      expect(primaries).to.include([...(await face.sendEach('random-primary', 'PING')).keys()][0]);
      expect(await replicas.sendTo('random-node', 'PING')).to.equal('PONG');
      expect(await face.sendTo({ node: primaries[0]! }, 'PING', 'x')).to.equal('x');
      expect(await face.sendTo({ key: 'wc:3' }, 'GET', 'wc:3')).to.equal('3');
      expect(await face.sendTo({ slot: 0 }, 'CLUSTER', 'COUNTKEYSINSLOT', 0)).to.be.a('number');
      const each = await face.sendEach({ key: 'wc:3' }, 'GET', 'wc:3');
      expect([...each.values()]).to.deep.equal(['3']);
      const bad = await rejectionOf(face.sendTo({ slot: 16384 }, 'PING'));
      expect(bad).to.be.instanceOf(ClusterError);
      expect(bad.message).to.equal('Invalid route: slot 16384 is not in 0-16383');
    });

    it('the hiredis-named calls refuse a keyless command unless tipRouting is on', async () => {
      expect((await rejectionOf(face.commandArgv(['DBSIZE']))).message).to.equal(NO_KEYS);
      const tips = await open({ nodes: PLAIN[0]!, tipRouting: true });
      try {
        expect(await tips.commandArgv(['DBSIZE'])).to.equal(30);
      } finally {
        tips.close();
      }
    });

    it('SCAN has no cluster-wide reply: send refuses it', async () => {
      expect((await rejectionOf(face.send('SCAN', 0))).message).to.equal(
        'SCAN has no cluster-wide reply: use scan(), or send it to a node',
      );
    });
  });
}
