import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedFixtures } from '../test-support/paths';
import { bleuTokens, corpusBleu, sentenceBleu } from './sacrebleu';
import { tokenize13a, tokenizeZh } from './sacrebleu-tokenize';

interface SharedGoldens {
  hyps: string[];
  refs: string[];
  corpus_bleu_zh: number;
  sentence_bleu_zh: number[];
}

interface ReferenceSet {
  name: string;
  tokenize: '13a' | 'zh';
  hyps: string[];
  refs: string[];
  hyp_tokens: string[];
  ref_tokens: string[];
  corpus_bleu: number;
  sentence_bleu: number[];
}

test('reproduces ../shared/fixtures/text_metric_goldens.json (sacrebleu 2.6, tokenize="zh") to 0.01 BLEU', () => {
  const g = JSON.parse(readFileSync(join(sharedFixtures, 'text_metric_goldens.json'), 'utf8')) as SharedGoldens;
  const corpus = corpusBleu(g.hyps, g.refs, 'zh').score;
  assert.ok(Math.abs(corpus - g.corpus_bleu_zh) < 0.01, `corpus ${corpus} vs ${g.corpus_bleu_zh}`);
  assert.ok(Math.abs(corpus - g.corpus_bleu_zh) < 1e-9, 'and in fact to float precision');
  g.hyps.forEach((hyp, i) => {
    const s = sentenceBleu(hyp, g.refs[i], 'zh').score;
    assert.ok(Math.abs(s - g.sentence_bleu_zh[i]) < 0.01, `sentence ${i}: ${s} vs ${g.sentence_bleu_zh[i]}`);
  });
});

test('matches sacrebleu on English (13a) and zh tokenizer edge cases (scripts/sacrebleu_reference.py)', () => {
  const ref = JSON.parse(readFileSync(new URL('./fixtures/sacrebleu_reference.json', import.meta.url), 'utf8')) as { sets: ReferenceSet[] };
  assert.equal(ref.sets.length, 2);
  for (const set of ref.sets) {
    set.hyps.forEach((h, i) => assert.equal(bleuTokens(h, set.tokenize).join(' '), set.hyp_tokens[i], `${set.name} hyp ${i}`));
    set.refs.forEach((r, i) => assert.equal(bleuTokens(r, set.tokenize).join(' '), set.ref_tokens[i], `${set.name} ref ${i}`));
    const corpus = corpusBleu(set.hyps, set.refs, set.tokenize).score;
    assert.ok(Math.abs(corpus - set.corpus_bleu) < 1e-9, `${set.name} corpus ${corpus} vs ${set.corpus_bleu}`);
    set.hyps.forEach((h, i) => {
      const s = sentenceBleu(h, set.refs[i], set.tokenize).score;
      assert.ok(Math.abs(s - set.sentence_bleu[i]) < 1e-9, `${set.name} sentence ${i}: ${s} vs ${set.sentence_bleu[i]}`);
    });
  }
});

test('13a tokenizer: punctuation split, periods/commas kept inside numbers, entities unescaped', () => {
  assert.deepEqual(tokenize13a('Hello, world.'), ['Hello', ',', 'world', '.']);
  assert.deepEqual(tokenize13a('3.14 and 1,000 vs 2-3'), ['3.14', 'and', '1,000', 'vs', '2', '-', '3']);
  assert.deepEqual(tokenize13a('a &amp; b &quot;c&quot;'), ['a', '&', 'b', '"', 'c', '"']);
  assert.deepEqual(tokenize13a('<skipped>x'), ['x']);
});

test("zh tokenizer: CJK characters split, and sacrebleu's quirky ranges reproduced", () => {
  assert.deepEqual(tokenizeZh('我爱NLP。'), ['我', '爱', 'NLP', '。']);
  // U+2014 EM DASH and U+201C/D quotes fall in the range sacrebleu writes as u'\u20000' (see source).
  assert.deepEqual(tokenizeZh('“好”——a'), ['“', '好', '”', '—', '—', 'a']);
  // A real Extension B ideograph is NOT split by sacrebleu (its table never reaches the astral plane).
  assert.deepEqual(tokenizeZh('a𠀀b'), ['a𠀀b']);
  // Python whitespace, not JavaScript's: U+FEFF is no space to Python, U+0085 is.
  assert.deepEqual(tokenizeZh('a\ufeffb\u0085c'), ['a\ufeffb', 'c']);
});

test('BLEU edge cases: empty hypothesis scores 0; short hypotheses score 0 at corpus level as in sacrebleu', () => {
  assert.equal(sentenceBleu('', '参考', 'zh').score, 0);
  assert.equal(corpusBleu(['好的'], ['好的'], 'zh').score, 0); // no 3-/4-grams at all: floored log
  assert.ok(Math.abs(sentenceBleu('好的', '好的', 'zh').score - 100) < 1e-9); // effective order 2 (sacrebleu too prints 100.00000000000004)
});
