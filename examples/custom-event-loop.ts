/**
 * A custom event loop: the client runs only when this program's own fixed-step loop lets it. Every
 * frame the program advances the ManualLoop by one step — socket events, timers and the writes queued
 * in the frame run then — and spends the rest of the frame elsewhere (here: sleeping, while Node reads
 * the sockets into the loop's queue). Replace the frame with your game loop, GUI loop or scheduler.
 *
 *   node dist/examples/custom-event-loop.js [host:port,...]
 *
 * The nodes come from the first argument, else HIRCLUSTER_NODES, else 127.0.0.1:7000. It writes a
 * key, reads it back and disconnects; it exits 0 when the value came back, 1 with a message otherwise.
 */
import { AsyncClusterContext, ManualLoop } from 'hircluster';

/** One frame of the program, in ms. */
const STEP_MS = 10;
/** The most frames the program gives the client (10 s). */
const MAX_STEPS = 1000;

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const key = 'hircluster:example:custom-event-loop';
const value = `written at ${new Date().toISOString()}`;

const loop = new ManualLoop();
const acc = new AsyncClusterContext({ nodes, adapter: loop, connectTimeout: 2000, commandTimeout: 2000 });

let failure: string | null = null;
let readBack: unknown;

acc.connect().then(
  () => {
    // Both commands leave in one write at the next step; GET's callback ends the session.
    acc.command(
      (ctx, reply) => {
        if (reply === null) failure = `SET failed: ${ctx.errstr}`;
      },
      null,
      'SET %s %s',
      key,
      value,
    );
    acc.command(
      (ctx, reply) => {
        if (reply === null) failure = `GET failed: ${ctx.errstr}`;
        readBack = reply;
        ctx.disconnect();
      },
      null,
      'GET %s',
      key,
    );
  },
  (err: Error) => {
    failure = `connect to ${nodes} failed: ${err.message}`;
  },
);

/** The program's fixed-step loop: one advance() per frame, until the client has nothing left to do. */
let steps = 0;
while (loop.alive && failure === null) {
  if (++steps > MAX_STEPS) failure = `no answer after ${MAX_STEPS} steps of ${STEP_MS} ms`;
  loop.advance(STEP_MS);
  await new Promise((resolve) => setTimeout(resolve, STEP_MS));
}

if (failure === null && readBack !== value)
  failure = `GET returned ${JSON.stringify(readBack)}, not the value written`;
acc.free();
if (failure !== null) {
  console.error(`custom-event-loop: ${failure}`);
  process.exitCode = 1;
} else {
  console.log(
    `custom-event-loop: SET and GET through a ManualLoop in ${steps} steps (${loop.now()} ms on its clock)`,
  );
}
