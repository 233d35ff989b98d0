import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test-support/paths';
import { importDataset } from '../import-dataset';
import { MAX_QUOTED_LINES } from './csv-parser';

const dir = tempDir('tuneloom-csv-broken-');
let n = 0;

/**
 * Imports `rows` (after a `q,a` header) and returns, per source line, what became of it. The expected
 * values below are the parse done by hand: every row is either imported or reported on its own line.
 */
async function outcome(rows: string[], chunkBytes?: number) {
  const p = join(dir, `f${n++}.csv`);
  writeFileSync(p, ['q,a', ...rows].join('\n') + '\n');
  const imported: number[] = [];
  const r = await importDataset(p, {
    format: 'csv',
    map: { q: 'user', a: 'assistant' },
    onExample: (_e, at) => imported.push(at.line),
    ...(chunkBytes ? { chunkBytes, sampleBytes: chunkBytes } : {}),
  });
  return { imported, skipped: r.skipped.map((s) => s.line), skippedTotal: r.skippedTotal, examples: r.examples, reasons: r.skipped.map((s) => s.reason) };
}

test('the 5-row file with an unclosed quote: 1 row reported, the 4 others imported (was: "1 skipped", 3 lost)', async () => {
  for (const chunk of [undefined, 7]) {
    const o = await outcome(['r1,ok1', 'r2,"broken', 'r3,ok3', 'r4,ok4', 'r5,ok5'], chunk);
    assert.deepEqual(o.imported, [2, 4, 5, 6]);
    assert.deepEqual(o.skipped, [3]);
    assert.equal(o.skippedTotal + o.examples, 5, 'the counts shown add up to the rows in the file');
    assert.match(o.reasons[0], /^unclosed quote/);
  }
});

test('an unclosed quote that meets the opening quote of a later field is broken there; the rows between are read', async () => {
  const o = await outcome(['r1,ok1', 'r2,"broken', 'r3,ok3', 'r4,"quoted, four"', 'r5,ok5']);
  assert.deepEqual(o.imported, [2, 4, 5, 6]);
  assert.deepEqual(o.skipped, [3]);
  assert.match(o.reasons[0], /closes on line 5 with text after the quote/);
});

test(`a quoted field may span at most ${MAX_QUOTED_LINES} lines: past it, the row is reported and the lines after it are rows`, async () => {
  const rows = ['r1,ok1', 'r2,"open'];
  for (let i = 0; i < MAX_QUOTED_LINES + 50; i++) rows.push(`m${i},x${i}`);
  rows.push('end,5"', 'last,row');
  const o = await outcome(rows, 4096);
  const total = rows.length;
  assert.equal(o.examples + o.skippedTotal, total);
  assert.deepEqual(o.skipped, [3]);
  assert.equal(o.imported.length, total - 1);
  assert.equal(o.imported.at(-1), total + 1);
});

test('real multi-line fields and quotes inside fields are untouched', async () => {
  const o = await outcome(['r1,"line one\nline two\nline three"', 'r2,"say ""hi"", twice"', 'r3,5" tall', 'r4,ok']);
  assert.deepEqual(o.imported, [2, 5, 6, 7]);
  assert.deepEqual(o.skipped, []);
});

test('several broken rows: each is reported on its line, and the counts equal what was lost', async () => {
  const o = await outcome(['a1,"x', 'a2,ok', 'a3,"y', 'a4,"z', 'a5,ok', 'a6,too,many']);
  // By hand: line 2's quote meets line 4's opening quote, text after it (broken); line 3 reads; line 4's
  // quote meets line 5's, text after it (broken); line 5's never closes (broken); line 6 reads; line 7
  // has 3 fields.
  assert.deepEqual(o.imported, [3, 6]);
  assert.deepEqual(o.skipped, [2, 4, 5, 7]);
  assert.equal(o.skippedTotal, 4);
});
