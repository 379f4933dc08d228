/**
 * A channel worker for the channel specs: echoes requests, and on request misbehaves in the ways a real
 * worker can (sleeps past a deadline, throws, exits, blocks its loop, publishes a stale response).
 * Imported on the main thread it only exports the opcodes.
 */
import { Buffer } from 'node:buffer';
import { isMainThread } from 'node:worker_threads';
import {
  type ChannelRequest,
  channelInit,
  STATUS_ERROR,
  STATUS_OK,
  Word,
  WorkerChannel,
} from '../../lib/blocking/channel.js';

/** Reply = the request bytes. */
export const OP_ECHO = 1;
/** Request: u32le ms, then bytes. Sleeps (loop free), then replies with the bytes. */
export const OP_SLEEP_ECHO = 2;
/** Request: u32le n, u8 b. Reply: n bytes of b, written in place (reserve + publish). */
export const OP_REPEAT = 3;
/** Reply: STATUS_ERROR with the request text. */
export const OP_ERROR = 4;
/** Request: u32le n. Posts events {i: 0..n-1}, then replies 'ok'. */
export const OP_EVENTS = 5;
/** Throws Error('boom') out of the serving loop. */
export const OP_THROW = 6;
/** process.exit(3). */
export const OP_EXIT = 7;
/** Request: u32le ms. Blocks the thread's event loop that long (no heartbeat), then echoes the rest. */
export const OP_BLOCK = 8;
/** First publishes a fake response for seq - 1 with body 'stale', then echoes 20 ms later. */
export const OP_STALE_FIRST = 9;
/** The worker closes the channel on its own without answering. */
export const OP_CLOSE_SELF = 10;
/** Reply: the request header as JSON {opcode, count, flags, timeoutMs, length}. */
export const OP_HEADER = 11;
/** Declares itself dead with the request text as the reason (WorkerChannel.fail). */
export const OP_FAIL = 12;
/**
 * Echoes from a later turn of the event loop while next() already waits for the following request, as the
 * real worker answers a command in flight.
 */
export const OP_ECHO_LATER = 13;

/** `options.data` understood by this worker. */
export interface EchoWorkerData {
  /** Delay before serving (the first next()). */
  startDelayMs?: number;
  /** Never serve: the caller's ready wait must time out. */
  neverReady?: boolean;
  /** Throw while the module loads. */
  throwAtLoad?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function blockThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

async function handle(ch: WorkerChannel, req: ChannelRequest, words: Int32Array): Promise<boolean> {
  const body = req.body;
  switch (req.opcode) {
    case OP_ECHO:
      ch.respond(req, STATUS_OK, body);
      return true;
    case OP_ECHO_LATER: {
      const copy = Buffer.from(body);
      setImmediate(() => ch.respond(req, STATUS_OK, copy));
      return true;
    }
    case OP_SLEEP_ECHO: {
      const rest = Buffer.from(body.subarray(4)); // copy: the caller may time out and move on
      await sleep(body.readUInt32LE(0));
      ch.respond(req, STATUS_OK, rest);
      return true;
    }
    case OP_REPEAT: {
      const n = body.readUInt32LE(0);
      ch.reserve(n).fill(body[4]!, 0, n);
      ch.publish(req, STATUS_OK, n);
      return true;
    }
    case OP_ERROR:
      ch.respond(req, STATUS_ERROR, body.toString('utf8'));
      return true;
    case OP_EVENTS: {
      const n = body.readUInt32LE(0);
      for (let i = 0; i < n; i++) ch.postEvent({ i });
      ch.respond(req, STATUS_OK, 'ok');
      return true;
    }
    case OP_THROW:
      throw new Error('boom');
    case OP_EXIT:
      return process.exit(3);
    case OP_BLOCK:
      blockThread(body.readUInt32LE(0));
      ch.respond(req, STATUS_OK, body.subarray(4));
      return true;
    case OP_STALE_FIRST: {
      const area = ch.reserve(5);
      area.write('stale');
      words[Word.RESP_STATUS] = STATUS_OK;
      words[Word.RESP_LENGTH] = 5;
      Atomics.store(words, Word.RESP_SEQ, req.seq - 1);
      Atomics.notify(words, Word.RESP_SEQ);
      const copy = Buffer.from(body);
      await sleep(20);
      ch.respond(req, STATUS_OK, copy);
      return true;
    }
    case OP_CLOSE_SELF:
      return false;
    case OP_FAIL:
      ch.fail(body.toString('utf8'));
      return false;
    case OP_HEADER: {
      const { opcode, count, flags, timeoutMs } = req;
      ch.respond(req, STATUS_OK, JSON.stringify({ opcode, count, flags, timeoutMs, length: body.length }));
      return true;
    }
  }
  ch.respond(req, STATUS_ERROR, `unknown opcode ${req.opcode}`);
  return true;
}

async function serve(): Promise<void> {
  const init = channelInit();
  const data = (init.data ?? {}) as EchoWorkerData;
  const ch = new WorkerChannel(init);
  if (data.neverReady) return;
  if (data.startDelayMs) await sleep(data.startDelayMs);
  const words = new Int32Array(init.control);
  for (let req = await ch.next(); req !== null; req = await ch.next()) {
    if (!(await handle(ch, req, words))) break;
  }
  ch.close();
}

if (!isMainThread) {
  if ((channelInit().data as EchoWorkerData | undefined)?.throwAtLoad) throw new Error('load failure');
  // Not awaited: an error out of the loop then ends the thread as an uncaught exception would.
  void serve();
}
