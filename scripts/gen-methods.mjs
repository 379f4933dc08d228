#!/usr/bin/env node
// Regenerates lib/face/methods.generated.ts: the typed command methods of both contexts, from COMMAND DOCS of
// a throwaway redis-server (arguments, optional blocks, tokens) and scripts/method-replies.mjs (replies).
// The output has two parts: an interface of every method's signature (types only, nothing at run time) and
// a compact table from which lib/face/method-argv.ts builds each call's argv.
//
// Mapping (documented in README "Typed command methods"):
// - an argument without a token is a positional parameter (optional ones trail); `numkeys` is computed
//   from the keys that follow it; a required pure token is always sent;
// - an optional argument with a token, an optional pure token or a choice of tokens goes in a last
//   `options` object, under its token in lower case (`{ limit: { offset, count }, withscores: true }`);
// - a choice (oneof) is a pure token as its literal ('NX'), a token with a value as `{ ex: 10 }`;
// - a block is an object of its fields; a repeated block is an array of tuples (a field/value list also
//   takes a Record); a repeated last positional argument is a rest parameter.
//
// Usage: npm run gen:methods   (REDIS_SERVER=/path/to/redis-server to pick another binary)

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { askThrowawayServer, serverVersion } from './live-redis.mjs';
import { REPLIES } from './method-replies.mjs';

const OUT = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'lib',
  'face',
  'methods.generated.ts',
);

/** The command groups that get methods: data commands routed by key. */
const GROUPS = new Set([
  'string',
  'hash',
  'list',
  'set',
  'sorted-set',
  'stream',
  'geo',
  'hyperloglog',
  'bitmap',
  'generic',
  'scripting',
]);
/** Keyed commands of those groups without a method: node-level (MIGRATE, MOVE) or for debugging. */
const EXCLUDED = new Set(['migrate', 'move', 'pfdebug']);

// Runtime table: an argument is [kind, key, token, flags, sub-arguments?] (lib/face/method-argv.ts).
const KIND = { value: 0, 'pure-token': 1, oneof: 2, block: 3 };
const OPTIONAL = 1;
const MULTIPLE = 2;
const MULTIPLE_TOKEN = 4;
const POSITIONAL = 8;
const NUMKEYS = 16;
const REST = 32;

const RESERVED = new Set(['function', 'delete', 'default', 'new', 'in', 'for', 'if', 'do', 'var', 'return']);

function camel(name) {
  return name.toLowerCase().replace(/[-_ |]+([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function paramName(arg) {
  const name = camel(arg.name);
  return RESERVED.has(name) ? `${name}Name` : name;
}

const kindOf = (arg) => (arg.type in KIND ? arg.type : 'value');
const has = (arg, flag) => arg.flags?.includes(flag) ?? false;
const identifierToken = (token) => /^[A-Za-z][A-Za-z0-9]*$/.test(token ?? '');

/** Where an argument lives in an options object, a block or a choice: its token, else its name. */
function keyOf(arg) {
  return identifierToken(arg.token) ? arg.token.toLowerCase() : camel(arg.name);
}

/** An argument the server recognizes by a token: it may be left out without shifting the others. */
function marked(arg) {
  if (arg.token !== undefined || arg.type === 'pure-token') return true;
  if (arg.type === 'oneof') return arg.arguments.every(marked);
  if (arg.type === 'block') return marked(arg.arguments[0]);
  return false;
}

function valueType(arg) {
  switch (arg.type) {
    case 'key':
      return 'RedisKey';
    case 'integer':
    case 'unix-time':
      return 'number';
    case 'double':
      return 'RedisScore';
    case 'string':
    case 'pattern':
      return 'RedisValue';
    default:
      throw new Error(`unknown argument type '${arg.type}' of '${arg.name}'`);
  }
}

/** The type of one occurrence of `arg`. */
function oneType(arg) {
  if (arg.type === 'pure-token') return 'boolean';
  if (arg.type === 'oneof') {
    return arg.arguments
      .map((alt) => {
        if (alt.type === 'pure-token') return `'${alt.token}'`;
        if (alt.token !== undefined || alt.type === 'block') {
          return `{\n/** \`${syntax(alt)}\` */\n${keyOf(alt)}: ${fullType(alt)}\n}`;
        }
        return fullType(alt);
      })
      .join(' | ');
  }
  if (arg.type === 'block') {
    const fields = arg.arguments
      .filter((sub) => !(sub.type === 'pure-token' && !has(sub, 'optional')))
      .map(
        (sub) =>
          `/** \`${syntax(sub)}\` */\n${keyOf(sub)}${has(sub, 'optional') ? '?' : ''}: ${fullType(sub)}`,
      );
    return `{\n${fields.join(';\n')}\n}`;
  }
  return valueType(arg);
}

/** An argument as the Redis documentation writes it: `LIMIT offset count`, `NX | XX`. */
function syntax(arg) {
  let out;
  if (arg.type === 'pure-token') out = arg.token;
  else if (arg.type === 'oneof') out = arg.arguments.map(syntax).join(' | ');
  else if (arg.type === 'block') out = arg.arguments.map(syntax).join(' ');
  else out = arg.name;
  if (arg.token !== undefined && arg.type !== 'pure-token') out = `${arg.token} ${out}`;
  if (has(arg, 'multiple'))
    out = `${out} [${has(arg, 'multiple_token') ? out : out.replace(/^\S+ /, '')} ...]`;
  return out;
}

/** A repeated block of required plain values: tuples. */
function tupleBlock(arg) {
  return arg.type === 'block' && arg.arguments.every((sub) => !(sub.type in KIND) && !sub.flags);
}

function fullType(arg) {
  if (!has(arg, 'multiple')) return oneType(arg);
  if (tupleBlock(arg)) {
    const tuple = `readonly (readonly [${arg.arguments.map((sub) => `${paramName(sub)}: ${valueType(sub)}`).join(', ')}])[]`;
    const pairs = arg.arguments.length === 2 && arg.arguments[0].type !== 'double';
    return pairs ? `${tuple} | Readonly<Record<string, RedisValue>>` : tuple;
  }
  const one = oneType(arg);
  return /^\w+$/.test(one) ? `readonly ${one}[]` : `readonly (${one})[]`;
}

function runtimeArg(arg, flags = 0) {
  let f = flags;
  if (has(arg, 'optional')) f |= OPTIONAL;
  if (has(arg, 'multiple')) f |= MULTIPLE;
  if (has(arg, 'multiple_token')) f |= MULTIPLE_TOKEN;
  const out = [KIND[kindOf(arg)], keyOf(arg), arg.token ?? '', f];
  if (arg.arguments) out.push(arg.arguments.map((sub) => runtimeArg(sub)));
  return out;
}

/** One command's method: its parameters, overloads and table entry. */
function method(name, docs) {
  const reply = REPLIES[name];
  if (!reply) throw new Error(`no reply in scripts/method-replies.mjs for '${name}'`);
  const args = docs.arguments ?? [];
  const positional = [];
  const options = [];
  const table = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const optional = has(arg, 'optional');
    if (optional && marked(arg)) {
      options.push(arg);
      table.push(runtimeArg(arg));
    } else if (arg.type === 'pure-token') {
      table.push(runtimeArg(arg));
    } else if (arg.name === 'numkeys' && has(args[i + 1] ?? {}, 'multiple')) {
      table.push(runtimeArg(arg, POSITIONAL | NUMKEYS));
    } else {
      if (!optional && positional.some((p) => p.optional)) {
        throw new Error(`${name}: required '${arg.name}' after an optional positional argument`);
      }
      positional.push({ arg, optional, name: paramName(arg), type: fullType(arg) });
      table.push(runtimeArg(arg, POSITIONAL));
    }
  }
  const names = new Set();
  for (const p of positional) {
    while (names.has(p.name)) p.name += '2';
    names.add(p.name);
  }
  const optionKeys = new Set();
  for (const arg of options) {
    if (optionKeys.has(keyOf(arg))) throw new Error(`${name}: two options named '${keyOf(arg)}'`);
    optionKeys.add(keyOf(arg));
  }
  const last = positional.at(-1);
  const rest =
    last !== undefined && options.length === 0 && has(last.arg, 'multiple') && last.arg.type !== 'block';
  if (rest) table[table.findLastIndex((a) => a[3] & POSITIONAL)][3] |= REST;
  const optionsBody =
    options.length === 0
      ? null
      : `{\n${options.map((arg) => `    /** \`${syntax(arg)}\` */\n    ${keyOf(arg)}?: ${fullType(arg)};`).join('\n')}\n  }`;
  const optionsType = optionsBody === null ? null : `MethodOptions['${camel(name)}']`;

  // The parameters, with `required` making a parameter (and those before it) required and `narrow`
  // narrowing one (an overload of `when`).
  const params = (required = -1, narrow = null) => {
    const out = positional.map((p, i) => {
      const type = narrow?.index === i ? `${p.type} & ${narrow.type}` : p.type;
      if (rest && i === positional.length - 1) return `...${p.name}: ${p.type.replace(/^readonly /, '')}`;
      return `${p.name}${p.optional && i > required ? '?' : ''}: ${type}`;
    });
    if (optionsType !== null) {
      const narrowed = narrow?.index === positional.length;
      out.push(
        `options${narrowed ? '' : '?'}: ${narrowed ? `${optionsType} & ${narrow.type}` : optionsType}`,
      );
    }
    return out.join(', ');
  };
  const signatures = [];
  const alternatives = [];
  for (const [path, alt] of Object.entries(reply.when ?? {})) {
    const [head, field] = path.split('.');
    const index = positional.findIndex((p) => p.name === head);
    let trigger;
    if (index >= 0) {
      const narrow = field === undefined ? null : { index, type: `{ ${field}: true }` };
      signatures.push([params(index, narrow), alt.type, ` — with \`${path}\``]);
      trigger = [index, field ?? ''];
    } else {
      const option = options.find((arg) => keyOf(arg) === head);
      if (option === undefined || field !== undefined) throw new Error(`${name}: 'when' names '${path}'`);
      const type = option.type === 'pure-token' ? 'true' : fullType(option);
      const narrow = { index: positional.length, type: `{ ${head}: ${type} }` };
      signatures.push([params(-1, narrow), alt.type, ` — with option \`${head}\``]);
      trigger = [positional.length, head];
    }
    if ((alt.shape ?? 0) !== (reply.shape ?? 0)) alternatives.push([...trigger, alt.shape ?? '']);
  }
  signatures.push([params(), reply.type, '']);
  const spec = [docs.words, table, reply.shape ?? ''];
  if (alternatives.length > 0) spec.push(alternatives);
  return { signatures, spec, optionsBody };
}

function comment(docs, condition) {
  const summary = (docs.summary ?? '').replace(/\*\//g, '*\\/');
  const lines = [`${summary} (\`${docs.words}\`, Redis ${docs.since})${condition}.`];
  if (docs.doc_flags?.includes('deprecated')) {
    lines.push(`@deprecated ${docs.replaced_by ? `use ${docs.replaced_by.replace(/`/g, "'")}` : ''}`.trim());
  }
  return lines.length === 1
    ? `  /** ${lines[0]} */`
    : `  /**\n${lines.map((l) => `   * ${l}`).join('\n')}\n   */`;
}

function keyed(args) {
  return (args ?? []).some((a) => a.type === 'key' || a.name === 'numkeys' || keyed(a.arguments));
}

/** The commands that get methods, sorted: [name, docs with `words`] (a subcommand as 'container|sub'). */
function selected(docsReply) {
  const out = [];
  for (const [name, docs] of Object.entries(docsReply)) {
    if (!GROUPS.has(docs.group)) continue;
    const all = [[name, docs], ...Object.entries(docs.subcommands ?? {})];
    for (const [n, d] of all) {
      if (EXCLUDED.has(n) || !keyed(d.arguments)) continue;
      out.push([n, { ...d, words: n.toUpperCase().replace('|', ' ') }]);
    }
  }
  const names = new Set(out.map(([n]) => n));
  for (const n of Object.keys(REPLIES))
    if (!names.has(n)) throw new Error(`reply for unknown command '${n}'`);
  return out.sort(([a], [b]) => (a < b ? -1 : 1));
}

function literal(value) {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number') return String(value);
  return `[${value.map(literal).join(', ')}]`;
}

function render(commands, version) {
  const methods = commands.map(([name, docs]) => ({ name: camel(name), docs, ...method(name, docs) }));
  const lines = [
    `// Generated by scripts/gen-methods.mjs from redis-server ${version} (COMMAND DOCS) and scripts/method-replies.mjs.`,
    '// Do not edit: run `npm run gen:methods`, review the diff, check it in.',
    '// Each method: one signature per reply it may have (the last is the general one), and its runtime entry',
    '// [command, arguments, reply shape, shapes by the parameter that selects them] (lib/face/method-argv.ts).',
    '',
    "import type { MethodSpec } from './method-argv.js';",
    "import type { Face, Out, RedisKey, RedisScore, RedisValue, StreamEntry } from './method-types.js';",
    '',
    '/**',
    ` * The typed command methods (${methods.length} commands of Redis ${version}): \`F\` says what a call returns (the`,
    ' * reply, or a Promise of it), `S` what a bulk string is (string, or Buffer on the binary-safe methods).',
    ' */',
    'export interface CommandMethods<F extends Face, S> {',
  ];
  for (const m of methods) {
    for (const [params, type, condition] of m.signatures) {
      lines.push(comment(m.docs, condition), `  ${m.name}(${params}): Out<F, ${type}>;`);
    }
  }
  lines.push(
    '}',
    '',
    '/** The `options` (last parameter) of each typed method that has some, by method name. */',
  );
  lines.push('export interface MethodOptions {');
  for (const m of methods) {
    if (m.optionsBody !== null)
      lines.push(`  /** The options of \`${m.name}\`. */`, `  ${m.name}: ${m.optionsBody};`);
  }
  lines.push('}', '', '/** The runtime entry of every method, by method name. */');
  lines.push('export const METHOD_SPECS: Readonly<Record<string, MethodSpec>> = {');
  for (const m of methods) lines.push(`  ${m.name}: ${literal(m.spec)},`);
  lines.push('};', '');
  return lines.join('\n');
}

async function main() {
  const [, docsReply, serverInfo] = await askThrowawayServer([
    ['HELLO', '3'],
    ['COMMAND', 'DOCS'],
    ['INFO', 'server'],
  ]);
  const version = serverVersion(serverInfo);
  const commands = selected(docsReply);
  await writeFile(OUT, render(commands, version));
  console.log(
    `wrote ${path.relative(process.cwd(), OUT)}: ${commands.length} methods from redis-server ${version}`,
  );
}

main().catch((err) => {
  console.error(`gen-methods: ${err.message}`);
  process.exitCode = 1;
});
