import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { jiebaCut } from './jieba-words';
import { nltkSentenceBleu4 } from './nltk-bleu';
import { rougeChinese } from './rouge-chinese';
import { scoreTexts } from './text-metrics';

interface JiebaCase {
  hyp: string;
  ref: string;
  hyp_words: string[];
  ref_words: string[];
  'bleu-4': number;
  'rouge-1': number;
  'rouge-2': number;
  'rouge-l': number;
}

const reference = JSON.parse(readFileSync(new URL('./fixtures/jieba_reference.json', import.meta.url), 'utf8')) as { cases: JiebaCase[] };

test('@node-rs/jieba segments the reference cases exactly as Python jieba 0.42.1 did', () => {
  // The cases were picked where the two agree: jieba-rs and Python jieba share the default
  // dictionary, but their HMM handling of unknown words can differ on rare inputs.
  assert.equal(reference.cases.length, 10);
  for (const c of reference.cases) {
    assert.deepEqual(jiebaCut(c.hyp), c.hyp_words, c.hyp);
    assert.deepEqual(jiebaCut(c.ref), c.ref_words, c.ref);
  }
});

test('jieba mode reproduces the Python jieba + NLTK + rouge-chinese pipeline (scripts/jieba_reference.py)', () => {
  const { perExample, metrics } = scoreTexts(
    reference.cases.map((c) => c.hyp),
    reference.cases.map((c) => c.ref),
    { mode: 'jieba', perExample: true },
  );
  assert.equal(metrics.mode, 'jieba');
  reference.cases.forEach((c, i) => {
    const s = perExample![i];
    assert.ok(Math.abs(s.bleu4 - c['bleu-4']) < 1e-9, `bleu ${i}: ${s.bleu4} vs ${c['bleu-4']}`);
    assert.ok(Math.abs(s.rouge1 - c['rouge-1']) < 1e-9, `rouge-1 ${i}`);
    assert.ok(Math.abs(s.rouge2 - c['rouge-2']) < 1e-9, `rouge-2 ${i}`);
    assert.ok(Math.abs(s.rougeL - c['rouge-l']) < 1e-9, `rouge-l ${i}`);
  });
  const meanBleu = reference.cases.reduce((a, c) => a + c['bleu-4'], 0) / reference.cases.length;
  assert.ok(Math.abs(metrics.bleu4 - meanBleu) < 1e-9);
});

test('NLTK sentence BLEU-4 with method3, computed by hand', () => {
  const chars = (s: string) => Array.from(s);
  // All n-gram precisions 1, brevity penalty exp(1 - 7/4).
  assert.ok(Math.abs(nltkSentenceBleu4(chars('我爱北京'), chars('我爱北京天安门')) - Math.exp(1 - 7 / 4)) < 1e-12);
  // p1 = 2/4, p2 = 1/3, p3 = 0/2 -> 1/(2·2), p4 = 0/1 -> 1/(4·1).
  const expected = (0.5 * (1 / 3) * 0.25 * 0.25) ** 0.25;
  assert.ok(Math.abs(nltkSentenceBleu4(chars('我爱上海'), chars('我爱北京')) - expected) < 1e-12);
  assert.equal(nltkSentenceBleu4(chars('你好'), chars('再见')), 0); // no unigram match
});

test('rouge-chinese quirks: distinct n-grams and the 1e-8 in F', () => {
  const s = rougeChinese('好 好 好', '好');
  assert.ok(Math.abs(s.rouge1 - 2 * (1 / (2 + 1e-8))) < 1e-15); // {好} vs {好}: P = R = 1
  assert.equal(s.rouge2, 0);
  assert.ok(Math.abs(s.rougeL - 2 * (1 / 3 / (1 / 3 + 1 + 1e-8))) < 1e-15); // LCS 1: P 1/3, R 1
});
