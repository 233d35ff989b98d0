import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rougeL, rougeN, rougeScores } from './rouge';
import { bleuTokens } from './sacrebleu';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-12, msg ?? `${a} vs ${b}`);

test('ROUGE-1/2/L on English 13a tokens, computed by hand', () => {
  // hyp: the cat sat on the mat .   ref: the cat is on the mat .   (7 tokens each)
  const hyp = bleuTokens('the cat sat on the mat.', '13a');
  const ref = bleuTokens('the cat is on the mat.', '13a');
  assert.equal(hyp.length, 7);
  const s = rougeScores(hyp, ref);
  close(s.rouge1, 6 / 7); // the×2, cat, on, mat, "."
  close(s.rouge2, 4 / 6); // the-cat, on-the, the-mat, mat-.
  close(s.rougeL, 6 / 7); // the cat on the mat .
});

test('ROUGE on Chinese characters, computed by hand', () => {
  const s = rougeScores(bleuTokens('我爱北京', 'zh'), bleuTokens('我爱上海', 'zh'));
  close(s.rouge1, 0.5);
  close(s.rouge2, 1 / 3);
  close(s.rougeL, 0.5);
});

test('unequal lengths, clipping and order', () => {
  const abc = ['a', 'b', 'c'];
  const abcdef = ['a', 'b', 'c', 'd', 'e', 'f'];
  close(rougeN(abc, abcdef, 1), (2 * 1 * 0.5) / 1.5); // P 1, R 1/2
  close(rougeN(abc, abcdef, 2), (2 * 1 * 0.4) / 1.4); // P 2/2, R 2/5
  close(rougeN(['a', 'a', 'a'], ['a', 'b'], 1), (2 * (1 / 3) * 0.5) / (1 / 3 + 0.5)); // clipped to 1 match
  close(rougeL(['a', 'b', 'c', 'd'], ['a', 'c', 'b', 'd']), 0.75); // LCS 3 of 4
  assert.equal(rougeN([], ['a'], 1), 0);
  assert.equal(rougeN(['a'], ['a'], 2), 0); // no bigrams on either side
  assert.equal(rougeL(['x'], ['y']), 0);
});
