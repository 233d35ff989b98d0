/**
 * ROUGE-1, ROUGE-2 and ROUGE-L F1 of one hypothesis against one reference, on tokens the caller
 * chose (Tuneloom passes BLEU's tokens: sacrebleu `zh` or `13a`). N-gram overlap is clipped by
 * counts (Lin 2004; as Google's `rouge-score` counts it); ROUGE-L is the LCS F1 with beta = 1.
 * An empty hypothesis or reference scores 0. Scores are fractions in [0, 1].
 */
import { clippedNgramOverlap, internPair, lcsLength, type IdPair } from './ngrams';

export interface RougeF1 {
  rouge1: number;
  rouge2: number;
  rougeL: number;
}

function f1(overlap: number, hypCount: number, refCount: number): number {
  if (overlap === 0 || hypCount === 0 || refCount === 0) return 0;
  const p = overlap / hypCount;
  const r = overlap / refCount;
  return (2 * p * r) / (p + r);
}

function rougeNIds(pair: IdPair, n: number): number {
  const hypCount = Math.max(0, pair.hyp.length - n + 1);
  const refCount = Math.max(0, pair.ref.length - n + 1);
  if (hypCount === 0 || refCount === 0) return 0;
  return f1(clippedNgramOverlap(pair, n), hypCount, refCount);
}

export function rougeN(hyp: readonly string[], ref: readonly string[], n: number): number {
  return rougeNIds(internPair(hyp, ref), n);
}

export function rougeL(hyp: readonly string[], ref: readonly string[]): number {
  const pair = internPair(hyp, ref);
  return f1(lcsLength(pair.hyp, pair.ref), hyp.length, ref.length);
}

export function rougeScores(hyp: readonly string[], ref: readonly string[]): RougeF1 {
  return rougeScoresIds(internPair(hyp, ref));
}

/** All three from tokens already interned. */
export function rougeScoresIds(pair: IdPair): RougeF1 {
  return { rouge1: rougeNIds(pair, 1), rouge2: rougeNIds(pair, 2), rougeL: f1(lcsLength(pair.hyp, pair.ref), pair.hyp.length, pair.ref.length) };
}

/**
 * The same when the clipped unigram and bigram overlaps are already known: they are exactly BLEU's
 * matched 1- and 2-gram counts, so the sacrebleu mode does not count them twice.
 */
export function rougeFromOverlaps(pair: IdPair, overlap1: number, overlap2: number): RougeF1 {
  const h = pair.hyp.length;
  const r = pair.ref.length;
  return {
    rouge1: f1(overlap1, h, r),
    rouge2: f1(overlap2, Math.max(0, h - 1), Math.max(0, r - 1)),
    rougeL: f1(lcsLength(pair.hyp, pair.ref), h, r),
  };
}
