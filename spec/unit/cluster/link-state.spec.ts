import { Buffer } from 'node:buffer';
import { expect } from 'chai';
import { commandInfo } from '../../../lib/cluster/command-keys.js';
import { LINK_STATE_COMMANDS, linkStateRefusal } from '../../../lib/cluster/link-state.js';
import { ClusterError, REDIS_ERR_OTHER } from '../../../lib/errors.js';
import type { CommandArg } from '../../../lib/resp/encode.js';
import { LINK_STATE_REFUSALS, linkStateName, refusalOf } from '../../support/link-state-commands.js';

function refusalText(argv: readonly CommandArg[]): string | null {
  const refusal = linkStateRefusal(argv);
  if (refusal === null) return null;
  expect(refusal).to.be.instanceOf(ClusterError);
  expect(refusal.code).to.equal(REDIS_ERR_OTHER);
  return refusal.message;
}

describe('cluster/link-state: commands that change the state of a shared link', () => {
  it('the table holds exactly the commands of spec/support/link-state-commands.ts', () => {
    const names = new Set(LINK_STATE_REFUSALS.map(([argv]) => linkStateName(argv)));
    expect(Object.keys(LINK_STATE_COMMANDS).sort()).to.deep.equal([...names].sort());
  });

  for (const [argv, message] of LINK_STATE_REFUSALS) {
    it(`${argv.join(' ')} -> ${message}`, () => {
      expect(refusalText(argv)).to.equal(message);
      const lower = argv.map((arg) => arg.toLowerCase());
      expect(refusalText(lower)).to.equal(message);
      expect(refusalText(lower.map((arg) => Buffer.from(arg)))).to.equal(message);
    });
  }

  it('matches names in any case, given as strings or bytes', () => {
    const subscribe = refusalOf('SUBSCRIBE');
    for (const name of [
      'subscribe',
      'Subscribe',
      'sUBSCRIBE',
      Buffer.from('subscribe'),
      Buffer.from('SubScribe'),
    ])
      expect(refusalText([name, 'ch'])).to.equal(subscribe);
    const reply = refusalOf('CLIENT REPLY');
    for (const argv of [
      ['client', 'reply', 'skip'],
      ['Client', 'Reply', 'ON'],
      [Buffer.from('CLIENT'), Buffer.from('reply'), 'OFF'],
    ])
      expect(refusalText(argv)).to.equal(reply);
  });

  it('lets every other command through: reads of the link, pub/sub without a subscription, CLIENT alone', () => {
    const allowed: CommandArg[][] = [
      ['GET', 'k'],
      ['PING'],
      ['ECHO', 'MULTI'],
      ['SET', 'MULTI', 'EXEC'],
      ['PUBLISH', 'ch', 'm'],
      ['SPUBLISH', 'ch', 'm'],
      ['PUBSUB', 'CHANNELS'],
      ['CLIENT'],
      ['CLIENT', 'ID'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'LIST'],
      ['CLIENT', 'INFO'],
      ['CLIENT', 'SETNAMEX', 'x'],
      ['SUBSCRIBEX'],
      ['MULTIPLY'],
      [42, 'k'],
      [42n],
      [Buffer.from('MULTI!')],
      [Buffer.alloc(4096)],
    ];
    for (const argv of allowed) expect(refusalText(argv), String(argv[0])).to.equal(null);
  });

  it("names commands Redis' command table knows (as commands or CLIENT subcommands), or later ones", () => {
    // CLIENT SETINFO and CLIENT NO-TOUCH came with Redis 7.2, after the generated table's 7.0.
    const later = ['CLIENT SETINFO', 'CLIENT NO-TOUCH'];
    const unknown = Object.keys(LINK_STATE_COMMANDS).filter((name) => commandInfo(name) === undefined);
    expect(unknown).to.deep.equal(later);
  });

  it('gives a new error each time (a caller may keep or change it)', () => {
    expect(linkStateRefusal(['MULTI'])).to.not.equal(linkStateRefusal(['MULTI']));
  });
});
