/**
 * ROUGE-1/2/L "f" as the `rouge-chinese` package (1.0.x, a fork of pltrdy/rouge) computes it from
 * `Rouge().get_scores(" ".join(hyp_words), " ".join(ref_words))`, the call LLaMA-Factory makes on
 * jieba words. Returns fractions in [0, 1]. Its quirks are part of the numbers users compare with:
 * - ROUGE-N counts *distinct* n-grams (sets, `exclusive=True`), so repeats are not rewarded;
 * - F = 2·P·R / (P + R + 1e-8);
 * - ROUGE-L is one LCS over all words (its "summary level" variant no longer unions per sentence);
 * - the text is first cut into sentences at 。！？? …… ......, each sentence re-spaced, and the words
 *   recovered with `split(" ")`: n-grams run across sentence ends.
 */
import { distinctNgramOverlap, internPair, lcsLength, type IdPair } from './ngrams';
import { pyRstrip, pySplit } from './python-text';
import type { RougeF1 } from './rouge';

/** rouge-chinese `Rouge.cut_sent`. */
function cutSentences(para: string): string[] {
  const s = pyRstrip(
    para
      .replace(/([。！？?])([^”’])/gu, '$1\n$2')
      .replace(/(\.{6})([^”’])/gu, '$1\n$2')
      .replace(/(…{2})([^”’])/gu, '$1\n$2')
      .replace(/([。！？?][”’])([^，。！？?])/gu, '$1\n$2'),
  );
  return s.split('\n');
}

/** The word list rouge-chinese scores: sentences, each whitespace-normalised, split on " ". */
export function rougeChineseWords(spaceJoined: string): string[] {
  const words: string[] = [];
  for (const sentence of cutSentences(spaceJoined)) {
    if (sentence.length === 0) continue;
    // One push per word: push(...list) throws past V8's argument limit on a very long sentence.
    for (const w of pySplit(sentence).join(' ').split(' ')) words.push(w);
  }
  return words;
}

function smoothedF(p: number, r: number): number {
  return 2 * ((p * r) / (p + r + 1e-8));
}

function rougeNF(pair: IdPair, n: number): number {
  const { hyp, ref, overlap } = distinctNgramOverlap(pair, n);
  const precision = hyp === 0 ? 0 : overlap / hyp;
  const recall = ref === 0 ? 0 : overlap / ref;
  return smoothedF(precision, recall);
}

/**
 * Scores of two space-joined word strings. The caller guards empty input (LLaMA-Factory scores 0
 * when either side has no words), as rouge-chinese itself would raise.
 */
export function rougeChinese(hypJoined: string, refJoined: string): RougeF1 {
  const pair = internPair(rougeChineseWords(hypJoined), rougeChineseWords(refJoined));
  const lcs = lcsLength(pair.ref, pair.hyp);
  return {
    rouge1: rougeNF(pair, 1),
    rouge2: rougeNF(pair, 2),
    rougeL: smoothedF(lcs / pair.hyp.length, lcs / pair.ref.length),
  };
}
