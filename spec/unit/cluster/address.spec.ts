import { expect } from 'chai';
import { formatHostPort, parseHostPort, parsePort } from '../../../lib/cluster/address.js';
import { ClusterError, REDIS_ERR_OTHER } from '../../../lib/errors.js';

function failure(addr: string): ClusterError {
  try {
    parseHostPort(addr);
  } catch (err) {
    expect(err).to.be.instanceOf(ClusterError);
    return err as ClusterError;
  }
  expect.fail(`parseHostPort('${addr}') did not throw`);
}

describe('cluster/address', () => {
  const good: [string, string, number][] = [
    ['127.0.0.1:7000', '127.0.0.1', 7000],
    ['localhost:6379', 'localhost', 6379],
    ['redis-0.example.internal:1', 'redis-0.example.internal', 1],
    ['::1:7000', '::1', 7000],
    ['fe80::1:2:65535', 'fe80::1:2', 65535],
    ['[::1]:7000', '::1', 7000],
    ['[fe80::1%eth0]:7001', 'fe80::1%eth0', 7001],
  ];
  for (const [addr, host, port] of good) {
    it(`parses '${addr}'`, () => {
      expect(parseHostPort(addr)).to.deep.equal({ host, port });
    });
  }

  const bad: [string, string][] = [
    ['127.0.0.1', "Invalid address '127.0.0.1': missing port"],
    ['', "Invalid address '': missing port"],
    ['h:', "Invalid address 'h:': missing port"],
    [':7000', "Invalid address ':7000': missing host"],
    ['h:0', "Invalid address 'h:0': port must be 1-65535"],
    ['h:65536', "Invalid address 'h:65536': port must be 1-65535"],
    ['h:700000', "Invalid address 'h:700000': port must be 1-65535"],
    ['h:-1', "Invalid address 'h:-1': port must be 1-65535"],
    ['h:+7', "Invalid address 'h:+7': port must be 1-65535"],
    ['h:7.5', "Invalid address 'h:7.5': port must be 1-65535"],
    ['h:70 ', "Invalid address 'h:70 ': port must be 1-65535"],
    ['h:abc', "Invalid address 'h:abc': port must be 1-65535"],
    ['[::1]', "Invalid address '[::1]': missing port"],
    ['[::1]:', "Invalid address '[::1]:': missing port"],
    ['[::1]7000', "Invalid address '[::1]7000': expected ':' after ']'"],
    ['[::1:7000', "Invalid address '[::1:7000': missing ']'"],
    ['[]:7000', "Invalid address '[]:7000': missing host"],
    ['redis://127.0.0.1:7000', "Invalid address 'redis://127.0.0.1:7000': expected host:port, not a URL"],
    [
      'redis://user:secretword@127.0.0.1:7000',
      "Invalid address '<hidden>@127.0.0.1:7000': credentials do not belong in an address (use the username and password options)",
    ],
    [
      ':secretword@h:1',
      "Invalid address '<hidden>@h:1': credentials do not belong in an address (use the username and password options)",
    ],
  ];
  for (const [addr, message] of bad) {
    it(`rejects '${addr}'`, () => {
      const err = failure(addr);
      expect(err.code).to.equal(REDIS_ERR_OTHER);
      expect(err.message).to.equal(message);
    });
  }

  it('formats host:port without brackets, as hiredis names nodes', () => {
    expect(formatHostPort('127.0.0.1', 7000)).to.equal('127.0.0.1:7000');
    expect(formatHostPort('::1', 7200)).to.equal('::1:7200');
  });

  it('round-trips formatted addresses', () => {
    for (const [host, port] of [
      ['::1', 7200],
      ['127.0.0.3', 6379],
      ['node-a', 1],
    ] as const) {
      expect(parseHostPort(formatHostPort(host, port))).to.deep.equal({ host, port });
    }
  });

  it('parsePort returns -1 for anything but 1..65535 in digits', () => {
    expect(parsePort('1')).to.equal(1);
    expect(parsePort('65535')).to.equal(65535);
    expect(parsePort('0')).to.equal(-1);
    expect(parsePort('65536')).to.equal(-1);
    expect(parsePort('')).to.equal(-1);
    expect(parsePort('1e3')).to.equal(-1);
  });
});
