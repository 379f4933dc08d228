/**
 * Commands that hold their link while they wait (BLPOP and the other blocking pops, BLMOVE, XREAD and
 * XREADGROUP with BLOCK, WAIT, WAITAOF): how long, from their own arguments. Such a command runs on a link
 * of its own, so the node's other commands are not held behind it.
 */
import { Buffer } from 'node:buffer';

type Arg = string | Uint8Array | number | bigint;

/** Not a blocking command. */
export const NOT_BLOCKING = -1;

function text(arg: Arg | undefined): string {
  if (arg === undefined) return '';
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'number' || typeof arg === 'bigint') return String(arg);
  return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength).toString('latin1');
}

/** A timeout argument in `unit` ms (seconds: 1000); 0 (for ever) when it is 0 or not a number. */
function timeoutArg(arg: Arg | undefined, unit: number): number {
  const value = Number(text(arg));
  return Number.isFinite(value) && value > 0 ? Math.ceil(value * unit) : 0;
}

/**
 * How long a command may wait for its reply by its own arguments: NOT_BLOCKING (-1), 0 for ever, else ms.
 * The first letter is looked at before any string is made: most commands are not blocking.
 */
export function blockTimeoutMs(argv: readonly Arg[]): number {
  const first = argv[0];
  const c =
    typeof first === 'string'
      ? first.charCodeAt(0) | 0x20
      : first instanceof Uint8Array
        ? first[0]! | 0x20
        : 0;
  if (c !== 0x62 && c !== 0x78 && c !== 0x77) return NOT_BLOCKING; // b, x, w
  switch (text(first).toUpperCase()) {
    case 'BLPOP':
    case 'BRPOP':
    case 'BZPOPMIN':
    case 'BZPOPMAX':
    case 'BLMOVE':
    case 'BRPOPLPUSH':
      return timeoutArg(argv[argv.length - 1], 1000);
    case 'BLMPOP':
    case 'BZMPOP':
      return timeoutArg(argv[1], 1000);
    case 'XREAD':
    case 'XREADGROUP':
      for (let i = 1; i < argv.length - 1; i++) {
        if (text(argv[i]).toUpperCase() === 'BLOCK') return timeoutArg(argv[i + 1], 1);
      }
      return NOT_BLOCKING;
    case 'WAIT':
      return timeoutArg(argv[2], 1);
    case 'WAITAOF':
      return timeoutArg(argv[3], 1);
    default:
      return NOT_BLOCKING;
  }
}

/**
 * A blocking command's deadline on its link, in ms (0: none): its own `timeoutMs` when given (>= 0), else
 * its wait plus the command timeout — none when it waits for ever or there is no command timeout, so a
 * command timeout never ends a blocking command before its own time is up.
 */
export function blockingDeadline(blockMs: number, commandTimeout: number, timeoutMs: number): number {
  if (timeoutMs >= 0) return timeoutMs;
  if (commandTimeout === 0 || blockMs === 0) return 0;
  return blockMs + commandTimeout;
}
