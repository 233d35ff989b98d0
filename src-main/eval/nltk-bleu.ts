/**
 * Sentence BLEU-4 as NLTK 3.8 computes it (`nltk.translate.bleu_score.sentence_bleu` with uniform
 * weights and `SmoothingFunction().method3`), the score LLaMA-Factory and ChatGLM's p-tuning scripts
 * print as "bleu-4". Returns a fraction in [0, 1].
 *
 * NLTK details kept: precisions are unreduced fractions whose denominator is max(1, hypothesis
 * n-grams); no unigram match gives 0 outright; method3 replaces the k-th zero precision by
 * 1 / (2^k · denominator); brevity penalty against the single reference.
 */
import { clippedNgramOverlap, internCodePoints, internPair, type IdPair } from './ngrams';

export function nltkSentenceBleu4(hyp: readonly string[], ref: readonly string[]): number {
  return nltkBleu4OfPair(internPair(hyp, ref));
}

/** On characters, as LLaMA-Factory calls it (`list(pred)`, `list(label)`: code points). */
export function nltkSentenceBleu4Chars(hyp: string, ref: string): number {
  return nltkBleu4OfPair(internCodePoints(hyp, ref));
}

function nltkBleu4OfPair(pair: IdPair): number {
  const numerators: number[] = [];
  const denominators: number[] = [];
  for (let n = 1; n <= 4; n++) {
    const hypTotal = Math.max(0, pair.hyp.length - n + 1);
    numerators.push(clippedNgramOverlap(pair, n));
    denominators.push(Math.max(1, hypTotal));
  }
  if (numerators[0] === 0) return 0;

  let k = 1;
  let logSum = 0;
  for (let i = 0; i < 4; i++) {
    let p: number;
    if (numerators[i] === 0) {
      p = 1 / (2 ** k * denominators[i]);
      k++;
    } else {
      p = numerators[i] / denominators[i];
    }
    logSum += 0.25 * Math.log(p);
  }
  const c = pair.hyp.length;
  const r = pair.ref.length;
  const bp = c > r ? 1 : c === 0 ? 0 : Math.exp(1 - r / c);
  return bp * Math.exp(logSum);
}
