#!/usr/bin/env node
/**
 * clusterclient_reconnect_async: hiredis-cluster's tests/clusterclient_reconnect_async.c. Each stdin
 * line goes with ToNode to the first known node, one at a time; an I/O or EOF failure prints
 * `[reconnect]` and runs the connect procedure again. A node without cluster support prints
 * `[no cluster]` and is used as it is.
 *
 *   clusterclient_reconnect_async HOST:PORT
 */
import { type AsyncCallback, AsyncClusterContext } from '../async-context.js';
import { REDIS_ERR_EOF, REDIS_ERR_IO } from '../errors.js';
import { type TypedReply, typedReplies } from '../resp/build.js';
import { LineReader } from './line-reader.js';
import { contextOrExit, out } from './output.js';

const NO_CLUSTER = 'ERR This instance has cluster support disabled';

const address = process.argv[2];
if (address === undefined) {
  process.stderr.write('Usage: clusterclient_reconnect_async HOST:PORT\n');
  process.exit(1);
}

const acc = contextOrExit(
  () => new AsyncClusterContext({ nodes: address, connectTimeout: 0, replyBuilder: typedReplies }),
  255,
);
const lines = new LineReader();

/** Disconnects (resetting the context), then fetches the slot map again on a temporary link. */
async function connectToRedis(): Promise<void> {
  acc.disconnect();
  try {
    await acc.connect({ temporaryLink: true });
  } catch (err) {
    const message = (err as Error).message;
    if (message !== NO_CLUSTER) {
      out(`Connect error: ${message}\n`);
      process.exit(255);
    }
    out('[no cluster]\n');
  }
}

const replyCallback: AsyncCallback<null> = (acc, reply) => {
  if (reply !== null) {
    // printf("%s\n", reply->str): glibc prints (null) for a reply without text.
    out(`${(reply as TypedReply).str ?? '(null)'}\n`);
    setImmediate(sendNextCommand);
  } else if (acc.err === REDIS_ERR_IO || acc.err === REDIS_ERR_EOF) {
    out('[reconnect]\n');
    connectToRedis().then(() => setImmediate(sendNextCommand));
  } else {
    out(acc.err !== 0 ? `error: ${acc.errstr}\n` : 'unknown error\n');
    setImmediate(sendNextCommand);
  }
};

function sendNextCommand(): void {
  const line = lines.next();
  if (line === null) {
    acc.disconnect();
    return;
  }
  const first = acc.nodes().next();
  if (first.done || !acc.commandToNode(first.value, replyCallback, null, line)) {
    process.stderr.write(`Assertion failed: failed to send command: ${acc.errstr}\n`);
    process.exit(134);
  }
}

process.once('beforeExit', () => acc.free());
connectToRedis().then(() => sendNextCommand());
