import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonArrayCutShort, JsonArraySplitter, JsonArrayStrayText, type JsonElement } from './json-array-splitter';

function split(text: string, chunk = Infinity): JsonElement[] {
  const s = new JsonArraySplitter();
  const out: JsonElement[] = [];
  const size = Number.isFinite(chunk) ? chunk : text.length || 1;
  for (let i = 0; i < text.length; i += size) s.push(text.slice(i, i + size), out);
  s.end();
  return out;
}

const ARRAY = '[\n  {"a": "x, ] } \\" [", "b": [1, {"c": 2}]},\n  {"a":\n "y"}, 3, "s\\\\"\n]\n';

test('yields each top-level element with the line it starts on; brackets and quotes inside strings are text', () => {
  const els = split(ARRAY);
  assert.deepEqual(
    els.map((e) => e.line),
    [2, 3, 4, 4],
  );
  assert.deepEqual(
    els.map((e) => JSON.parse(e.text)),
    [{ a: 'x, ] } " [', b: [1, { c: 2 }] }, { a: 'y' }, 3, 's\\'],
  );
});

test('chunk boundaries anywhere give the same elements', () => {
  const whole = split(ARRAY);
  for (const size of [1, 2, 5]) assert.deepEqual(split(ARRAY, size), whole, `chunk ${size}`);
});

test('an array cut short names the line of the unfinished element', () => {
  assert.throws(
    () => split('[\n{"a": 1},\n{"a": "unfinished'),
    (err: unknown) => err instanceof JsonArrayCutShort && err.line === 3 && err.endLine === 3 && err.inElement,
  );
  assert.throws(
    () => split('[{"a": 1},\n'),
    (err: unknown) => err instanceof JsonArrayCutShort && !err.inElement && err.line === 1,
  );
});

test('text after the closing bracket is refused with its line', () => {
  assert.throws(
    () => split('[1]\n\n{"x": 1}'),
    (err: unknown) => err instanceof JsonArrayStrayText && err.line === 3,
  );
});

test('an empty array yields nothing', () => {
  assert.deepEqual(split(' [ ] '), []);
});
