/**
 * Compile-time checks of `defineScript` on both faces and the `offlineQueue` option, against the package as
 * users get it: each `@ts-expect-error` line must be an error. Checked by `tsc -p spec/types` from
 * spec/unit/face/typed-methods-types.spec.ts; never run.
 */
import {
  AsyncClusterContext,
  type AsyncScript,
  type BlockingClusterContext,
  type BlockingScript,
} from 'hircluster';

export function blockingScripts(cc: BlockingClusterContext): void {
  const script: BlockingScript = cc.defineScript('return 1', { keys: 1 });
  const n: number = script<number>('k', 'arg', 2);
  const sha: string = script.load();
  // @ts-expect-error: the options (how many keys) are required
  cc.defineScript('return 1');
  // @ts-expect-error: the blocking face's load() returns the digest, not a promise
  const p: Promise<string> = script.load();
  void [n, sha, p];
}

export async function asyncScripts(acc: AsyncClusterContext): Promise<void> {
  const script: AsyncScript = acc.defineScript('return 1', { keys: 0 });
  const n: number = await script<number>();
  const sha: string = await script.load();
  // @ts-expect-error: keys is a number
  acc.defineScript('return 1', { keys: '1' });
  // @ts-expect-error: a key is not an object
  await script({});
  void [n, sha];
}

export function offlineQueueOption(): void {
  new AsyncClusterContext({ nodes: '127.0.0.1:7000', offlineQueue: { max: 10, timeoutMs: 500 } });
  // @ts-expect-error: max is a number
  new AsyncClusterContext({ nodes: '127.0.0.1:7000', offlineQueue: { max: '10' } });
}
