/**
 * Compile-time checks of the typed command methods, against the package as users get it (`hircluster`,
 * the built declarations): each `@ts-expect-error` line must be an error (tsc fails on one that is not),
 * each `expectType` must infer exactly that type. Checked by `tsc -p spec/types` from
 * spec/unit/face/typed-methods-types.spec.ts; never run.
 */
import type { AsyncClusterContext, BlockingClusterContext } from 'hircluster';

type Exact<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;

/** `expectType<T>()(value)` compiles only when `value`'s type is exactly T (not a subtype, not any). */
function expectType<T>() {
  return <V>(value: V, ..._exactly: Exact<T, V> extends true ? [] : [never]): V => value;
}

export function blockingFace(cc: BlockingClusterContext): void {
  expectType<string | null>()(cc.get('k'));
  expectType<Buffer | null>()(cc.buffers.get('k'));
  expectType<'OK' | null>()(cc.set('k', 'v', { expiration: { ex: 10 }, condition: 'NX' }));
  expectType<string | null>()(cc.set('k', 'v', { get: true }));
  expectType<Record<string, string>>()(cc.hgetall('h'));
  expectType<Record<string, Buffer>>()(cc.buffers.hgetall('h'));
  expectType<number>()(cc.hset('h', { a: '1', b: 2 }));
  expectType<number>()(
    cc.zadd(
      'z',
      [
        [1, 'a'],
        [2, 'b'],
      ],
      { condition: 'NX' },
    ),
  );
  expectType<number | null>()(cc.zadd('z', [[1, 'a']], { incr: true }));
  expectType<string[]>()(cc.zrange('z', 0, -1));
  expectType<[string, number][]>()(cc.zrange('z', 0, -1, { withscores: true }));
  expectType<number | null>()(cc.zscore('z', 'a'));
  expectType<string | null>()(cc.lpop('l'));
  expectType<string[] | null>()(cc.lpop('l', 2));
  expectType<number>()(cc.del('a', 'b', 'c'));
  expectType<(string | null)[]>()(cc.mget('a', 'b'));
  expectType<string[]>()(cc.smembers('s'));
  expectType<unknown>()(cc.eval('return 1', ['k'], 'arg'));
  expectType<number>()(cc.send<number>('INCR', 'n'));
  expectType<unknown>()(cc.send('GET', 'k'));

  // @ts-expect-error a key is text or bytes, not a number (the `%s` mistake)
  cc.get(5);
  // @ts-expect-error an integer argument takes a number, not text
  cc.expire('k', '10');
  // @ts-expect-error SET needs its value
  cc.set('k');
  // @ts-expect-error no such option
  cc.set('k', 'v', { ttl: 10 });
  // @ts-expect-error NX and XX are the only conditions
  cc.set('k', 'v', { condition: 'YES' });
  // @ts-expect-error EX takes seconds as a number
  cc.set('k', 'v', { expiration: { ex: '10' } });
  // @ts-expect-error a score is a number (or an infinity), not any text
  cc.zadd('z', [['one', 'a']]);
  // @ts-expect-error a blocking call returns the reply, not a Promise
  cc.get('k').then;
  // @ts-expect-error HGETALL's reply is an object, not a Map
  cc.hgetall('h').get('a');
  // @ts-expect-error no such command
  cc.gett('k');
}

export async function asyncFace(acc: AsyncClusterContext): Promise<void> {
  expectType<Promise<string | null>>()(acc.get('k'));
  expectType<string | null>()(await acc.get('k'));
  expectType<Buffer | null>()(await acc.buffers.get('k'));
  expectType<Record<string, string>>()(await acc.hgetall('h'));
  expectType<[string, number][]>()(await acc.zrange('z', 0, -1, { withscores: true }));
  expectType<number>()(await acc.incr('n'));
  expectType<Record<string, [id: string, fields: Record<string, string>][]> | null>()(
    await acc.xread({ key: ['s'], id: ['0'] }, { count: 10 }),
  );
  expectType<string>()(await acc.send<string>('GET', 'k'));

  // @ts-expect-error a key is text or bytes, not a number
  await acc.get(5);
  // @ts-expect-error the async face returns a Promise: its reply is awaited first
  acc.get('k').length;
  // @ts-expect-error LPUSH takes values, not an object
  await acc.lpush('l', { a: 1 });
  // @ts-expect-error send's type parameter types the reply
  expectType<number>()(await acc.send<string>('GET', 'k'));
}
