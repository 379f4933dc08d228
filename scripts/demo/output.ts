/** How `npm run demo` prints: numbered sections, `what -> reply` lines, replies in a JSON-like form. */
import { ReplyError } from '../../lib/errors.js';

const COLUMN = 50;

/** A reply as readable text: strings quoted, arrays and maps in brackets, error replies marked. */
export function show(reply: unknown): string {
  if (reply instanceof ReplyError) return `(error) ${reply.message}`;
  if (typeof reply === 'string') return JSON.stringify(reply);
  if (reply === null || reply === undefined) return 'null';
  if (Buffer.isBuffer(reply)) return `<${reply.length} bytes>`;
  if (Array.isArray(reply)) return `[${reply.map(show).join(', ')}]`;
  if (reply instanceof Map) return `{${[...reply].map(([k, v]) => `${show(k)}: ${show(v)}`).join(', ')}}`;
  if (typeof reply === 'object') return JSON.stringify(reply);
  return String(reply);
}

/** A numbered section title. */
export function section(title: string): void {
  console.log(`\n${title}`);
}

/** `   what                      -> result   note` */
export function line(what: string, result?: string, note?: string): void {
  const left = `   ${what}`;
  const middle =
    result === undefined
      ? ''
      : `${left.length < COLUMN ? ' '.repeat(COLUMN - left.length) : ' '}-> ${result}`;
  console.log(`${left}${middle}${note === undefined ? '' : `   ${note}`}`);
}

/** A command line as a user would type it: arguments with spaces quoted. */
export function commandText(argv: readonly unknown[]): string {
  return argv.map((a) => (typeof a === 'string' && /\s/.test(a) ? JSON.stringify(a) : String(a))).join(' ');
}
