/**
 * Security, against the real clusters: TLS verifies the server's certificate and host name by default
 * (tls cluster 127.0.0.1:7300, certificates from scripts/gen-certs.sh), and a password never shows —
 * not in errors, events, util.inspect or JSON of a context or its options, option-validation messages,
 * nor the CLIs' output (auth cluster 127.0.0.1:7100).
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { inspect } from 'node:util';
import { expect } from 'chai';
import { NodeAdapter } from '../../adapters/node.js';
import { AsyncClusterContext } from '../../lib/async-context.js';
import { BlockingClusterContext, type BlockingOptions } from '../../lib/blocking/blocking-context.js';
import {
  REDIS_ERR,
  redisClusterConnect2,
  redisClusterContextInit,
  redisClusterFree,
  redisClusterSetOptionAddNodes,
  redisClusterSetOptionPassword,
} from '../../lib/compat.js';
import { ClusterError, REDIS_ERR_IO as IO, REDIS_ERR_OTHER as OTHER } from '../../lib/errors.js';
import type { ClusterOptions } from '../../lib/options.js';
import { AUTH, PASSWORD, TLS, tlsFiles } from '../support/clusters.js';
import { type CliName, CliRun } from '../support/run-cli.js';

type Failure = [code: number, message: string];

/** connect() of both contexts: the async one's rejection and the blocking one's throw. */
async function connectFailures(options: BlockingOptions): Promise<[Failure, Failure]> {
  const acc = new AsyncClusterContext(options as ClusterOptions);
  const cc = new BlockingClusterContext(options);
  try {
    const a = await acc.connect().then(
      () => null,
      (e: ClusterError) => e,
    );
    let b: ClusterError | null = null;
    try {
      cc.connect();
    } catch (e) {
      b = e as ClusterError;
    }
    expect(a, 'async connect() rejects').to.be.instanceOf(ClusterError);
    expect(b, 'blocking connect() throws').to.be.instanceOf(ClusterError);
    return [
      [a!.code, a!.message],
      [b!.code, b!.message],
    ];
  } finally {
    acc.free();
    cc.close();
  }
}

describe('security', function () {
  this.timeout(30_000);

  describe('TLS verifies the certificate and the host name by default (tls cluster)', () => {
    const files = tlsFiles();
    const ca = readFileSync(files.ca);
    const altnames = 'IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost';
    const untrusted: Failure = [
      IO,
      'SSL_connect failed: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)',
    ];

    it('the right CA: a host name or IP in the certificate works, both contexts', async () => {
      for (const nodes of [TLS[0]!, 'localhost:7300']) {
        const acc = new AsyncClusterContext({ nodes, tls: { ca } });
        const cc = new BlockingClusterContext({ nodes, tls: { ca } });
        try {
          await acc.connect();
          cc.connect();
          expect(await acc.send('SET', 'security:tls', nodes)).to.equal('OK');
          expect(cc.command('GET security:tls')).to.equal(nodes);
        } finally {
          acc.free();
          cc.close();
        }
      }
    });

    it('tls: true trusts the system CAs only: a private CA fails verification', async () => {
      expect(await connectFailures({ nodes: TLS[0]!, tls: true })).to.deep.equal([untrusted, untrusted]);
    });

    it('the wrong CA fails verification', async () => {
      const options = { nodes: TLS[0]!, tls: { ca: readFileSync(files.untrustedCa) } };
      expect(await connectFailures(options)).to.deep.equal([untrusted, untrusted]);
    });

    it('a host name the certificate does not name fails, even with the right CA (servername)', async () => {
      const failure: Failure = [
        IO,
        "SSL_connect failed: Hostname/IP does not match certificate's altnames: Host: redis.wrong-name.test. " +
          `is not in the cert's altnames: ${altnames} (ERR_TLS_CERT_ALTNAME_INVALID)`,
      ];
      const options = { nodes: TLS[0]!, tls: { ca, servername: 'redis.wrong-name.test' } };
      expect(await connectFailures(options)).to.deep.equal([failure, failure]);
    });

    it('the host name dialled is the one checked: a name resolving to the node but not in its certificate fails', async () => {
      // Resolved on loopback by the adapter's own lookup: nothing is asked of any name server.
      const lookup = ((_host, options, callback) => {
        if ((options as { all?: boolean }).all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
        else (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4);
      }) as LookupFunction;
      const acc = new AsyncClusterContext({
        nodes: 'redis-tls.test:7300',
        tls: { ca },
        adapter: new NodeAdapter({ lookup }),
      });
      const failed: string[] = [];
      acc.on('connect-error', (link, err) => failed.push(`${link.host}:${link.port} ${err.message}`));
      try {
        const err = (await acc.connect().catch((e: ClusterError) => e)) as ClusterError;
        const message =
          "SSL_connect failed: Hostname/IP does not match certificate's altnames: Host: redis-tls.test. " +
          `is not in the cert's altnames: ${altnames} (ERR_TLS_CERT_ALTNAME_INVALID)`;
        expect([err.code, err.message]).to.deep.equal([IO, message]);
        expect(failed).to.deep.equal([`redis-tls.test:7300 ${message}`]);
      } finally {
        acc.free();
      }
    });

    it('a client certificate from another CA: the server refuses it, a clear error on the first command', async () => {
      const tls = { ca, cert: readFileSync(files.untrustedCert), key: readFileSync(files.untrustedKey) };
      // TLS 1.3: the client's side of the handshake completes; the server's alert comes with the first read.
      const refused: Failure = [IO, 'SSL error: tlsv1 alert unknown ca (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA)'];
      expect(await connectFailures({ nodes: TLS[0]!, tls })).to.deep.equal([refused, refused]);
    });
  });

  describe('a password never shows (auth cluster)', () => {
    const WRONG = 'security-wrong-pass-8b';
    const WRONGPASS: Failure = [OTHER, 'WRONGPASS invalid username-password pair or user is disabled.'];

    /** Every way a secret could be written out, to search the output for. */
    function forms(secret: string): string[] {
      const hex = Buffer.from(secret).toString('hex');
      return [secret, hex, hex.replace(/(..)(?!$)/g, '$1 '), Buffer.from(secret).toString('base64')];
    }

    function expectHidden(text: string, secret: string): void {
      for (const form of forms(secret)) expect(text, `${form} in ${text}`).to.not.contain(form);
    }

    /** What a context shows: util.inspect at every depth with hidden properties, and JSON. */
    function shown(value: unknown): string {
      return `${inspect(value, { depth: Infinity, showHidden: true })}\n${JSON.stringify(value)}`;
    }

    it('async: a wrong password fails with WRONGPASS; errors, events and the context never show it', async () => {
      const acc = new AsyncClusterContext({ nodes: AUTH[0]!, password: WRONG });
      const seen: unknown[] = [];
      for (const name of ['connect', 'connect-error', 'disconnect', 'update-error'] as const) {
        acc.on(name, (...args: unknown[]) => seen.push(name, ...args));
      }
      try {
        const err = (await acc.connect().catch((e: ClusterError) => e)) as ClusterError;
        expect([err.code, err.message]).to.deep.equal(WRONGPASS);
        expect(seen).to.contain('update-error');
        // A command afterwards: refused (no slot map) or failed, its words are searched too.
        const outcome = await new Promise<string>((resolve) => {
          const queued = acc.command(
            (a, reply) => resolve(`${reply} ${a.err} ${a.errstr}`),
            null,
            'GET security:x',
          );
          if (!queued) resolve(`refused ${acc.err} ${acc.errstr}`);
        });
        expect(outcome).to.equal(`refused ${OTHER} slotmap not available`);
        expectHidden(
          [shown(err), String(err), err.stack, shown(seen), outcome, acc.errstr, shown(acc)].join('\n'),
          WRONG,
        );
      } finally {
        acc.free();
      }
    });

    it('blocking: a wrong password fails with WRONGPASS; errors, events and the context never show it', () => {
      const cc = new BlockingClusterContext({ nodes: AUTH[0]!, password: WRONG });
      const seen: unknown[] = [];
      for (const name of ['connect', 'connect-error', 'disconnect'] as const) {
        cc.on(name, (...args: unknown[]) => seen.push(name, ...args));
      }
      try {
        let err: ClusterError | null = null;
        try {
          cc.connect();
        } catch (e) {
          err = e as ClusterError;
        }
        expect([err?.code, err?.message]).to.deep.equal(WRONGPASS);
        expect([cc.err, cc.errstr]).to.deep.equal(WRONGPASS);
        expectHidden([shown(err), String(err), err!.stack, shown(seen), shown(cc)].join('\n'), WRONG);
      } finally {
        cc.close();
      }
    });

    it('the C API: Connect2 fails with WRONGPASS; cc never shows the password', () => {
      const cc = redisClusterContextInit();
      try {
        redisClusterSetOptionAddNodes(cc, AUTH[0]!);
        redisClusterSetOptionPassword(cc, WRONG);
        expect(redisClusterConnect2(cc)).to.equal(REDIS_ERR);
        expect([cc.err, cc.errstr]).to.deep.equal(WRONGPASS);
        expectHidden(shown(cc), WRONG);
        expect(inspect(cc)).to.contain("password: '<hidden>'");
      } finally {
        redisClusterFree(cc);
      }
    });

    it('connected with the right password: util.inspect and JSON of the contexts show <hidden>', async () => {
      const acc = new AsyncClusterContext({ nodes: AUTH[0]!, password: PASSWORD });
      const cc = new BlockingClusterContext({ nodes: AUTH[0]!, password: PASSWORD });
      try {
        await acc.connect();
        cc.connect();
        expect(await acc.send('SET', 'security:auth', 'ok')).to.equal('OK');
        expect(cc.command('GET security:auth')).to.equal('ok');
        for (const context of [acc, cc]) {
          expectHidden(shown(context), PASSWORD);
          expect(JSON.parse(JSON.stringify(context)).options.password).to.equal('<hidden>');
          expect(inspect(context)).to.contain("password: '<hidden>'");
        }
      } finally {
        acc.free();
        cc.close();
      }
    });

    it('TLS private material shows as <hidden> too', () => {
      const files = tlsFiles();
      const key = readFileSync(files.key, 'utf8');
      const acc = new AsyncClusterContext({
        nodes: TLS[0]!,
        tls: { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key, passphrase: 'security-pp' },
      });
      try {
        const text = shown(acc);
        expect(text).to.not.contain(key.split('\n')[1]);
        expectHidden(text, 'security-pp');
        expect(JSON.parse(JSON.stringify(acc)).options.tls).to.deep.include({
          key: '<hidden>',
          passphrase: '<hidden>',
        });
      } finally {
        acc.free();
      }
    });

    it('option validation never repeats a password', () => {
      const rows: [ClusterOptions, string][] = [
        [
          { nodes: AUTH[0]!, password: 12345678 as unknown as string },
          "Invalid option 'password': must be a string, got a value of type number",
        ],
        [
          { nodes: `redis://default:${WRONG}@${AUTH[0]}` },
          `Invalid address '<hidden>@${AUTH[0]}': credentials do not belong in an address (use the username and password options)`,
        ],
        [
          { nodes: `:${WRONG}@${AUTH[0]}` },
          `Invalid address '<hidden>@${AUTH[0]}': credentials do not belong in an address (use the username and password options)`,
        ],
      ];
      for (const [options, message] of rows) {
        for (const make of [
          () => new AsyncClusterContext(options),
          () => new BlockingClusterContext(options as BlockingOptions),
        ]) {
          let err: ClusterError | null = null;
          try {
            make();
          } catch (e) {
            err = e as ClusterError;
          }
          expect([err?.code, err?.message]).to.deep.equal([OTHER, message]);
          expectHidden(`${err!.message}\n${err!.stack}`, WRONG);
          expectHidden(err!.message, '12345678');
        }
      }
    });

    it('the CLIs take no password; one given as an option or in the address is never printed', async () => {
      const hiddenOption = "Unknown argument: '--password=<hidden>'\n";
      const noAddress = 'Connect error: servers address does not set up\n';
      const runs: [CliName, string[], stdout: string, stderr: string, code: number][] = [
        ['clusterclient', [`--password=${WRONG}`, AUTH[0]!], '', hiddenOption, 1],
        // The async client goes on after an unknown option, as the C program does.
        [
          'clusterclient_async',
          [`--password=${WRONG}`, AUTH[0]!],
          'Connect error: NOAUTH Authentication required.\n',
          hiddenOption,
          2,
        ],
        ['clusterclient_async', ['--pass', WRONG, AUTH[0]!], noAddress, "Unknown argument: '--pass'\n", 2],
        ['clusterclient_reconnect_async', [`--password=${WRONG}`, AUTH[0]!], noAddress, '', 255],
        ['clusterclient', [`redis://default:${WRONG}@${AUTH[0]}`], noAddress, '', 2],
      ];
      for (const [cli, args, stdout, stderr, code] of runs) {
        const result = await new CliRun(cli, args, { stdin: 'GET security:cli\n' }).exited;
        expect([result.stdout, result.stderr, result.code], `${cli} ${args.join(' ')}`).to.deep.equal([
          stdout,
          stderr,
          code,
        ]);
        expectHidden(`${result.stdout}\n${result.stderr}`, WRONG);
      }
    });
  });
});
