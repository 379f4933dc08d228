/** `npm run bench`: every benchmark that needs the plain cluster (scripts/bench.sh starts it), then the bridge. */
import { benchAsync } from './async.js';
import { benchBridge } from './bridge.js';
import { benchMethods } from './methods.js';
import { benchPubsub } from './pubsub.js';
import { benchReady } from './ready.js';
import { benchScan } from './scan.js';
import { benchSequential } from './sequential.js';
import { benchSync } from './sync.js';

await benchSequential();
await benchMethods();
await benchAsync();
await benchSync();
await benchReady();
await benchPubsub();
await benchBridge();
await benchScan();
