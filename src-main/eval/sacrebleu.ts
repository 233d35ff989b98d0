/**
 * BLEU-4 as sacrebleu 2.6 computes it (`metrics/bleu.py`, `compat.corpus_bleu` / `sentence_bleu`):
 * per-segment sufficient statistics (hypothesis length, closest reference length, matched and total
 * n-grams for n = 1..4), summed over the corpus, brevity penalty, and the "exp" (NIST, mteval-v13a)
 * smoothing. Corpus BLEU uses every order; sentence BLEU uses sacrebleu's `use_effective_order=True`.
 * Scores are 0-100. Single reference per hypothesis, which is all Tuneloom's data has.
 */
import { clippedNgramOverlap, internPair, type IdPair } from './ngrams';
import { pyRstrip } from './python-text';
import { sacreTokenize, type SacreTokenizer } from './sacrebleu-tokenize';

export const MAX_NGRAM_ORDER = 4;

/** One segment's counts; they add up over a corpus. */
export interface BleuStats {
  hypLen: number;
  refLen: number;
  correct: number[]; // [MAX_NGRAM_ORDER]
  total: number[]; // [MAX_NGRAM_ORDER]
}

export interface BleuScore {
  score: number;
  precisions: number[];
  bp: number;
  stats: BleuStats;
}

/** sacrebleu's preprocessing of one segment: `tokenizer(sent.rstrip())`, no lowercasing. */
export function bleuTokens(text: string, tokenizer: SacreTokenizer): string[] {
  return sacreTokenize(pyRstrip(text), tokenizer);
}

export function segmentStats(hypTokens: readonly string[], refTokens: readonly string[]): BleuStats {
  return segmentStatsIds(internPair(hypTokens, refTokens));
}

/** The same from tokens already interned (the caller may share them with ROUGE). */
export function segmentStatsIds(pair: IdPair): BleuStats {
  const correct = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  const total = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  for (let n = 1; n <= MAX_NGRAM_ORDER; n++) {
    total[n - 1] = Math.max(0, pair.hyp.length - n + 1);
    correct[n - 1] = clippedNgramOverlap(pair, n);
  }
  return { hypLen: pair.hyp.length, refLen: pair.ref.length, correct, total };
}

export function addStats(into: BleuStats, s: BleuStats): void {
  into.hypLen += s.hypLen;
  into.refLen += s.refLen;
  for (let i = 0; i < MAX_NGRAM_ORDER; i++) {
    into.correct[i] += s.correct[i];
    into.total[i] += s.total[i];
  }
}

export function emptyStats(): BleuStats {
  return { hypLen: 0, refLen: 0, correct: new Array(MAX_NGRAM_ORDER).fill(0), total: new Array(MAX_NGRAM_ORDER).fill(0) };
}

/** sacrebleu's `my_log`: log, floored so that a zero precision gives a score of (practically) zero. */
function flooredLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/** sacrebleu `BLEU.compute_bleu` with smooth_method='exp'. */
export function bleuFromStats(stats: BleuStats, effectiveOrder: boolean): BleuScore {
  const { hypLen, refLen, correct, total } = stats;
  let bp = 1;
  if (hypLen < refLen) bp = hypLen > 0 ? Math.exp(1 - refLen / hypLen) : 0;
  const precisions = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  if (!correct.some((c) => c > 0)) return { score: 0, precisions, bp, stats };

  let smoothMteval = 1;
  let effOrder = MAX_NGRAM_ORDER;
  for (let n = 1; n <= MAX_NGRAM_ORDER; n++) {
    if (total[n - 1] === 0) break;
    if (effectiveOrder) effOrder = n;
    if (correct[n - 1] === 0) {
      // NIST smoothing: the k-th order without a match counts as 1 / 2^k matches.
      smoothMteval *= 2;
      precisions[n - 1] = 100 / (smoothMteval * total[n - 1]);
    } else {
      precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
    }
  }
  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += flooredLog(precisions[i]);
  return { score: bp * Math.exp(logSum / effOrder), precisions, bp, stats };
}

/** `sacrebleu.corpus_bleu(hyps, [refs], tokenize=...)`.score, from already tokenized segments. */
export function corpusBleuTokens(hyps: readonly (readonly string[])[], refs: readonly (readonly string[])[]): BleuScore {
  const sum = emptyStats();
  for (let i = 0; i < hyps.length; i++) addStats(sum, segmentStats(hyps[i], refs[i]));
  return bleuFromStats(sum, false);
}

/** `sacrebleu.sentence_bleu(hyp, [ref], tokenize=...)`, from tokens. */
export function sentenceBleuTokens(hyp: readonly string[], ref: readonly string[]): BleuScore {
  return bleuFromStats(segmentStats(hyp, ref), true);
}

export function corpusBleu(hyps: readonly string[], refs: readonly string[], tokenizer: SacreTokenizer): BleuScore {
  return corpusBleuTokens(
    hyps.map((h) => bleuTokens(h, tokenizer)),
    refs.map((r) => bleuTokens(r, tokenizer)),
  );
}

export function sentenceBleu(hyp: string, ref: string, tokenizer: SacreTokenizer): BleuScore {
  return sentenceBleuTokens(bleuTokens(hyp, tokenizer), bleuTokens(ref, tokenizer));
}
