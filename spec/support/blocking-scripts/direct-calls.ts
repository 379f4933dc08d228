/**
 * The blocking face in a child process, as run-commands.ts, saying for each command which way it went:
 *
 *   node direct-calls.js '{"options": {...}, "commands": [["GET", "foo"], ...]}'
 *
 * One JSON line per outcome: `{"reply": value, "path": p}`, `{"error": "text", "path": p}` for an error
 * reply, `{"failed": [err, errstr], "path": p}` for a thrown ClusterError; connect's line comes first, with
 * no path. `p` is "direct" (the caller wrote and read on a lent link), "handed" (it started there and the
 * worker took over) or "worker" (the worker did it all).
 */
import { BlockingClusterContext, type BlockingOptions } from '../../../lib/blocking/blocking-context.js';
import { DirectCalls, HANDED, NOT_TAKEN } from '../../../lib/blocking/direct-call.js';
import { ClusterError, ReplyError } from '../../../lib/errors.js';

const { options, commands } = JSON.parse(process.argv[2] ?? '{}') as {
  options: BlockingOptions;
  commands: string[][];
};

let path = 'worker';
const call = DirectCalls.prototype.call;
DirectCalls.prototype.call = function (this: DirectCalls, ...args: Parameters<typeof call>) {
  const outcome = call.apply(this, args);
  path = outcome === NOT_TAKEN ? 'worker' : outcome === HANDED ? 'handed' : 'direct';
  return outcome;
};

function outcome(run: () => unknown, withPath: boolean): boolean {
  path = 'worker';
  const extra = () => (withPath ? { path } : {});
  try {
    const reply = run();
    const result = reply instanceof ReplyError ? { error: reply.message } : { reply };
    console.log(JSON.stringify({ ...result, ...extra() }));
    return true;
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    console.log(JSON.stringify({ failed: [err.code, err.message], ...extra() }));
    return false;
  }
}

const cc = new BlockingClusterContext(options);
const connected = outcome(() => {
  cc.connect();
  return 'connected';
}, false);
if (connected) {
  for (const argv of commands) {
    // ["sleep", ms]: the caller pauses (a node may close an idle link meanwhile).
    if (argv[0] === 'sleep') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(argv[1]));
    else outcome(() => cc.commandArgv(argv), true);
  }
}
cc.close();
