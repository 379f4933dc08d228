// A throwaway redis-server for the generators (gen-commands.mjs, gen-methods.mjs): started on a free loopback
// port with no persistence in a temp dir, asked a few commands over one link, stopped. No dependency on the
// TypeScript build.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const HOST = '127.0.0.1';
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

/** Starts a throwaway server, sends `commands` pipelined, stops it; resolves with the replies in order. */
export async function askThrowawayServer(commands) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hircluster-gen-'));
  let server;
  let socket;
  try {
    const port = await freePort();
    server = startServer(port, dir);
    socket = await connect(port, server);
    return await query(socket, commands);
  } finally {
    socket?.destroy();
    if (server) await stopServer(server);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The version line of an INFO server reply. */
export function serverVersion(info) {
  const version = /^redis_version:(.+?)\r?$/m.exec(info)?.[1];
  if (!version) throw new Error('INFO server has no redis_version line');
  return version;
}
