// The worker protocol (www/protocol.js) is the whole protocol: every message type any code
// posts, asks for or handles is in it with its fields, and every type in it is both sent and
// handled. Read from the sources, so it needs no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fromWorker, toWorker, message } from '../../www/protocol.js';

const root = new URL('../../', import.meta.url);
const read = (dir) => readdirSync(new URL(dir, root))
  .filter((f) => /\.(m?js)$/.test(f))
  .map((f) => ({ file: dir + f, text: readFileSync(new URL(dir + f, root), 'utf8') }));
const www = read('www/').filter((s) => s.file !== 'www/protocol.js');
const worker = www.find((s) => s.file === 'www/worker.js');
// The worker's side: worker.js, post.js and the modules that speak to the page through it.
const workerSide = www.filter((s) => s === worker || s.file === 'www/post.js' || s.text.includes("from './post.js'"));
const page = www.filter((s) => !workerSide.includes(s));
const tests = [...read('tests/browser/'), ...read('scripts/')].filter((s) => !s.file.endsWith('protocol.test.mjs'));

/** The string literals of a `type:` property's value, ternaries included. */
function typesAfter(text, pattern) {
  const found = [];
  for (const m of text.matchAll(pattern)) {
    // A ternary's condition is not a type: `type: paused ? 'resume' : 'pause'`.
    const value = text.slice(m.index + m[0].length).split(/[,}]/)[0].split('?').pop();
    for (const literal of value.matchAll(/'([\w-]+)'/g)) found.push(literal[1]);
  }
  return found;
}

/** The keys of an object literal `const NAME = { ... };` (methods, arrows and quoted keys). */
function keysOf(text, name) {
  const start = text.indexOf(`const ${name} = {`);
  assert.ok(start >= 0, `no ${name} in the source`);
  const body = text.slice(start, text.indexOf('\n};', start));
  return [...body.matchAll(/^ {2}'?([\w-]+)'?(?:\(|:)/gm)].map((m) => m[1]);
}

const sentByPage = page.flatMap((s) => typesAfter(s.text, /(?:postMessage|ask)\(\{\s*type:/g));
const sentByTests = tests.flatMap((s) => typesAfter(s.text, /data: \{\s*type:/g));
// Posted by name, or through the runs' table of each kind's error and pause messages.
const runs = workerSide.find((s) => s.file === 'www/runs.js').text;
const kinds = runs.slice(runs.indexOf('const KINDS = {'), runs.indexOf('\n};', runs.indexOf('const KINDS = {')));
const postedByWorker = [...workerSide.flatMap((s) => typesAfter(s.text, /\bpost\(/g)),
  ...[...kinds.matchAll(/\b(?:error|paused): '([\w-]+)'/g)].map((m) => m[1])];
const handledByWorker = [...keysOf(worker.text, 'requests'), ...keysOf(worker.text, 'commands'),
  ...[...worker.text.matchAll(/data\.type === '([\w-]+)'/g)].map((m) => m[1])];
const handledByPage = keysOf(readFileSync(new URL('www/main.js', root), 'utf8'), 'fromWorkerHandlers');

test('every message the page or a test sends is in the protocol, and the worker handles it', () => {
  assert.ok(sentByPage.length > 15, `only ${sentByPage.length} sends found: the reader is broken`);
  for (const type of [...sentByPage, ...sentByTests]) assert.ok(toWorker[type], `the page sends "${type}", which www/protocol.js lacks`);
  for (const type of Object.keys(toWorker)) {
    assert.ok(sentByPage.includes(type) || sentByTests.includes(type), `"${type}" is in the protocol but nothing sends it`);
    assert.ok(handledByWorker.includes(type), `the worker does not handle "${type}"`);
  }
  for (const type of handledByWorker) assert.ok(toWorker[type], `the worker handles "${type}", which www/protocol.js lacks`);
});

test('every message the worker posts is in the protocol, and the page handles it', () => {
  assert.ok(postedByWorker.length > 20, `only ${postedByWorker.length} posts found: the reader is broken`);
  for (const type of postedByWorker) assert.ok(fromWorker[type], `the worker posts "${type}", which www/protocol.js lacks`);
  for (const type of Object.keys(fromWorker)) {
    assert.ok(postedByWorker.includes(type), `"${type}" is in the protocol but the worker never posts it`);
    assert.ok(handledByPage.includes(type), `the page does not handle "${type}"`);
  }
  for (const type of handledByPage) assert.ok(fromWorker[type], `the page handles "${type}", which www/protocol.js lacks`);
});

test('a message with an unknown type or field is refused by name', () => {
  assert.deepEqual(message(fromWorker, 'frame', { frame: 1 }), { type: 'frame', frame: 1 });
  assert.throws(() => message(fromWorker, 'frames', {}), /has no message "frames"/);
  assert.throws(() => message(fromWorker, 'frame', { frame: 1, scene: 2 }), /"frame" has no field scene/);
});
