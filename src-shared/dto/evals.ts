/**
 * Eval runs and exports of a run as they cross to the renderer: the Evaluate tab (before/after table,
 * predictions next to references) and the export buttons (progress, self-check result).
 */

export const EVAL_METRIC_CHOICES = ['loss', 'bleu', 'rouge', 'f1', 'em'] as const;
export type EvalMetricChoice = (typeof EVAL_METRIC_CHOICES)[number];
/** sacrebleu: corpus BLEU-4 (tokenize zh / 13a); jieba: LLaMA-Factory / ChatGLM per-example numbers. */
export const METRIC_MODES = ['sacrebleu', 'jieba'] as const;
export type MetricModeChoice = (typeof METRIC_MODES)[number];
export const EVAL_SPLIT_CHOICES = ['validation', 'train', 'all'] as const;
export type EvalSplitChoice = (typeof EVAL_SPLIT_CHOICES)[number];

export interface EvalStartRequest {
  /** The run whose finished adapter is evaluated ("after"). */
  runId: number;
  split: EvalSplitChoice;
  metrics: EvalMetricChoice[];
  mode: MetricModeChoice;
  lang: 'zh' | 'en';
  /** Also evaluate the base model on the same examples ("before"). */
  base: boolean;
  limit?: number;
  maxNewTokens: number;
  /** Sampling temperature; absent or 0: greedy. Before and after draw with the same seed (the run's). */
  temperature?: number;
  /** Budget forcing (s1): at most this many tokens inside <think>, then the close is forced; absent or 0: no cap. */
  thinkBudget?: number;
  /** Replace up to this many early </think> with "Wait" to extend the thinking; absent or 0: none. */
  thinkWait?: number;
  /** Another dataset file instead of the run's own. */
  dataPath?: string;
}

/** Which model an eval measured: the base alone ("before") or base + the run's adapter ("after"). */
export type EvalTarget = 'base' | 'adapter';

/** What budget forcing (`--think-budget`, `--think-wait`) did over an eval's predictions. */
export interface EvalThinkingSummary {
  budget: number | null;
  maxWaits: number;
  /** Mean tokens inside <think> per prediction. */
  meanTokens: number;
  /** "Wait" extensions used, all predictions together. */
  waits: number;
  /** Predictions whose thinking the budget closed. */
  forcedCloses: number;
}

export interface EvalRunRow {
  id: number;
  target: EvalTarget;
  modelPath: string | null;
  adapterPath: string | null;
  split: string | null;
  metricMode: MetricModeChoice | null;
  /** Eval loss (null when not measured); perplexity sits in metrics. */
  loss: number | null;
  /** bleu4, rouge1, rouge2, rougeL, f1, em, perplexity: whatever was measured, 0-100 except perplexity. */
  metrics: Record<string, number>;
  examples: number | null;
  createdAt: string;
  /** Present when the eval ran with a thinking budget or "Wait" extensions. */
  thinking?: EvalThinkingSummary | null;
}

export interface EvalPredictionRow {
  idx: number;
  prompt: string;
  prediction: string;
  reference: string | null;
  scores: Record<string, number> | null;
}

export interface EvalJob {
  jobId: number;
  runId: number;
  /** The eval in progress (jobs run base first, then the adapter). */
  target: EvalTarget;
  done: number;
  total: number;
}

export const EXPORT_KINDS = ['adapter', 'merged', 'gguf'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface ExportStartRequest {
  runId: number;
  to: ExportKind;
  ggufType?: 'f16' | 'q8_0';
  /** Target folder; default: <run folder>/export-<kind>. */
  out?: string;
  /** Replace an existing, non-empty folder (the user confirmed it). */
  overwrite?: boolean;
}

/** The export self-check as stored: `summary` says what was compared; `skipped` why it did not run. */
export interface SelfCheckView {
  ok: boolean;
  summary?: string;
  skipped?: string;
}

export interface ExportRow {
  id: number;
  kind: ExportKind;
  ggufType: string | null;
  outPath: string;
  bytes: number | null;
  selfCheck: SelfCheckView | null;
  createdAt: string;
}

export interface ExportJob {
  jobId: number;
  runId: number;
  to: ExportKind;
  out: string;
  stage: 'copy' | 'write' | 'check';
  /** 0-100 within the stage. */
  pct: number;
}
