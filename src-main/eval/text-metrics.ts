/**
 * Scores a set of predictions against references: the numbers `tuneloom metrics`, `tuneloom eval`
 * and the Evaluate tab report, 0-100 each. Two modes, named in every result so the UI can say where
 * a number comes from:
 * - `sacrebleu`: corpus BLEU-4 exactly as sacrebleu (tokenize "zh" or "13a"); ROUGE-1/2/L F1 on the
 *   same tokens, per example then averaged.
 * - `jieba`: what LLaMA-Factory / ChatGLM's p-tuning print for Chinese generation: per-example
 *   NLTK sentence BLEU-4 (method3 smoothing) on characters, rouge-chinese on jieba words, each
 *   rounded to 4 decimals and averaged.
 * SQuAD-style F1 and EM (per example, averaged) are the same in both modes.
 */
import { UserError } from '../errors';
import { jiebaCut } from './jieba-words';
import { nltkSentenceBleu4Chars } from './nltk-bleu';
import { pyRound, pySplit } from './python-text';
import { internPair } from './ngrams';
import { rougeFromOverlaps, type RougeF1 } from './rouge';
import { rougeChinese } from './rouge-chinese';
import { addStats, bleuFromStats, bleuTokens, emptyStats, segmentStatsIds } from './sacrebleu';
import { squadScore, type MetricLang } from './squad';

export type MetricMode = 'sacrebleu' | 'jieba';

export interface ExampleScores {
  bleu4: number;
  rouge1: number;
  rouge2: number;
  rougeL: number;
  f1: number;
  em: number;
}

export interface TextMetrics extends ExampleScores {
  mode: MetricMode;
  lang: MetricLang;
  examples: number;
}

export interface TextMetricsOptions {
  lang?: MetricLang;
  mode?: MetricMode;
  /** Also return every example's scores (sentence BLEU in sacrebleu mode), e.g. to sort predictions. */
  perExample?: boolean;
}

export interface TextMetricsResult {
  metrics: TextMetrics;
  perExample?: ExampleScores[];
}

const ZERO_ROUGE: RougeF1 = { rouge1: 0, rouge2: 0, rougeL: 0 };

function sacrebleuExample(hyp: string, ref: string, lang: MetricLang, corpus: ReturnType<typeof emptyStats>): ExampleScores {
  const tokenizer = lang === 'zh' ? 'zh' : '13a';
  const h = bleuTokens(hyp, tokenizer);
  const r = bleuTokens(ref, tokenizer);
  const pair = internPair(h, r);
  const stats = segmentStatsIds(pair);
  addStats(corpus, stats);
  const sentence = bleuFromStats(stats, true);
  const rouge = rougeFromOverlaps(pair, stats.correct[0], stats.correct[1]);
  const squad = squadScore(hyp, ref, lang);
  return {
    bleu4: sentence.score,
    rouge1: 100 * rouge.rouge1,
    rouge2: 100 * rouge.rouge2,
    rougeL: 100 * rouge.rougeL,
    f1: 100 * squad.f1,
    em: 100 * squad.em,
  };
}

function jiebaExample(hyp: string, ref: string, lang: MetricLang): ExampleScores {
  const hypWords = jiebaCut(hyp);
  const refWords = jiebaCut(ref);
  const hypJoined = hypWords.join(' ');
  const refJoined = refWords.join(' ');
  const rouge = pySplit(hypJoined).length === 0 || pySplit(refJoined).length === 0 ? ZERO_ROUGE : rougeChinese(hypJoined, refJoined);
  // LLaMA-Factory scores BLEU on characters (`list(pred)`), not on the jieba words.
  const bleu = nltkSentenceBleu4Chars(hyp, ref);
  const squad = squadScore(hyp, ref, lang);
  return {
    bleu4: pyRound(bleu * 100, 4),
    rouge1: pyRound(rouge.rouge1 * 100, 4),
    rouge2: pyRound(rouge.rouge2 * 100, 4),
    rougeL: pyRound(rouge.rougeL * 100, 4),
    f1: 100 * squad.f1,
    em: 100 * squad.em,
  };
}

export function scoreTexts(hyps: readonly string[], refs: readonly string[], options: TextMetricsOptions = {}): TextMetricsResult {
  const lang = options.lang ?? 'zh';
  const mode = options.mode ?? 'sacrebleu';
  if (hyps.length !== refs.length) {
    throw new UserError(`${hyps.length} predictions but ${refs.length} references`, { hint: 'give one reference per prediction' });
  }
  if (hyps.length === 0) throw new UserError('no predictions to score', { hint: 'give at least one prediction/reference pair' });

  const corpus = emptyStats();
  const per: ExampleScores[] = [];
  const sum: ExampleScores = { bleu4: 0, rouge1: 0, rouge2: 0, rougeL: 0, f1: 0, em: 0 };
  for (let i = 0; i < hyps.length; i++) {
    const s = mode === 'jieba' ? jiebaExample(hyps[i], refs[i], lang) : sacrebleuExample(hyps[i], refs[i], lang, corpus);
    for (const k of Object.keys(sum) as (keyof ExampleScores)[]) sum[k] += s[k];
    if (options.perExample) per.push(s);
  }
  const n = hyps.length;
  const metrics: TextMetrics = {
    mode,
    lang,
    examples: n,
    // sacrebleu's BLEU is a corpus statistic, not the mean of sentence scores.
    bleu4: mode === 'sacrebleu' ? bleuFromStats(corpus, false).score : sum.bleu4 / n,
    rouge1: sum.rouge1 / n,
    rouge2: sum.rouge2 / n,
    rougeL: sum.rougeL / n,
    f1: sum.f1 / n,
    em: sum.em / n,
  };
  return options.perExample ? { metrics, perExample: per } : { metrics };
}
