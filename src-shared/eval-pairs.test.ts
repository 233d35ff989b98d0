import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvalRunRow } from './dto/evals';
import { pairEvals, RESULT_ROWS, scoreKeysOf } from './eval-pairs';

const row = (id: number, target: 'base' | 'adapter', extra: Partial<EvalRunRow> = {}): EvalRunRow => ({
  id,
  target,
  modelPath: '/m',
  adapterPath: target === 'adapter' ? '/a' : null,
  split: 'validation',
  metricMode: 'sacrebleu',
  loss: null,
  metrics: {},
  examples: 3,
  createdAt: '2026-01-01T00:00:00Z',
  ...extra,
});

test('pairEvals: the latest adapter eval with the latest base eval of the same split and mode before it', () => {
  const evals = [row(1, 'base'), row(2, 'adapter'), row(3, 'base', { metricMode: 'jieba' }), row(4, 'base'), row(5, 'adapter'), row(6, 'base')];
  const p = pairEvals(evals);
  assert.equal(p.after?.id, 5);
  assert.equal(p.before?.id, 4, 'not 3 (other mode) and not 6 (after the adapter eval)');
  const baseOnly = pairEvals([row(1, 'base'), row(2, 'base', { split: 'all' })]);
  assert.deepEqual([baseOnly.before?.id, baseOnly.after], [2, undefined]);
  assert.equal(pairEvals([row(7, 'adapter', { split: 'train' }), row(8, 'base')]).before, undefined, 'no base eval on that split');
});

test('result rows read loss from its column and the rest from metrics; score keys follow what was measured', () => {
  const e = row(1, 'adapter', { loss: 1.25, metrics: { perplexity: 3.49, f1: 80, em: 50 } });
  const values = Object.fromEntries(RESULT_ROWS.map((r) => [r.key, r.value(e)]));
  assert.deepEqual(values, { loss: 1.25, perplexity: 3.49, bleu4: null, rouge1: null, rouge2: null, rougeL: null, f1: 80, em: 50 });
  assert.deepEqual(scoreKeysOf(e), ['f1', 'em']);
  assert.deepEqual(scoreKeysOf(row(2, 'base', { metrics: { bleu4: 1, rouge1: 2, rouge2: 3, rougeL: 4 } })), ['bleu4', 'rougeL', 'rouge1', 'rouge2']);
  assert.deepEqual(scoreKeysOf(undefined), []);
});
