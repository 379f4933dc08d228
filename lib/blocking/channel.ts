/// <reference lib="es2024.sharedmemory" />
/**
 * The bridge between a caller thread that blocks in `Atomics.wait` and a worker thread that keeps its event
 * loop free (it waits with `Atomics.waitAsync`): one request in flight at a time over shared memory.
 *
 * Memory: a small control buffer of Int32 words (each group on its own 64-byte line, so the two threads do
 * not share cache lines they both write), plus a request area (written by the caller, grown by the caller)
 * and a response area (written by the worker, grown by the worker), each its own SharedArrayBuffer. The
 * control buffer goes to the worker with the thread; the two areas in the port's first message, which the
 * caller posts once the thread is on its way.
 *
 * Protocol, one call:
 *   caller: encode into the request area -> REQ_SEQ = 0 (writing) -> request header -> REQ_SEQ = seq (store
 *           + notify)
 *   worker: sees REQ_SEQ change -> handles it -> response bytes + header -> RESP_SEQ = seq (store + notify)
 *   caller: spins briefly, then waits in short slices until RESP_SEQ === seq; reads the response.
 * Sequence numbers, not flags: the caller accepts a response only when RESP_SEQ equals its own seq and
 * never trusts `Atomics.wait`'s return value, so a stale notify or a late reply to a timed-out call can
 * never pass for the current call's reply (reference/sync-bridge-and-codec.md §1.2 pitfalls 3–4).
 *
 * Growth needs no extra round trip: whoever writes an area allocates a bigger SharedArrayBuffer, posts it on
 * the channel's MessagePort (shared, not copied) and names its generation in the header it publishes; the
 * reader drains its port with `receiveMessageOnPort` until it holds that generation. A message posted
 * before the publishing `Atomics.store` is already queued when the other side sees the store.
 *
 * Liveness: the caller can receive no events while it is blocked, so everything it must know travels in
 * shared memory: READY, a heartbeat the worker bumps every 50 ms, and a DEAD state with a reason that the
 * worker's fatal paths (uncaught exception, `process.exit`, a module that fails to load) write.
 */
export { CallerChannel } from './caller-channel.js';
export {
  type ChannelInit,
  type ChannelOptions,
  type ChannelRequest,
  ChannelState,
  channelInit,
  MAX_AREA_BYTES,
  OP_CLOSE,
  STATUS_ERROR,
  STATUS_OK,
  STATUS_TIMEOUT,
  Word,
} from './channel-layout.js';
export { runWorkerEntry, WorkerChannel } from './worker-channel.js';
