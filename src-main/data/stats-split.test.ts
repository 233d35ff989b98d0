import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validationIndices, validationMask } from './split';
import { histogram, niceBinWidth, StatsCollector } from './stats';

test('bin widths are 1, 2 or 5 x 10^k giving at most 20 bins', () => {
  assert.deepEqual(
    [5, 21, 40, 99, 101, 1000, 4096, 123456].map((m) => niceBinWidth(m)),
    [1, 2, 2, 5, 10, 50, 500, 10000],
  );
  assert.deepEqual(histogram(Uint32Array.from([0, 1, 1, 9, 10, 19, 20]), 20), [
    { from: 0, to: 1, count: 1 },
    { from: 1, to: 2, count: 2 },
    ...Array.from({ length: 7 }, (_, i) => ({ from: i + 2, to: i + 3, count: 0 })),
    { from: 9, to: 10, count: 1 },
    { from: 10, to: 11, count: 1 },
    ...Array.from({ length: 8 }, (_, i) => ({ from: i + 11, to: i + 12, count: 0 })),
    { from: 19, to: 20, count: 1 },
    { from: 20, to: 21, count: 1 },
  ]);
});

test('stats: percentiles, multi-turn and system counts, metadata values', () => {
  const s = new StatsCollector('chars', 10);
  const sys = { role: 'system' as const, content: 's' };
  const u = { role: 'user' as const, content: 'uu' };
  const a = { role: 'assistant' as const, content: 'aaa' };
  s.add({ messages: [u, a], meta: { department: '内科' } }, 5, 5);
  s.add({ messages: [sys, u, a, u, a], meta: { department: '内科' } }, 11, 11);
  s.add({ text: 'abcdefg' }, 7, 7);
  const r = s.finish(1, null);
  assert.equal(r.examples, 3);
  assert.deepEqual([r.minLength, r.p50, r.p95, r.maxLength, r.meanLength], [5, 7, 11, 11, 7.7]);
  assert.deepEqual([r.multiTurn, r.withSystem, r.totalChars, r.overMaxLen, r.maxLen], [1, 1, 23, 1, 10]);
  assert.deepEqual(r.meta, { department: { 内科: 2 } });
});

test('the seeded split draws round(n x ratio) examples, the same for the same seed', () => {
  const a = validationIndices(1000, 0.05, 42);
  assert.equal(a.length, 50);
  assert.deepEqual([...a], [...validationIndices(1000, 0.05, 42)]);
  assert.notDeepEqual([...a], [...validationIndices(1000, 0.05, 43)]);
  assert.ok(
    a.every((x, i) => i === 0 || x > a[i - 1]),
    'ascending, no repeats',
  );
  assert.equal(validationIndices(10, 0.01, 1).length, 1); // at least one
  assert.equal(validationIndices(1, 0.5, 1).length, 0); // never the only example
  assert.equal(
    validationMask(1000, a).reduce((s, x) => s + x, 0),
    50,
  );
});

test('loadExamples splits the normalised examples by the seeded draw, or takes a validation file', async () => {
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tempDir } = await import('../test-support/paths');
  const { loadExamples } = await import('./load-examples');
  const d = tempDir();
  const train = join(d, 'train.jsonl');
  writeFileSync(train, Array.from({ length: 20 }, (_, i) => JSON.stringify({ content: `q${i}`, summary: `a${i}` })).join('\n'));
  const seeded = await loadExamples(train, { valSplit: 0.2, seed: 3 });
  assert.equal(seeded.train.length, 16);
  assert.equal(seeded.val.length, 4);
  const picked = [...(seeded.result.split?.kind === 'seeded' ? seeded.result.split.valIndices : [])];
  assert.deepEqual(
    seeded.val,
    picked.map((i) => ({
      messages: [
        { role: 'user', content: `q${i}` },
        { role: 'assistant', content: `a${i}` },
      ],
    })),
  );
  const dev = join(d, 'dev.jsonl');
  writeFileSync(dev, JSON.stringify({ content: 'dq', summary: 'da' }));
  const byFile = await loadExamples(train, { valPath: dev });
  assert.equal(byFile.train.length, 20);
  assert.deepEqual(byFile.val, [
    {
      messages: [
        { role: 'user', content: 'dq' },
        { role: 'assistant', content: 'da' },
      ],
    },
  ]);
});
