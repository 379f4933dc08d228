/** What the CLIs print, written straight to fd 1 so the order of lines is the order of events. */
import { writeSync } from 'node:fs';
import {
  HIRCLUSTER_EVENT_FREE_CONTEXT,
  HIRCLUSTER_EVENT_READY,
  HIRCLUSTER_EVENT_SLOTMAP_UPDATED,
} from '../events.js';

const EVENT_NAMES: Record<number, string> = {
  [HIRCLUSTER_EVENT_SLOTMAP_UPDATED]: 'slotmap-updated',
  [HIRCLUSTER_EVENT_READY]: 'ready',
  [HIRCLUSTER_EVENT_FREE_CONTEXT]: 'free-context',
};

export function out(text: string): void {
  writeSync(1, text);
}

/** The C programs' event callback line: `Event: slotmap-updated|ready|free-context`. */
export function printEvent(event: number): void {
  out(`Event: ${EVENT_NAMES[event] ?? 'unknown'}\n`);
}

/**
 * The C programs' `Unknown argument: '<arg>'` on stderr; the value of a `--name=value` is not repeated
 * (a password given as `--password=...` must not be echoed).
 */
export function unknownArgument(arg: string): void {
  const shown =
    arg.startsWith('--') && arg.includes('=') ? `${arg.slice(0, arg.indexOf('='))}=<hidden>` : arg;
  process.stderr.write(`Unknown argument: '${shown}'\n`);
}

/**
 * Makes the context. The only input it takes from the command line is the address, so a failure here
 * is an unusable address: the C programs' AddNodes then leaves no node, and Connect2 says so (without
 * repeating the argument, which may be anything the user typed).
 */
export function contextOrExit<T>(make: () => T, status: number): T {
  try {
    return make();
  } catch {
    out('Connect error: servers address does not set up\n');
    process.exit(status);
  }
}
