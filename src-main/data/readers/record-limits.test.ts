import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test-support/paths';
import { importDataset } from '../import-dataset';
import { MAX_JSON_DEPTH, MAX_RECORD_CHARS } from '../limits';
import { JsonArraySplitter, type JsonElement } from './json-array-splitter';
import { LineSplitter, type NumberedLine } from './line-splitter';
import { hasParagraphBreak } from './read-records';

const dir = tempDir('tuneloom-limits-');
const CHUNK = 1 << 20;
const chat = (u: string, a: string) =>
  JSON.stringify({
    messages: [
      { role: 'user', content: u },
      { role: 'assistant', content: a },
    ],
  });

// A regex backtracking on one long line took over 200 s for 256 KiB: 30 MiB would take days. The
// timeouts are bounds that only a linear scan meets, not measurements.
test('a 30 MiB one-line .txt is inspected within a bound: one record over the limit, named by its line', { timeout: 120_000 }, async () => {
  const p = join(dir, 'one-line.txt');
  writeFileSync(p, 'x'.repeat(30 << 20));
  await assert.rejects(
    importDataset(p),
    (e: Error) => e.name === 'UserError' && /all 1 records were skipped \(first: line 1: record over the 1,048,576-character limit/.test(e.message),
  );
});

test('a one-line .txt just under the limit is one example; paragraph detection is a linear scan', { timeout: 60_000 }, async () => {
  const p = join(dir, 'long-line.txt');
  writeFileSync(p, 'word '.repeat(200_000) + '\n');
  const r = await importDataset(p);
  assert.equal(r.examples, 1);
  const line = (text: string, n: number): NumberedLine => ({ line: n, text });
  assert.equal(hasParagraphBreak([line('a'.repeat(5 << 20), 1)]), false);
  assert.equal(hasParagraphBreak([line('a', 1), line(' \t', 2), line('', 3), line('b', 4)]), true);
  assert.equal(hasParagraphBreak([line('', 1), line('a', 2), line('b', 3), line('', 4)]), false);
});

test('a 70 MiB JSONL line is skipped and reported with its line; the reader never holds more than the limit', { timeout: 120_000 }, () => {
  const splitter = new LineSplitter(MAX_RECORD_CHARS);
  const out: NumberedLine[] = [];
  splitter.push(chat('a', 'b') + '\n', out);
  let held = 0;
  const piece = 'y'.repeat(CHUNK);
  for (let i = 0; i < 70; i++) {
    splitter.push(piece, out);
    held = Math.max(held, splitter.heldChars);
  }
  splitter.push('\n' + chat('c', 'd') + '\n', out);
  splitter.end(out);
  assert.ok(held <= MAX_RECORD_CHARS, `held ${held} characters`);
  assert.deepEqual(
    out.map((l) => [l.line, l.tooLong ?? 0]),
    [
      [1, 0],
      [2, 70 * CHUNK],
      [3, 0],
    ],
  );
});

test('over-long and too-deep JSON records are reported with their line numbers; the records around them import', async () => {
  const jsonl = join(dir, 'mixed.jsonl');
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const nested = (d: number) => '{"messages":' + '['.repeat(d - 1) + ']'.repeat(d - 1) + '}';
  writeFileSync(jsonl, [chat('q1', 'a1'), chat('q2', 'z'.repeat(MAX_RECORD_CHARS)), deep, nested(MAX_JSON_DEPTH + 1), chat('q5', 'a5')].join('\n') + '\n');
  const r = await importDataset(jsonl);
  assert.equal(r.examples, 2);
  assert.deepEqual(
    r.skipped.map((s) => [s.line, s.reason.split(':')[0].replace(/ \(.*/, '')]),
    [
      [2, 'record over the 1,048,576-character limit'],
      [3, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`],
      [4, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`],
    ],
  );

  const array = join(dir, 'array.json');
  writeFileSync(array, '[\n' + [chat('q1', 'a1'), chat('q2', 'z'.repeat(MAX_RECORD_CHARS + 5)), chat('q3', 'a3')].join(',\n') + '\n]');
  const a = await importDataset(array, { chunkBytes: 64 << 10 });
  assert.equal(a.examples, 2);
  assert.deepEqual(
    a.skipped.map((s) => s.line),
    [3],
  );
  assert.match(a.skipped[0].reason, /record over the 1,048,576-character limit/);

  const splitter = new JsonArraySplitter(MAX_RECORD_CHARS);
  const els: JsonElement[] = [];
  splitter.push('[' + chat('a', 'b') + ',"', els);
  let held = 0;
  for (let i = 0; i < 8; i++) {
    splitter.push('w'.repeat(CHUNK / 2), els);
    held = Math.max(held, splitter.heldChars);
  }
  splitter.push('"]', els);
  splitter.end();
  assert.ok(held <= MAX_RECORD_CHARS);
  assert.deepEqual(
    els.map((e) => e.tooLong ?? false),
    [false, true],
  );
});

test('a plain-text paragraph past the limit is reported with the line it starts on', async () => {
  const p = join(dir, 'paras.txt');
  const longPara = Array.from({ length: 3 }, () => 'p'.repeat(MAX_RECORD_CHARS / 2)).join('\n');
  writeFileSync(p, `first para\nstill first\n\n${longPara}\n\nlast para\n`);
  const r = await importDataset(p);
  assert.equal(r.examples, 2);
  assert.deepEqual(
    r.skipped.map((s) => s.line),
    [4],
  );
});
