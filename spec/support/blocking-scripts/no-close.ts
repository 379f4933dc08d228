/**
 * A script that uses a BlockingClusterContext and never calls close(): the context's worker is
 * unref'd, so the process must still exit (code 0) once the script's own work is done.
 * `node no-close.js <mode> <seed>`; mode 'command' connects and runs SET + GET, 'idle' only constructs.
 */
import { BlockingClusterContext } from '../../../lib/blocking/blocking-context.js';

const [mode = 'command', seed = '127.0.0.1:7000'] = process.argv.slice(2);
const cc = new BlockingClusterContext({ nodes: seed });
if (mode === 'command') {
  cc.connect();
  console.log(cc.command('SET %s %s', 'bspec:noclose', 'done'));
  console.log(cc.command('GET %s', 'bspec:noclose'));
} else {
  console.log('idle');
}
