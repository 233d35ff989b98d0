/**
 * Which stored evals form a run's before/after pair, and the rows of the results table (with the kind
 * of scoring each number depends on): shared by the Evaluate tab and the Compare view.
 */
import type { EvalRunRow } from './dto/evals';

export interface EvalPair {
  before: EvalRunRow | undefined;
  after: EvalRunRow | undefined;
}

/**
 * The latest adapter eval ("after") and the latest base eval ("before") measured the same way (same
 * split and scoring mode) before it; without an adapter eval, the latest base eval alone.
 */
export function pairEvals(evals: readonly EvalRunRow[]): EvalPair {
  const after = evals.filter((e) => e.target === 'adapter').at(-1);
  const bases = evals.filter((e) => e.target === 'base');
  if (!after) return { before: bases.at(-1), after: undefined };
  const before = bases.filter((e) => e.id < after.id && e.split === after.split && e.metricMode === after.metricMode).at(-1);
  return { before, after };
}

export interface ResultRow {
  key: string;
  /** A UI message key (the renderer translates it), or a fixed title for names the same in every language. */
  label?: 'eval.loss' | 'eval.perplexity';
  title?: string;
  /** 'text': BLEU/ROUGE, whose numbers depend on the scoring mode; 'squad': F1/EM. */
  tag: 'text' | 'squad' | null;
  lowerIsBetter: boolean;
  value(e: EvalRunRow | undefined): number | null;
}

const metric = (key: string) => (e: EvalRunRow | undefined) => e?.metrics[key] ?? null;

export const RESULT_ROWS: ResultRow[] = [
  { key: 'loss', label: 'eval.loss', tag: null, lowerIsBetter: true, value: (e) => e?.loss ?? null },
  { key: 'perplexity', label: 'eval.perplexity', tag: null, lowerIsBetter: true, value: metric('perplexity') },
  { key: 'bleu4', title: 'BLEU-4', tag: 'text', lowerIsBetter: false, value: metric('bleu4') },
  { key: 'rouge1', title: 'ROUGE-1', tag: 'text', lowerIsBetter: false, value: metric('rouge1') },
  { key: 'rouge2', title: 'ROUGE-2', tag: 'text', lowerIsBetter: false, value: metric('rouge2') },
  { key: 'rougeL', title: 'ROUGE-L', tag: 'text', lowerIsBetter: false, value: metric('rougeL') },
  { key: 'f1', title: 'F1', tag: 'squad', lowerIsBetter: false, value: metric('f1') },
  { key: 'em', title: 'EM', tag: 'squad', lowerIsBetter: false, value: metric('em') },
];

const SORT_ORDER = ['f1', 'bleu4', 'rougeL', 'rouge1', 'rouge2', 'em'] as const;

/** The per-example scores an eval measured, in the order the predictions browser offers them. */
export function scoreKeysOf(e: EvalRunRow | undefined): string[] {
  return e ? SORT_ORDER.filter((k) => e.metrics[k] !== undefined) : [];
}
