import { expect } from 'chai';
import {
  COMMANDS,
  COMMANDS_GENERATED_ON,
  COMMANDS_SERVER_VERSION,
} from '../../../lib/cluster/commands.generated.js';

describe('cluster/commands.generated', () => {
  it('names the server version and the date it was generated from', () => {
    expect(COMMANDS_SERVER_VERSION).to.match(/^\d+\.\d+\.\d+$/);
    expect(COMMANDS_GENERATED_ON).to.match(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('holds COMMAND INFO as the server reports it', () => {
    expect(COMMANDS.GET).to.deep.equal({
      arity: 2,
      flags: ['readonly', 'fast'],
      firstKey: 1,
      lastKey: 1,
      step: 1,
      group: 'string',
      keySpecs: [
        {
          flags: ['RO', 'access'],
          begin: { type: 'index', index: 1 },
          find: { type: 'range', lastKey: 0, keyStep: 1, limit: 0 },
        },
      ],
    });
  });

  it('has keyword, keynum and unknown key specs', () => {
    expect(COMMANDS.XREAD!.keySpecs[0]).to.deep.equal({
      flags: ['RO', 'access'],
      begin: { type: 'keyword', keyword: 'STREAMS', startFrom: 1 },
      find: { type: 'range', lastKey: -1, keyStep: 1, limit: 2 },
    });
    expect(COMMANDS.EVAL!.keySpecs[0]!.find).to.deep.equal({
      type: 'keynum',
      keyNumIdx: 0,
      firstKey: 1,
      keyStep: 1,
    });
    expect(COMMANDS.SORT!.keySpecs[2]!.begin).to.deep.equal({ type: 'unknown' });
  });

  it('keys subcommands as "CONTAINER SUB" and lists them on the container', () => {
    expect(COMMANDS.XGROUP!.subcommands).to.include.members(['CREATE', 'DESTROY', 'SETID', 'HELP']);
    expect(COMMANDS['XGROUP CREATE']!.arity).to.equal(-5);
    expect(COMMANDS['XGROUP CREATE']!.keySpecs[0]!.begin).to.deep.equal({ type: 'index', index: 2 });
    expect(COMMANDS['OBJECT ENCODING']!.arity).to.equal(3);
    for (const [name, info] of Object.entries(COMMANDS)) {
      for (const sub of info.subcommands ?? [])
        expect(COMMANDS[`${name} ${sub}`], `${name} ${sub}`).to.not.equal(undefined);
    }
  });

  it('carries tips and deprecation from the server', () => {
    expect(COMMANDS.KEYS!.tips).to.include('request_policy:all_shards');
    expect(COMMANDS.GEORADIUS!.deprecated).to.equal(true);
    expect(COMMANDS.GET!.deprecated).to.equal(undefined);
  });
});
