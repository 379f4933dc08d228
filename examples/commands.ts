/**
 * Sending commands: hiredis format strings (%s, %b, %d, %f, ...), argv arrays and pre-encoded RESP.
 * Spaces in the format split arguments; interpolated values are never split.
 *
 *   npm run build && node dist/examples/commands.js [host:port,...]
 */
import { BlockingClusterContext, encodeArgv } from 'hircluster';

const nodes = process.argv[2] ?? process.env.HIRCLUSTER_NODES ?? '127.0.0.1:7000';
const cc = new BlockingClusterContext({ nodes });
cc.connect();

const id = 42;
cc.command('SET example:commands:%d %s', id, 'a value with spaces'); // %d formats like printf
console.log(cc.command('GET example:commands:%d', id));

cc.command('SET %s %b', 'example:commands:bytes', Buffer.from([0, 1, 2, 255])); // %b: binary-safe
console.log('STRLEN:', cc.command('STRLEN %s', 'example:commands:bytes'));

cc.command('SET %s %.2f', 'example:commands:pi', Math.PI); // printf precision
console.log('pi:', cc.command('GET %s', 'example:commands:pi'));

// An argv array: strings, Buffers, numbers.
console.log('HSET:', cc.commandArgv(['HSET', 'example:commands:h', 'field', 'value', 'n', 7]));
// Pre-encoded RESP, routed by its key like any other command.
console.log('HGET:', cc.formattedCommand(encodeArgv(['HGET', 'example:commands:h', 'n'])));

try {
  cc.command('GET %q', 'x');
} catch {
  console.log('GET %q:', cc.errstr);
}

cc.commandArgv([
  'DEL',
  'example:commands:42',
  'example:commands:bytes',
  'example:commands:pi',
  'example:commands:h',
]);
cc.close();

// Output:
// a value with spaces
// STRLEN: 4
// pi: 3.14
// HSET: 2
// HGET: 7
// GET %q: Invalid format string: incomplete conversion '%q' at the end
