/**
 * The typed command methods on a face: one function per entry of the generated table, each handing its
 * Method and the call's arguments to the face's `callMethod`, which sends the argv and returns (or
 * promises) the shaped reply. `buffers` gives the same methods with Buffers in bulk replies.
 */
import { type MultiKeyReplies, multiKeyReplies } from '../cluster/multikey-replies.js';
import { otherError } from '../errors.js';
import { plainReplies, plainRepliesWith } from '../resp/build.js';
import { Method } from './method-argv.js';
import { METHOD_SPECS } from './methods.generated.js';

/** A face that runs typed methods: `binary` builds bulk strings as Buffers. */
export interface MethodHost {
  callMethod(method: Method, call: ArrayLike<unknown>, binary: boolean): unknown;
}

/** Every method once, shared by the faces. */
const METHODS: readonly Method[] = Object.entries(METHOD_SPECS).map(([name, spec]) => new Method(name, spec));

const TEXT_REPLIES = multiKeyReplies(plainReplies);
const BINARY_REPLIES = multiKeyReplies(plainRepliesWith({ returnBuffers: true }));

/** How typed methods build (and merge) replies, whatever the context's builder: the shapes depend on it. */
export function methodReplies(binary: boolean): MultiKeyReplies {
  return binary ? BINARY_REPLIES : TEXT_REPLIES;
}

/** Defines every method on `target`, calling `host(this)`'s callMethod. */
function define(target: object, host: (self: never) => MethodHost, binary: boolean): void {
  for (const method of METHODS) {
    if (method.name in target) throw otherError(`typed method ${method.name} hides a member of the face`);
    Object.defineProperty(target, method.name, {
      configurable: true,
      writable: true,
      value: function (this: never) {
        // biome-ignore lint/complexity/noArguments: no rest array per call on the hot path
        return host(this).callMethod(method, arguments, binary);
      },
    });
  }
}

/** The binary-safe methods of one context (its `buffers`). */
class BinaryMethods {
  constructor(readonly host: MethodHost) {}
}
define(BinaryMethods.prototype, (self: BinaryMethods) => self.host, true);

/** Adds the typed methods to a face's prototype. */
export function installMethods(prototype: MethodHost): void {
  define(prototype, (self: MethodHost) => self, false);
}

/** The binary-safe methods over `host`. */
export function binaryMethods(host: MethodHost): unknown {
  return new BinaryMethods(host);
}
