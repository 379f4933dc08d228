/**
 * A script for the fuzz spec: runs a target whose third case (case 2) never returns, with a short case
 * limit, so that the runner's watchdog has to end the process and say which case hung.
 */
import { runTarget } from '../../scripts/fuzz/runner.js';

let calls = 0;
await runTarget(
  {
    name: 'hang',
    run() {
      if (++calls < 3) return;
      // Busy for ever: nothing inside the thread can stop this.
      for (;;);
    },
  },
  { seed: 99, cases: 5, caseLimitMs: 100 },
);
