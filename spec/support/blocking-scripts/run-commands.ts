/**
 * The blocking face in a child process, for specs whose scripted nodes live in the spec's own thread
 * (a blocking call blocks the thread it is made on, so the nodes must answer from another one).
 *
 *   node run-commands.js '{"options": {...}, "commands": [["GET", "foo"], ...]}'
 *
 * connect(), then each command (commandArgv), then close(); one JSON line per outcome on stdout:
 * `{"reply": value}` (`"connected"` for connect), `{"error": "text"}` for an error reply, `{"failed": [err,
 * errstr]}` for a thrown ClusterError (connect's too, after which no command runs).
 */
import { BlockingClusterContext, type BlockingOptions } from '../../../lib/blocking/blocking-context.js';
import { ClusterError, ReplyError } from '../../../lib/errors.js';

const { options, commands } = JSON.parse(process.argv[2] ?? '{}') as {
  options: BlockingOptions;
  commands: string[][];
};

function outcome(call: () => unknown): boolean {
  try {
    const reply = call();
    console.log(JSON.stringify(reply instanceof ReplyError ? { error: reply.message } : { reply }));
    return true;
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    console.log(JSON.stringify({ failed: [err.code, err.message] }));
    return false;
  }
}

const cc = new BlockingClusterContext(options);
const connected = outcome(() => {
  cc.connect();
  return 'connected';
});
if (connected) {
  for (const argv of commands) outcome(() => cc.commandArgv(argv));
}
cc.close();
