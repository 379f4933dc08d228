#!/usr/bin/env node
/**
 * clusterclient: hiredis-cluster's tests/clusterclient.c on BlockingClusterContext. Reads commands
 * from stdin, one format string a line, and prints each reply as printReply does.
 *
 *   clusterclient [--events] [--use-cluster-nodes] HOST:PORT
 */
import { BlockingClusterContext } from '../blocking/blocking-context.js';
import { ClusterError } from '../errors.js';
import { type TypedReply, typedReplies } from '../resp/build.js';
import { LineReader } from './line-reader.js';
import { contextOrExit, out, printEvent, unknownArgument } from './output.js';
import { formatReply } from './print-reply.js';

let showEvents = false;
let useClusterNodes = false;
const args = process.argv.slice(2);
// Options come first, as in the C program: the first other argument is the address, the rest is ignored.
let index = 0;
for (; index < args.length && args[index]!.startsWith('-'); index++) {
  const arg = args[index]!;
  if (arg === '--events') showEvents = true;
  else if (arg === '--use-cluster-nodes') useClusterNodes = true;
  else {
    unknownArgument(arg);
    process.exit(1);
  }
}
const address = args[index];
if (address === undefined) {
  process.stderr.write('Usage: clusterclient [--events] [--use-cluster-nodes] HOST:PORT\n');
  process.exit(1);
}

const cc = contextOrExit(
  () =>
    new BlockingClusterContext({
      nodes: address,
      connectTimeout: 1500,
      useClusterNodes,
      replyBuilder: typedReplies,
    }),
  2,
);
if (showEvents) cc.setEventCallback((_cc, event) => printEvent(event));
try {
  cc.connect();
} catch {
  out(`Connect error: ${cc.errstr}\n`);
  process.exit(2);
}

/** The reply, or `error: <errstr>` as the C program prints a NULL reply. */
function print(call: () => unknown): void {
  let reply: unknown;
  try {
    reply = call();
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    out(`error: ${cc.errstr}\n`);
    return;
  }
  out(formatReply(reply as TypedReply));
}

const lines = new LineReader();
let sendToAll = false;
for (let line = lines.next(); line !== null; line = lines.next()) {
  if (line === '' || line.startsWith('#')) continue;
  if (line.startsWith('!')) {
    if (line === '!all') sendToAll = true;
    continue;
  }
  if (!sendToAll) {
    print(() => cc.command(line));
    continue;
  }
  const version = cc.version;
  for (const node of cc.nodes()) {
    print(() => cc.commandToNode(node, line));
    // An updated slot map resets the iterator: stop, as the C program does.
    if (cc.version !== version) break;
  }
}
cc.close();
