#!/usr/bin/env node
// Regenerates lib/cluster/commands.generated.ts from a live server: starts a throwaway redis-server on a
// free loopback port (no persistence, temp dir), reads COMMAND INFO and COMMAND DOCS over RESP3, stops it,
// and writes the command table that lib/cluster/command-keys.ts compiles at load time.
//
// Usage: npm run gen:commands   (REDIS_SERVER=/path/to/redis-server to pick another binary)

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST = '127.0.0.1';
const OUT = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'lib',
  'cluster',
  'commands.generated.ts',
);
const SERVER = process.env.REDIS_SERVER || 'redis-server';
const CONNECT_ATTEMPTS = 50;
const CONNECT_DELAY_MS = 100;
const STOP_TIMEOUT_MS = 5000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port the kernel just handed out on loopback; redis-server cannot take port 0 itself. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startServer(port, dir) {
  const child = spawn(
    SERVER,
    [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (chunk) => {
    log += chunk;
  });
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const server = { child, error: null, log: () => log };
  server.exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('error', (err) => {
    server.error = new Error(`cannot start ${SERVER}: ${err.message}`);
  });
  return server;
}

async function stopServer(server) {
  const { child } = server;
  if (server.error || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await server.exited;
  clearTimeout(timer);
}

async function connect(port, server) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await new Promise((resolve, reject) => {
        const socket = net.connect({ host: HOST, port });
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (err) {
      if (server.error) throw server.error;
      if (attempt >= CONNECT_ATTEMPTS || server.child.exitCode !== null) {
        throw new Error(
          `redis-server on ${HOST}:${port} did not accept connections: ${err.message}\n${server.log()}`,
        );
      }
      await sleep(CONNECT_DELAY_MS);
    }
  }
}

// --- a minimal RESP3 reader (the script must not depend on the TypeScript build) ---

class Incomplete extends Error {}

function parseReply(buf, start) {
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd < 0) throw new Incomplete();
  const type = String.fromCharCode(buf[start]);
  const line = buf.toString('utf8', start + 1, lineEnd);
  let pos = lineEnd + 2;
  const blob = () => {
    const len = Number(line);
    if (len < 0) return [null, pos];
    if (buf.length < pos + len + 2) throw new Incomplete();
    return [buf.toString('utf8', pos, pos + len), pos + len + 2];
  };
  const aggregate = (count) => {
    const items = [];
    for (let i = 0; i < count; i++) {
      const [value, next] = parseReply(buf, pos);
      items.push(value);
      pos = next;
    }
    return items;
  };
  switch (type) {
    case '+':
      return [line, pos];
    case '-':
      return [new Error(line), pos];
    case ':':
      return [Number(line), pos];
    case '_':
      return [null, pos];
    case '#':
      return [line === 't', pos];
    case ',':
    case '(':
      return [Number(line), pos];
    case '$':
      return blob();
    case '=': {
      const [text, next] = blob();
      return [text === null ? null : text.slice(4), next];
    }
    case '!': {
      const [text, next] = blob();
      return [new Error(text), next];
    }
    case '*':
    case '~':
    case '>': {
      const count = Number(line);
      return count < 0 ? [null, pos] : [aggregate(count), pos];
    }
    case '%':
    case '|': {
      const flat = aggregate(Number(line) * 2);
      const map = {};
      for (let i = 0; i < flat.length; i += 2) map[flat[i]] = flat[i + 1];
      return [map, pos];
    }
    default:
      throw new Error(`unexpected RESP type byte '${type}' at offset ${start}`);
  }
}

function encodeCommand(args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Sends the commands pipelined and resolves with their replies, in order. */
function query(socket, commands) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const replies = [];
    const onData = (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        for (;;) {
          if (buf.length === 0) break;
          const [value, next] = parseReply(buf, 0);
          buf = buf.subarray(next);
          if (value instanceof Error) throw new Error(`server replied: ${value.message}`);
          replies.push(value);
          if (replies.length === commands.length) {
            socket.off('data', onData);
            resolve(replies);
            return;
          }
        }
      } catch (err) {
        if (!(err instanceof Incomplete)) {
          socket.off('data', onData);
          reject(err);
        }
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('server closed the connection')));
    socket.write(commands.map(encodeCommand).join(''));
  });
}

// --- table building ---

function keySpec(spec) {
  const bs = spec.begin_search;
  const fk = spec.find_keys;
  let begin;
  if (bs.type === 'index') begin = { type: 'index', index: bs.spec.index };
  else if (bs.type === 'keyword')
    begin = { type: 'keyword', keyword: bs.spec.keyword, startFrom: bs.spec.startfrom };
  else if (bs.type === 'unknown') begin = { type: 'unknown' };
  else throw new Error(`unsupported begin_search type '${bs.type}'`);
  let find;
  if (fk.type === 'range') {
    find = { type: 'range', lastKey: fk.spec.lastkey, keyStep: fk.spec.keystep, limit: fk.spec.limit };
  } else if (fk.type === 'keynum') {
    find = {
      type: 'keynum',
      keyNumIdx: fk.spec.keynumidx,
      firstKey: fk.spec.firstkey,
      keyStep: fk.spec.keystep,
    };
  } else if (fk.type === 'unknown') find = { type: 'unknown' };
  else throw new Error(`unsupported find_keys type '${fk.type}'`);
  return { flags: spec.flags, begin, find };
}

function entry(info, docs, name) {
  const [, arity, flags, firstKey, lastKey, step, , tips, specs] = info;
  if (!docs) throw new Error(`COMMAND DOCS has no entry for '${name}'`);
  const keySpecs = specs.map(keySpec);
  for (const arg of docs.arguments ?? []) checkKeyArgument(name, arg, keySpecs.length);
  const out = { arity, flags, firstKey, lastKey, step, group: docs.group, keySpecs };
  if (tips.length > 0) out.tips = tips;
  // The routing tips as fields of their own (Redis 7 command tips): where a keyless command goes, and how
  // the replies of several nodes make one.
  const request = policyTip(tips, 'request_policy:');
  if (request !== undefined) out.requestPolicy = request;
  const response = policyTip(tips, 'response_policy:');
  if (response !== undefined) out.responsePolicy = response;
  if (docs.doc_flags?.includes('deprecated')) out.deprecated = true;
  return out;
}

function policyTip(tips, prefix) {
  return tips.find((tip) => tip.startsWith(prefix))?.slice(prefix.length);
}

/** COMMAND DOCS names the key spec of every key argument: it must exist in COMMAND INFO. */
function checkKeyArgument(name, arg, specCount) {
  if (arg.type === 'key' && !(arg.key_spec_index >= 0 && arg.key_spec_index < specCount)) {
    throw new Error(`${name}: argument '${arg.name}' names key spec ${arg.key_spec_index} of ${specCount}`);
  }
  for (const sub of arg.arguments ?? []) checkKeyArgument(name, sub, specCount);
}

function buildTable(infoReply, docsReply) {
  const table = new Map();
  for (const info of infoReply) {
    const lower = info[0];
    const name = lower.toUpperCase();
    const docs = docsReply[lower];
    const subcommands = info[9];
    const main = entry(info, docs, name);
    if (subcommands.length > 0) main.subcommands = [];
    table.set(name, main);
    for (const sub of subcommands) {
      const [container, subName] = sub[0].split('|');
      if (container !== lower || !subName) throw new Error(`unexpected subcommand name '${sub[0]}'`);
      const upperSub = subName.toUpperCase();
      main.subcommands.push(upperSub);
      table.set(`${name} ${upperSub}`, entry(sub, docs.subcommands?.[sub[0]], `${name} ${upperSub}`));
    }
    main.subcommands?.sort();
  }
  return new Map([...table].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// --- output ---

function literal(value) {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  const fields = Object.entries(value).map(([k, v]) => `${k}: ${literal(v)}`);
  return fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`;
}

function render(table, version, date) {
  const lines = [
    `// Generated by scripts/gen-commands.mjs from redis-server ${version} (COMMAND INFO + COMMAND DOCS) on ${date}.`,
    '// Do not edit: run `npm run gen:commands` against the server version you target, review the diff, check it in.',
    '// Keys: upper-case command name, or "CONTAINER SUB" for a subcommand (e.g. "XGROUP CREATE").',
    '// Fields follow COMMAND INFO: arity (negative = minimum argc), flags, legacy firstKey/lastKey/step, key specs',
    '// (begin_search + find_keys), request/response tips; group and deprecation come from COMMAND DOCS.',
    '',
    `export const COMMANDS_SERVER_VERSION = '${version}';`,
    `export const COMMANDS_GENERATED_ON = '${date}';`,
    '',
    'export type BeginSearch =',
    "  | { readonly type: 'index'; readonly index: number }",
    "  | { readonly type: 'keyword'; readonly keyword: string; readonly startFrom: number }",
    "  | { readonly type: 'unknown' };",
    '',
    'export type FindKeys =',
    "  | { readonly type: 'range'; readonly lastKey: number; readonly keyStep: number; readonly limit: number }",
    "  | { readonly type: 'keynum'; readonly keyNumIdx: number; readonly firstKey: number; readonly keyStep: number }",
    "  | { readonly type: 'unknown' };",
    '',
    'export interface KeySpec {',
    '  readonly flags: readonly string[];',
    '  readonly begin: BeginSearch;',
    '  readonly find: FindKeys;',
    '}',
    '',
    'export type ResponsePolicy =',
    "  | 'one_succeeded'",
    "  | 'all_succeeded'",
    "  | 'agg_logical_and'",
    "  | 'agg_logical_or'",
    "  | 'agg_min'",
    "  | 'agg_max'",
    "  | 'agg_sum'",
    "  | 'special';",
    '',
    'export interface CommandInfo {',
    '  readonly arity: number;',
    '  readonly flags: readonly string[];',
    '  readonly firstKey: number;',
    '  readonly lastKey: number;',
    '  readonly step: number;',
    '  readonly group: string;',
    '  readonly keySpecs: readonly KeySpec[];',
    '  readonly tips?: readonly string[];',
    '  /** request_policy tip: where a keyless command goes (all_nodes, all_shards, multi_shard, special). */',
    "  readonly requestPolicy?: 'all_nodes' | 'all_shards' | 'multi_shard' | 'special';",
    '  /** response_policy tip: how the replies of several nodes make one (all_succeeded, agg_sum, ...). */',
    '  readonly responsePolicy?: ResponsePolicy;',
    '  readonly deprecated?: true;',
    '  /** Set on a container command (e.g. XGROUP): its subcommand names, each with its own entry. */',
    '  readonly subcommands?: readonly string[];',
    '}',
    '',
    'export const COMMANDS: Readonly<Record<string, CommandInfo>> = {',
  ];
  for (const [name, info] of table) lines.push(`  ${literal(name)}: ${literal(info)},`);
  lines.push('};', '');
  return lines.join('\n');
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hircluster-gen-commands-'));
  let server;
  let socket;
  try {
    const port = await freePort();
    server = startServer(port, dir);
    socket = await connect(port, server);
    const [, infoReply, docsReply, serverInfo] = await query(socket, [
      ['HELLO', '3'],
      ['COMMAND', 'INFO'],
      ['COMMAND', 'DOCS'],
      ['INFO', 'server'],
    ]);
    const version = /^redis_version:(.+?)\r?$/m.exec(serverInfo)?.[1];
    if (!version) throw new Error('INFO server has no redis_version line');
    const table = buildTable(infoReply, docsReply);
    const date = new Date().toISOString().slice(0, 10);
    await writeFile(OUT, render(table, version, date));
    console.log(
      `wrote ${path.relative(process.cwd(), OUT)}: ${table.size} commands from redis-server ${version}`,
    );
  } finally {
    socket?.destroy();
    if (server) await stopServer(server);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`gen-commands: ${err.message}`);
  process.exitCode = 1;
});
