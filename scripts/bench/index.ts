/** `npm run bench`: every benchmark that needs the plain cluster (scripts/bench.sh starts it). */
import { benchAsync } from './async.js';

await benchAsync();
