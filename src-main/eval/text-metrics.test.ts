import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../errors';
import { corpusBleu } from './sacrebleu';
import { scoreTexts } from './text-metrics';

test('sacrebleu mode: corpus BLEU, ROUGE/F1/EM per example then averaged', () => {
  const hyps = ['我爱北京', '北京大学'];
  const refs = ['我爱上海', '北京大学'];
  const { metrics, perExample } = scoreTexts(hyps, refs, { lang: 'zh', perExample: true });
  assert.equal(metrics.mode, 'sacrebleu');
  assert.equal(metrics.examples, 2);
  assert.equal(metrics.bleu4, corpusBleu(hyps, refs, 'zh').score);
  assert.ok(Math.abs(metrics.rouge1 - (50 + 100) / 2) < 1e-9);
  assert.ok(Math.abs(metrics.rouge2 - (100 / 3 + 100) / 2) < 1e-9);
  assert.ok(Math.abs(metrics.rougeL - (50 + 100) / 2) < 1e-9);
  assert.ok(Math.abs(metrics.f1 - (50 + 100) / 2) < 1e-9); // 我 爱 of 4 chars each
  assert.equal(metrics.em, 50);
  assert.ok(Math.abs((perExample?.[1].bleu4 ?? 0) - 100) < 1e-9);
});

test('English uses the 13a tokens', () => {
  const { metrics } = scoreTexts(['The cat sat on the mat.'], ['The cat is on the mat.'], { lang: 'en' });
  assert.equal(metrics.lang, 'en');
  assert.ok(Math.abs(metrics.bleu4 - corpusBleu(['The cat sat on the mat.'], ['The cat is on the mat.'], '13a').score) < 1e-12);
});

test('mismatched counts and an empty set are user errors', () => {
  assert.throws(
    () => scoreTexts(['a'], ['a', 'b']),
    (e: unknown) => e instanceof UserError && /1 predictions but 2 references/.test(e.message),
  );
  assert.throws(
    () => scoreTexts([], []),
    (e: unknown) => e instanceof UserError && /no predictions/.test(e.message),
  );
});
