/**
 * Secrets out of sight: a context or its options printed with util.inspect (console.log) or
 * JSON.stringify show what they are configured with, never the password or TLS private material.
 */
import type { ConnectionOptions } from 'node:tls';

/** What a secret shows as. */
export const HIDDEN = '<hidden>';

/** Node's util.inspect hook, by its registered name (no import of node:util needed). */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** util.inspect's own function, as it passes it to a custom inspect hook. */
export type InspectFunction = (value: unknown, options?: object) => string;

/** The options util.inspect passes to a custom inspect hook (the part used here). */
export interface InspectOptions {
  /** How many levels of nesting util.inspect still shows (null: all). */
  depth?: number | null;
}

/** TLS options whose values are secret: the private key, its passphrase, a PKCS#12 bundle. */
const TLS_SECRETS = ['key', 'passphrase', 'pfx'] as const;

/** `secret` itself when empty (nothing to hide), else {@link HIDDEN}. */
export function hidden(secret: string): string {
  return secret === '' ? '' : HIDDEN;
}

/** A copy of TLS options with the secret ones hidden (undefined stays undefined). */
export function hideTlsSecrets(tls: ConnectionOptions | undefined): ConnectionOptions | undefined {
  if (tls === undefined) return undefined;
  const copy: Record<string, unknown> = { ...tls };
  for (const name of TLS_SECRETS) if (copy[name] !== undefined) copy[name] = HIDDEN;
  return copy as ConnectionOptions;
}

/**
 * Makes a plain object show as `view()` to util.inspect and JSON.stringify. The hooks are
 * non-enumerable, so spreading or cloning the object still copies only its own data.
 */
export function showAs<T extends object>(target: T, view: () => object): T {
  Object.defineProperty(target, INSPECT, { value: view });
  Object.defineProperty(target, 'toJSON', { value: view });
  return target;
}

/** A custom inspect hook's text for a class instance shown as `name` plus `view`, one level deeper. */
export function inspectAs(
  name: string,
  view: object,
  depth: number,
  options: InspectOptions,
  inspect: InspectFunction,
): string {
  if (depth < 0) return `[${name}]`;
  const inner = inspect(view, { ...options, depth: options.depth == null ? null : options.depth - 1 });
  return `${name} ${inner}`;
}
