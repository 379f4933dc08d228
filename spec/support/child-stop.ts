/**
 * Stopping a load that runs in a child process, both ends: the parent asks with a `stop` line (and the end
 * of the child's stdin) and waits a bounded time; the child looks for that between its calls.
 */
import type { ChildProcess } from 'node:child_process';

/**
 * Asks `child` to stop and waits for `exited` (its exit code, once its output is read), at most `timeoutMs`;
 * a child still running then is killed and 'timeout' returned.
 */
export async function stopChild(
  child: ChildProcess,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<number | null | 'timeout'> {
  child.stdin!.end('stop\n');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    exited,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (code === 'timeout') child.kill('SIGKILL');
  return code;
}

/** In the child: a test that turns true once the parent asked it to stop (a `stop` line or the end of stdin). */
export function stopAsked(): () => boolean {
  let stopping = false;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (text: string) => {
    if (text.includes('stop')) stopping = true;
  });
  process.stdin.on('end', () => {
    stopping = true;
  });
  return () => stopping;
}
