/**
 * Fuzz target (a), the decoder: streams of generated frames, valid or mutated or noise, through the
 * frame scanner, both reply builders and a real engine link under many chunkings. It holds that
 *   - a failure is only ever a ClusterError REDIS_ERR_PROTOCOL whose message says "Protocol error: ...";
 *   - valid frames decode to what the reference model says, unless they need more than the limits
 *     allow, and then the error names a limit the frame breaks;
 *   - every frame the scanner accepts builds (a builder that throws would crash a reading link) and
 *     stays within the limits;
 *   - a link gives the same frames, pushes and errors whether the bytes come whole, byte by byte,
 *     split at any one point or in random pieces;
 *   - nothing is allocated for a length or count before the bytes arrive (hostile headers are tiny).
 */
import { Buffer } from 'node:buffer';
import { isDeepStrictEqual } from 'node:util';
import { ClusterError, REDIS_ERR_PROTOCOL } from '../../lib/errors.js';
import { buildReply } from '../../lib/resp/build.js';
import { plainReplies } from '../../lib/resp/plain-replies.js';
import type { TypedReply } from '../../lib/resp/reply-types.js';
import { DEFAULT_LIMITS, FrameScanner, type RespLimits } from '../../lib/resp/scan.js';
import { typedReplies } from '../../lib/resp/typed-replies.js';
import { FEED_ADDR, feedLink, type LinkRecord } from './link-feed.js';
import { mutate, noise } from './mutate.js';
import type { Random } from './random.js';
import { exceededLimits, type ModelFrame, modelFrame, view } from './resp-model.js';
import { crash, Finding, type FuzzTarget, printable, type Stats } from './target.js';

/** What the scanner makes of a whole stream, frame after frame. */
interface ScanResult {
  frames: [number, number][];
  /** The error that stopped it, or null. */
  error: ClusterError | null;
  /** Bytes of an incomplete frame at the end. */
  tail: number;
}

/** Small limits, so that generated frames often need more. */
function smallLimits(rng: Random): RespLimits {
  return {
    maxBulkLength: rng.range(1, 64),
    maxAggregateElements: rng.range(1, 12),
    maxDepth: rng.range(1, 6),
  };
}

function protocolFailure(err: unknown, what: string, input: string): ClusterError {
  if (
    !(err instanceof ClusterError) ||
    err.code !== REDIS_ERR_PROTOCOL ||
    !err.message.startsWith('Protocol error: ')
  ) {
    throw crash(what, err, input);
  }
  return err;
}

function scanStream(input: Buffer, limits: RespLimits, shown: string): ScanResult {
  const scanner = new FrameScanner(limits);
  const frames: [number, number][] = [];
  let pos = 0;
  while (pos < input.length) {
    let end: number;
    try {
      end = scanner.scan(input, pos, input.length);
    } catch (err) {
      return { frames, error: protocolFailure(err, 'FrameScanner.scan', shown), tail: 0 };
    }
    if (end < 0) return { frames, error: null, tail: input.length - pos };
    if (end <= pos || end > input.length)
      throw new Finding(`scan returned end ${end} for a frame at ${pos}`, shown);
    frames.push([pos, end]);
    pos = end;
  }
  return { frames, error: null, tail: 0 };
}

/** Walks a typed reply: every string within maxBulkLength, every aggregate within the element and depth limits. */
function limitBreach(reply: TypedReply, limits: RespLimits, depth = 0): string | null {
  if (reply.len !== undefined && reply.len > limits.maxBulkLength) return `a string of ${reply.len} bytes`;
  if (reply.element === undefined) return null;
  if (depth + 1 > limits.maxDepth && reply.element.length > 0) return `nesting depth ${depth + 1}`;
  if (reply.element.length > limits.maxAggregateElements) return `${reply.element.length} elements`;
  for (const element of reply.element) {
    const breach = limitBreach(element, limits, depth + 1);
    if (breach !== null) return breach;
  }
  return null;
}

/** Builds one accepted frame both ways; a throw is a finding (it would escape a link's read callback). */
function build(
  input: Buffer,
  start: number,
  end: number,
  limits: RespLimits,
  shown: string,
): [unknown, TypedReply] {
  let plain: unknown;
  let typed: TypedReply;
  try {
    plain = buildReply(input, start, end, plainReplies);
    typed = buildReply(input, start, end, typedReplies);
  } catch (err) {
    throw crash(`buildReply of the frame at ${start}..${end}, which the scanner accepted,`, err, shown);
  }
  const breach = limitBreach(typed, limits);
  if (breach !== null) throw new Finding(`the frame at ${start}..${end} was accepted with ${breach}`, shown);
  return [plain, typed];
}

/** The model's verdict on an unmutated stream: these frames decode to these values, then maybe a limit error. */
function checkModel(
  frames: ModelFrame[],
  limits: RespLimits,
  result: ScanResult,
  built: [unknown, TypedReply][],
  shown: string,
  stats: Stats,
): void {
  let offset = 0;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    const exceeded = exceededLimits(frame, limits);
    if (exceeded.length > 0) {
      const message = result.error?.message ?? '';
      const named = /(?:exceeds|longer than) (maxBulkLength|maxAggregateElements|maxDepth) (\d+)$/.exec(
        message,
      );
      if (
        result.frames.length !== i ||
        named === null ||
        !exceeded.includes(named[1] as keyof RespLimits) ||
        Number(named[2]) !== limits[named[1] as keyof RespLimits]
      ) {
        throw new Finding(
          `frame ${i} needs more than ${exceeded.join(', ')} ${JSON.stringify(limits)} allow: expected a limit error after ${i} frames, got ${result.frames.length} frames and ${message || 'no error'}`,
          shown,
        );
      }
      stats.add(`limit ${named[1]}`);
      return;
    }
    const got = result.frames[i];
    if (got === undefined || got[0] !== offset || got[1] !== offset + frame.wire.length) {
      throw new Finding(
        `frame ${i} should span ${offset}..${offset + frame.wire.length}, got ${got ?? result.error?.message ?? 'nothing'}`,
        shown,
      );
    }
    const [plain, typed] = built[i]!;
    if (!isDeepStrictEqual(view(plain), view(frame.plain))) {
      throw new Finding(
        `frame ${i} decoded to ${show(view(plain))}, the model says ${show(view(frame.plain))}`,
        shown,
      );
    }
    if (!isDeepStrictEqual(typed, frame.typed)) {
      throw new Finding(`frame ${i} typed reply ${show(typed)}, the model says ${show(frame.typed)}`, shown);
    }
    offset += frame.wire.length;
  }
  if (result.error !== null || result.tail !== 0 || result.frames.length !== frames.length) {
    throw new Finding(
      `a valid stream of ${frames.length} frames gave ${result.frames.length} frames, ${result.error?.message ?? `${result.tail} bytes left`}`,
      shown,
    );
  }
}

function show(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    typeof v === 'bigint' ? `${v}n` : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
  );
}

/** What a link must do with the stream, from the whole-stream scan and `pending` commands waiting. */
function expectedRecord(
  input: Buffer,
  result: ScanResult,
  built: [unknown, TypedReply][],
  pending: number,
): LinkRecord {
  const record: LinkRecord = [];
  let left = pending;
  const fail = (message: string) => {
    for (; left > 0; left--) record.push(`fail ${REDIS_ERR_PROTOCOL} ${message}`);
    record.push(`close ${REDIS_ERR_PROTOCOL} ${message}`);
    return record;
  };
  for (let i = 0; i < result.frames.length; i++) {
    const [start, end] = result.frames[i]!;
    const hex = input.subarray(start, end).toString('hex');
    // A push is a push with or without attributes before it.
    if (built[i]![1].type === 12) record.push(`push ${hex}`);
    else if (left === 0)
      return fail(`Protocol error: a reply arrived with no command waiting (from ${FEED_ADDR})`);
    else {
      record.push(`frame ${hex}`);
      left--;
    }
  }
  if (result.error !== null) return fail(`${result.error.message} (from ${FEED_ADDR})`);
  record.push(`pending ${left}`);
  return record;
}

/** Cut points: none, every byte, every single point (short streams), random pieces. */
function chunkings(rng: Random, length: number): number[][] {
  const out: number[][] = [[]];
  if (length <= 2048) out.push(Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1));
  if (length <= 160) for (let i = 1; i < length; i++) out.push([i]);
  for (let k = 0; k < 3 && length > 1; k++) {
    const cuts = new Set<number>();
    for (let n = rng.range(1, 8); n > 0; n--) cuts.add(rng.range(1, length - 1));
    out.push([...cuts].sort((a, b) => a - b));
  }
  return out;
}

function split(input: Buffer, cuts: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(input.subarray(from, cut));
    from = cut;
  }
  chunks.push(input.subarray(from));
  return chunks;
}

/** One decoder case. */
function decoderCase(rng: Random, stats: Stats): void {
  const small = rng.chance(0.4);
  const limits = small ? smallLimits(rng) : { ...DEFAULT_LIMITS };
  const shape = { maxDepth: rng.range(0, 8), maxElements: rng.range(0, 6), largeBulk: 0.02 };
  const frames = Array.from({ length: rng.range(1, 4) }, () => modelFrame(rng, shape));
  const valid = Buffer.concat(frames.map((f) => f.wire));
  let input: Buffer = valid;
  const roll = rng.float();
  if (roll < 0.05) input = noise(rng);
  else if (roll < 0.1) {
    input = hostileHeader(rng, limits);
    stats.add('hostile headers');
  } else if (roll < 0.55) {
    const donor = modelFrame(rng, shape).wire;
    for (let n = rng.range(1, 3); n > 0; n--) input = mutate(rng, input, limits, donor);
  }
  const mutated = !input.equals(valid);
  const shown = `${printable(input)} limits ${JSON.stringify(limits)}`;
  for (const frame of frames) for (const kind of frame.kinds) stats.add(`type ${kind}`);

  const result = scanStream(input, limits, shown);
  const built = result.frames.map(([start, end]) => build(input, start, end, limits, shown));
  if (!mutated) checkModel(frames, limits, result, built, shown, stats);
  stats.add(mutated ? 'mutated streams' : 'valid streams');
  stats.add('frames accepted', result.frames.length);
  if (result.error !== null)
    stats.add(`error: ${result.error.message.replace(/ at offset \d+.*$| \d+.*$/, '')}`);
  else if (result.tail > 0) stats.add('incomplete tail');

  const memoryBefore = memory();
  const frameCount = result.frames.length;
  const pending = Math.max(0, frameCount + rng.range(-1, 2));
  const expected = expectedRecord(input, result, built, pending);
  for (const cuts of chunkings(rng, input.length)) {
    let got: LinkRecord;
    try {
      got = feedLink(split(input, cuts), pending, limits);
    } catch (err) {
      throw crash(`a link fed in ${cuts.length + 1} pieces`, err, shown);
    }
    if (!isDeepStrictEqual(got, expected)) {
      throw new Finding(
        `a link fed in pieces cut at [${cuts.join(',')}] did\n    ${got.join('\n    ')}\n  the whole-stream scan says\n    ${expected.join('\n    ')}`,
        shown,
      );
    }
    stats.add('link feeds');
  }
  const grown = memory() - memoryBefore;
  if (grown > MEMORY_BOUND) {
    throw new Finding(
      `feeding ${input.length} bytes grew the heap and buffers by ${(grown / 2 ** 20).toFixed(0)} MiB`,
      shown,
    );
  }
}

/** Heap and buffer memory now (no GC forced: a large allocation shows up at once). */
function memory(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * What the links of one case may allocate: their inputs are at most ~300 KB, so anything near this is
 * memory taken for a length or count that was claimed, not sent (young-generation garbage stays below).
 */
const MEMORY_BOUND = 96 * 2 ** 20;

/** A header claiming as much as the limits allow (or one more), then a few bytes of what it announces. */
function hostileHeader(rng: Random, limits: RespLimits): Buffer {
  const bulk = limits.maxBulkLength + rng.int(2);
  const count = limits.maxAggregateElements + rng.int(2);
  const header = rng.pick([
    `$${bulk}\r\n`,
    `!${bulk}\r\n`,
    `=${bulk}\r\ntxt:`,
    `$?\r\n;${bulk}\r\n`,
    `*${count}\r\n`,
    `~${count}\r\n`,
    `>${count}\r\n`,
    `%${Math.ceil(count / 2)}\r\n`,
    `|${Math.ceil(count / 2)}\r\n`,
    '*1\r\n'.repeat(Math.min(limits.maxDepth + rng.int(2), 70)),
    `+${'x'.repeat(Math.min(bulk, 4096))}`,
  ]);
  return Buffer.concat([Buffer.from(header, 'latin1'), rng.bytes(rng.int(40))]);
}

/** Target (a): the decoder. */
export const decoderTarget: FuzzTarget = {
  name: 'decoder',
  run: decoderCase,
};
