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
