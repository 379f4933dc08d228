/**
 * Commands that change a link's state never reach a node's shared command link, on the real plain
 * cluster: each is refused at the call in every call form of both faces and both protocols, with its
 * exact refusal, and the link it would have run on keeps serving other commands their own replies (no
 * link dropped, none reopened). First the reproductions of issue 14, then the whole table. Keys
 * `linkstate:*`, deleted after.
 */
import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext } from '../../lib/blocking/blocking-context.js';
import type { ClusterNode } from '../../lib/cluster/slotmap.js';
import { REDIS_ERR_OTHER as OTHER } from '../../lib/errors.js';
import { pubsubCommandOf } from '../../lib/face/pubsub-input.js';
import { encodeArgv } from '../../lib/resp/encode.js';
import { Outcomes } from '../support/async-helpers.js';
import { PLAIN } from '../support/clusters.js';
import { blockingFailure, type Failure, rejected, thrown } from '../support/failures.js';
import { LINK_STATE_REFUSALS, refusalOf } from '../support/link-state-commands.js';

const KEY = 'linkstate:{k}';
const VALUE = 'own reply';

/** `{key}` in an argv is the spec's key (SSUBSCRIBE and WATCH name one). */
function withKey(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg === '{key}' ? KEY : arg));
}

for (const resp of [2, 3] as const) {
  describe(`integration: link-state commands are refused, the shared link serves on (RESP${resp})`, function () {
    this.timeout(20_000);
    let acc: AsyncClusterContext;
    let cc: BlockingClusterContext;
    let node: ClusterNode;
    /** Links opened and dropped since the test began: the shared links must stay as they are. */
    const events: string[] = [];

    before(async () => {
      acc = new AsyncClusterContext({ nodes: PLAIN[0]!, resp });
      await acc.connect();
      cc = new BlockingClusterContext({ nodes: PLAIN[0]!, resp });
      cc.connect();
      node = acc.nodeForKey(KEY)!;
      for (const [face, context] of [
        ['async', acc],
        ['blocking', cc],
      ] as const) {
        context.on('connect', (link) => events.push(`${face} connect ${link.port}`));
        context.on('disconnect', (link, err) =>
          events.push(`${face} disconnect ${link.port} ${err?.message}`),
        );
      }
    });

    after(async () => {
      await acc?.send('DEL', KEY, 'linkstate:{k}other');
      acc?.free();
      cc?.close();
    });

    beforeEach(async () => {
      expect(await acc.send('SET', KEY, VALUE)).to.equal('OK');
      // Both faces' links to the key's node are open before the test begins.
      expect(await acc.sendToNode(node, 'GET', KEY)).to.equal(VALUE);
      expect(cc.commandToNode(node, 'GET %s', KEY)).to.equal(VALUE);
      events.length = 0;
    });

    afterEach(() => {
      // No link was dropped or reopened: the refused command never reached one.
      expect(events).to.deep.equal([]);
    });

    describe('the reproductions of issue 14', () => {
      it("sendToNode(node, 'SUBSCRIBE', 'a', 'b') is refused; the next GET on that link gets its own reply", async () => {
        expect(await rejected(acc.sendToNode(node, 'SUBSCRIBE', 'linkstate:a', 'linkstate:b'))).to.deep.equal(
          [OTHER, refusalOf('SUBSCRIBE')],
        );
        expect(await acc.send('GET', KEY)).to.equal(VALUE);
        expect(await acc.sendToNode(node, 'GET', KEY)).to.equal(VALUE);
      });

      it("send('SSUBSCRIBE', ch) is refused; each later command gets its own reply, not its successor's", async () => {
        expect(await rejected(acc.send('SSUBSCRIBE', KEY))).to.deep.equal([OTHER, refusalOf('SSUBSCRIBE')]);
        const replies = await Promise.all([
          acc.send('SET', 'linkstate:{k}other', 1),
          acc.send('INCR', 'linkstate:{k}other'),
          acc.send('GET', KEY),
          acc.send('INCRBY', 'linkstate:{k}other', 10),
        ]);
        expect(replies).to.deep.equal(['OK', 2, VALUE, 12]);
      });

      it("MULTI through ToNode is refused: another user's write on that link is applied, not queued and lost", async () => {
        const outcomes = new Outcomes();
        expect(acc.commandToNode(node, outcomes.callback, 'multi', 'MULTI')).to.equal(false);
        expect([acc.err, acc.errstr]).to.deep.equal([OTHER, refusalOf('MULTI')]);
        // Another user of the same context: its routed write goes on the same shared link.
        expect(await acc.send('SET', KEY, 'written')).to.equal('OK');
        expect(await acc.send('GET', KEY)).to.equal('written');
        expect(outcomes.list).to.deep.equal([]);
      });

      it('MONITOR, CLIENT REPLY OFF|SKIP, SELECT, AUTH, HELLO, RESET, QUIT through ToNode leave the link as it was', async () => {
        const argvs = [
          ['MONITOR'],
          ['CLIENT', 'REPLY', 'OFF'],
          ['CLIENT', 'REPLY', 'SKIP'],
          ['SELECT', '0'],
          ['AUTH', 'secretword'],
          ['HELLO', resp === 2 ? '3' : '2'],
          ['RESET'],
          ['QUIT'],
        ];
        for (const argv of argvs) {
          const name = argv[0] === 'CLIENT' ? 'CLIENT REPLY' : argv[0]!;
          expect(await rejected(acc.sendToNode(node, argv[0]!, ...argv.slice(1)))).to.deep.equal([
            OTHER,
            refusalOf(name),
          ]);
          expect(await acc.sendToNode(node, 'GET', KEY)).to.equal(VALUE);
          expect(blockingFailure(cc, () => cc.commandToNode(node, argv.join(' ')))).to.deep.equal([
            OTHER,
            refusalOf(name),
          ]);
          expect(cc.commandToNode(node, 'GET %s', KEY)).to.equal(VALUE);
        }
      });

      it("the blocking face: commandToNode(node, 'SUBSCRIBE a b') is refused; the next command gets its own reply", () => {
        expect(
          blockingFailure(cc, () => cc.commandToNode(node, 'SUBSCRIBE linkstate:a linkstate:b')),
        ).to.deep.equal([OTHER, refusalOf('SUBSCRIBE')]);
        expect(cc.command('GET %s', KEY)).to.equal(VALUE);
        expect(cc.commandToNode(node, 'GET %s', KEY)).to.equal(VALUE);
      });
    });

    describe('transactions and WATCH sessions refuse them too', () => {
      afterEach(() => {
        // A session opens a dedicated link of its own; none may be dropped.
        const dropped = events.filter((event) => !/ connect /.test(event));
        events.length = 0;
        events.push(...dropped);
      });
      /** Commands a transaction's add() refuses, with the refusal's text (SUBSCRIBE would run at EXEC). */
      const inTransaction: [argv: string[], message: string][] = [
        [['SUBSCRIBE', 'linkstate:a'], refusalOf('SUBSCRIBE')],
        [['SELECT', '0'], refusalOf('SELECT')],
        [['MULTI'], refusalOf('MULTI')],
        [['CLIENT', 'REPLY', 'OFF'], refusalOf('CLIENT REPLY')],
        [[''], 'Invalid command: missing command name'],
      ];

      /** Commands a WATCH session's send() refuses: its link goes back to the pool, and must go back clean. */
      const onSession: [argv: string[], message: string][] = [
        [['SELECT', '0'], refusalOf('SELECT')],
        [['CLIENT', 'SETNAME', 'linkstate'], refusalOf('CLIENT SETNAME')],
        [['MULTI'], refusalOf('MULTI')],
        [['EXEC'], refusalOf('EXEC')],
        [['SSUBSCRIBE', KEY], refusalOf('SSUBSCRIBE')],
      ];

      it('async face: add() refuses them, the transaction runs with the rest', async () => {
        const tx = acc.multi();
        for (const [argv, message] of inTransaction)
          expect(
            thrown(() => tx.add(argv[0]!, ...argv.slice(1))),
            argv.join(' '),
          ).to.deep.equal([OTHER, message]);
        expect(await tx.add('SET', KEY, 'tx').add('GET', KEY).exec()).to.deep.equal(['OK', 'tx']);
      });

      it("async face: a session's send() refuses them, WATCH and UNWATCH pass, its transaction runs", async () => {
        await acc.send('SET', KEY, VALUE);
        const session = await acc.watch(KEY);
        for (const [argv, message] of onSession)
          expect(await rejected(session.send(argv[0]!, ...argv.slice(1))), argv.join(' ')).to.deep.equal([
            OTHER,
            message,
          ]);
        expect(await session.send('UNWATCH')).to.equal('OK');
        expect(await session.send('watch', KEY)).to.equal('OK');
        expect(await session.send('GET', KEY)).to.equal(VALUE);
        expect(await session.multi().add('SET', KEY, 'session').exec()).to.deep.equal(['OK']);
        expect(await acc.send('GET', KEY)).to.equal('session');
      });

      it('blocking face: add() and a session send() refuse them; the rest runs', () => {
        const tx = cc.multi();
        for (const [argv, message] of inTransaction)
          expect(
            thrown(() => tx.add(argv[0]!, ...argv.slice(1))),
            argv.join(' '),
          ).to.deep.equal([OTHER, message]);
        expect(tx.add('SET', KEY, 'tx').add('GET', KEY).exec()).to.deep.equal(['OK', 'tx']);
        const session = cc.watch(KEY);
        for (const [argv, message] of onSession)
          expect(
            thrown(() => session.send(argv[0]!, ...argv.slice(1))),
            argv.join(' '),
          ).to.deep.equal([OTHER, message]);
        expect(session.send('WATCH', KEY)).to.equal('OK');
        expect(session.multi().add('SET', KEY, 'session').exec()).to.deep.equal(['OK']);
        expect(cc.command('GET %s', KEY)).to.equal('session');
      });
    });

    describe('every link-state command, in every call form of both faces', () => {
      for (const [template, message] of LINK_STATE_REFUSALS) {
        it(`${template.join(' ')}: ${message}`, async () => {
          const argv = withKey(template);
          const format = argv.map(() => '%s').join(' ');
          const bytes = encodeArgv(argv);
          const refusal: Failure = [OTHER, message];
          let called = 0;
          const fn = () => called++;
          // The routed forms run a subscribe-family command hiredis' way (spec/support/pubsub-behaviour.ts).
          const routed: (() => boolean)[] =
            pubsubCommandOf(argv) !== null
              ? []
              : [
                  () => acc.command(fn, null, format, ...argv),
                  () => acc.commandArgv(fn, null, argv),
                  () => acc.formattedCommand(fn, null, bytes),
                ];
          const asyncForms: (() => boolean)[] = [
            ...routed,
            () => acc.commandToNode(node, fn, null, format, ...argv),
            () => acc.commandArgvToNode(node, fn, null, argv),
            () => acc.formattedCommandToNode(node, fn, null, bytes),
            // A null callback is refused as well: nothing runs.
            () => acc.commandToNode(node, null, null, format, ...argv),
          ];
          for (const send of asyncForms) {
            expect(send(), String(send)).to.equal(false);
            expect([acc.err, acc.errstr], String(send)).to.deep.equal(refusal);
          }
          expect(await rejected(acc.send(argv[0]!, ...argv.slice(1)))).to.deep.equal(refusal);
          expect(await rejected(acc.sendToNode(node, argv[0]!, ...argv.slice(1)))).to.deep.equal(refusal);
          expect(await rejected(acc.send({ timeout: 1000 }, argv[0]!, ...argv.slice(1)))).to.deep.equal(
            refusal,
          );
          // Lower case and bytes are the same command.
          expect(
            await rejected(acc.sendToNode(node, argv[0]!.toLowerCase(), ...argv.slice(1))),
          ).to.deep.equal(refusal);
          expect(
            await rejected(acc.sendToNode(node, Buffer.from(argv[0]!) as never, ...argv.slice(1))),
          ).to.deep.equal(refusal);
          expect(called).to.equal(0);
          expect(await acc.send('GET', KEY)).to.equal(VALUE);
          expect(await acc.sendToNode(node, 'GET', KEY)).to.equal(VALUE);

          const blockingForms: (() => unknown)[] = [
            () => cc.command(format, ...argv),
            () => cc.commandArgv(argv),
            () => cc.formattedCommand(bytes),
            () => cc.commandToNode(node, format, ...argv),
            () => cc.appendCommand(format, ...argv),
            () => cc.appendCommandArgv(argv),
            () => cc.appendFormattedCommand(bytes),
            () => cc.appendCommandToNode(node, format, ...argv),
            () => cc.send(argv[0]!, ...argv.slice(1)),
            () => cc.send({ timeout: 1000 }, argv[0]!, ...argv.slice(1)),
          ];
          for (const call of blockingForms)
            expect(blockingFailure(cc, call), String(call)).to.deep.equal(refusal);
          // A pipeline around the refused appends holds only the other commands.
          cc.appendCommandToNode(node, 'GET %s', KEY);
          expect(blockingFailure(cc, () => cc.appendCommandToNode(node, format, ...argv))).to.deep.equal(
            refusal,
          );
          cc.appendCommand('GET %s', KEY);
          expect(cc.getReply()).to.equal(VALUE);
          expect(cc.getReply()).to.equal(VALUE);
          cc.reset();
          expect(cc.command('GET %s', KEY)).to.equal(VALUE);
          expect(cc.commandToNode(node, 'GET %s', KEY)).to.equal(VALUE);
        });
      }
    });
  });
}
