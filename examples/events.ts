/**
 * Events: both contexts are eventemitter3 emitters (slotmap-updated, ready, free-context, connect,
 * disconnect, node-added, ...), and they keep hiredis-cluster's set-once callbacks with the
 * HIRCLUSTER_EVENT_* numbers.
 *
 *   npm run build && node dist/examples/events.js [host:port,...]
 */
import {
  AsyncClusterContext,
  BlockingClusterContext,
  HIRCLUSTER_EVENT_FREE_CONTEXT,
  HIRCLUSTER_EVENT_READY,
  HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
} from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const names: Record<number, string> = {
  [HIRCLUSTER_EVENT_SLOTMAP_UPDATED]: 'HIRCLUSTER_EVENT_SLOTMAP_UPDATED',
  [HIRCLUSTER_EVENT_READY]: 'HIRCLUSTER_EVENT_READY',
  [HIRCLUSTER_EVENT_FREE_CONTEXT]: 'HIRCLUSTER_EVENT_FREE_CONTEXT',
};

const acc = new AsyncClusterContext({ nodes });
acc.on('slotmap-updated', (version) => console.log(`async: slotmap-updated, version ${version}`));
acc.on('ready', () => console.log('async: ready'));
acc.on('free-context', () => console.log('async: free-context'));
let added = 0;
acc.on('node-added', () => added++);
// hiredis' event callback: set once (a second call returns false), with a privdata.
console.log(
  'setEventCallback:',
  acc.setEventCallback((_acc, event, tag) => console.log(`${tag}: ${names[event]}`), 'callback'),
);
console.log(
  'again:',
  acc.setEventCallback(() => {}),
);
await acc.connect();
console.log(`async: ${added} nodes added`);
acc.free();

// The blocking context delivers its events on the caller's thread, before the call that caused them returns.
const cc = new BlockingClusterContext({ nodes });
cc.on('ready', () => console.log('sync: ready'));
cc.on('free-context', () => console.log('sync: free-context'));
cc.connect();
console.log('sync: connect() returned');
cc.close();

// Output:
// setEventCallback: true
// again: false
// callback: HIRCLUSTER_EVENT_SLOTMAP_UPDATED
// async: slotmap-updated, version 1
// callback: HIRCLUSTER_EVENT_READY
// async: ready
// async: 3 nodes added
// callback: HIRCLUSTER_EVENT_FREE_CONTEXT
// async: free-context
// sync: ready
// sync: connect() returned
// sync: free-context
