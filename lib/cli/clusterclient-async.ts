#!/usr/bin/env node
/**
 * clusterclient_async: hiredis-cluster's tests/clusterclient_async.c on AsyncClusterContext. Reads
 * commands from stdin (blocking, as fgets blocks the C program's loop) once the cluster is ready.
 *
 *   clusterclient_async [--events] [--connection-events] [--use-cluster-nodes] [--async-initial-update] HOST:PORT
 *
 * Lines: `!async` sends the following commands without waiting, `!sync` then waits for their replies,
 * `!resend` resends a command whose reply failed, `!sleep` waits 1 s, `!all` sends to every node,
 * `!disconnect` disconnects; other lines are format strings.
 */
import { type AsyncCallback, AsyncClusterContext } from '../async-context.js';
import { HIRCLUSTER_EVENT_READY } from '../events.js';
import { type TypedReply, typedReplies } from '../resp/build.js';
import { LineReader } from './line-reader.js';
import { contextOrExit, out, printEvent, unknownArgument } from './output.js';
import { formatReply } from './print-reply.js';

const HISTORY_DEPTH = 16;

/** The C program's ASSERT_MSG: the message on stderr, then abort. */
function assertThat(ok: boolean, message: string): void {
  if (ok) return;
  process.stderr.write(`Assertion failed: ${message}\n`);
  process.exit(134);
}

let showEvents = false;
let showConnectionEvents = false;
let useClusterNodes = false;
let blockingInitialUpdate = true;
const args = process.argv.slice(2);
// Options come first, as in the C program: the first other argument is the address, the rest is ignored.
let index = 0;
for (; index < args.length && args[index]!.startsWith('-'); index++) {
  const arg = args[index]!;
  if (arg === '--events') showEvents = true;
  else if (arg === '--connection-events') showConnectionEvents = true;
  else if (arg === '--use-cluster-nodes') useClusterNodes = true;
  else if (arg === '--async-initial-update') blockingInitialUpdate = false;
  else unknownArgument(arg);
}
const address = args[index];
if (address === undefined) {
  process.stderr.write(
    'Usage: clusterclient_async [--events] [--connection-events] [--use-cluster-nodes] [--async-initial-update] HOST:PORT\n',
  );
  process.exit(1);
}

const acc = contextOrExit(
  () =>
    new AsyncClusterContext({
      nodes: address,
      connectTimeout: 500,
      commandTimeout: 500,
      maxRetry: 1,
      useClusterNodes,
      replyBuilder: typedReplies,
    }),
  2,
);
const history: string[] = new Array(HISTORY_DEPTH).fill('');
const lines = new LineReader();
let running = 0;
let resendFailed = false;
let sendToAll = false;

const replyCallback: AsyncCallback<number> = (acc, reply, id) => {
  if (reply === null) {
    out(acc.err !== 0 ? `error: ${acc.errstr}\n` : 'unknown error\n');
    if (resendFailed) {
      out(`resend '${history[id]}'\n`);
      if (!acc.command(replyCallback, id, history[id]!)) out('send error\n');
      return;
    }
  } else {
    out(formatReply(reply as TypedReply));
  }
  if (--running === 0) scheduleNextCommand();
};

/**
 * The next stdin line, as the C program schedules it: a 10 µs libevent timer. libevent polls before it
 * runs any timer and epoll rounds the wait up to 1 ms, so whatever a node sent with its last reply or
 * within that millisecond — a close above all — is handled before the next command goes out. libuv may
 * run a timer that fell due during this turn without polling again, and Node reports a close only in
 * the close-callbacks phase after the poll that read the EOF. Hence: a first setImmediate reaches this
 * turn's check phase, a second the check phase after the next poll, and the 1 ms timer armed there
 * runs, at the earliest, after that turn's close callbacks.
 */
function scheduleNextCommand(): void {
  setImmediate(() => setImmediate(() => setTimeout(sendNextCommand, 1)));
}

function sendNextCommand(): void {
  let async = false;
  for (let line = lines.next(); line !== null; line = lines.next()) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('!')) {
      if (line === '!sleep') {
        assertThat(!async, '!sleep in !async not supported');
        setTimeout(sendNextCommand, 1000);
        return;
      }
      if (line === '!async') async = true;
      if (line === '!sync' && async) return; // wait for the replies; the last one reads on
      if (line === '!resend') resendFailed = true;
      if (line === '!disconnect') acc.disconnect();
      if (line === '!all') {
        assertThat(!resendFailed, '!resend not supported with !all');
        sendToAll = true;
      }
      continue;
    }
    assertThat(running < HISTORY_DEPTH, 'too many commands in flight');
    history[running] = line;
    if (sendToAll) {
      // (The C program asserts that each send succeeds.)
      for (const node of acc.nodes()) {
        if (acc.commandToNode(node, replyCallback, running, line)) running++;
        else out(`error: ${acc.errstr}\n`);
      }
      if (running === 0) scheduleNextCommand();
    } else if (acc.command(replyCallback, running, line)) {
      running++;
    } else {
      out(`error: ${acc.errstr}\n`);
      // As the C program: the next line is scheduled (in !async mode too).
      scheduleNextCommand();
    }
    if (async) continue;
    return;
  }
  acc.disconnect();
}

acc.setEventCallback((_acc, event) => {
  // Commands start once the client is ready.
  if (event === HIRCLUSTER_EVENT_READY) scheduleNextCommand();
  if (showEvents) printEvent(event);
});
if (showConnectionEvents) {
  const describe = (link: { host: string; port: number }) => `${link.host}:${link.port}`;
  acc.setConnectCallback((link, status) =>
    out(`Event: ${status === 0 ? '' : 'failed to '}connect to ${describe(link)}\n`),
  );
  acc.setDisconnectCallback((link, status) =>
    out(`Event: ${status === 0 ? '' : 'failed to '}disconnect from ${describe(link)}\n`),
  );
}
// When nothing is left to do, the C program's event loop returns and it frees the context.
process.once('beforeExit', () => acc.free());

if (blockingInitialUpdate) {
  acc.connect({ temporaryLink: true }).catch((err: Error) => {
    out(`Connect error: ${err.message}\n`);
    process.exit(2);
  });
} else {
  // redisClusterAsyncConnect2 only fails to start without an adapter; a failed update shows as no `ready`.
  acc.connect().catch(() => {});
}
