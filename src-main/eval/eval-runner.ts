/**
 * An eval run: for every chat of a dataset (up to --limit), the conversation before its last
 * assistant turn is the prompt and that turn is the reference. The model (with or without the
 * adapter: "after" and "before") generates, greedily or sampled, in batches of `batchSize` prompts
 * (left-padded, one shared KV cache, on the ggml engine: ggml/generate.ts); the predictions are scored
 * (text-metrics.ts), and the reference's teacher-forced loss (ggml/sequence-loss.ts) gives eval loss
 * and perplexity. Batching does not change the predictions: each row gets what one-at-a-time
 * generation gives it (sampled example i uses seed `sampling.seed + i` whatever the batch size).
 * With budget forcing (s1: a cap on the thinking tokens, "Wait" extensions) each prompt generates on
 * its own (forced tokens are per-row multi-token feeds, which the batched loop does not take), and
 * every prediction records what was used.
 */
import { UserError } from '../errors';
import { isChat, type DataFormat } from '../data/types';
import type { ChatMessage } from '../engine/types';
import type { GenerateResult, SamplingOptions } from '../engine/generate/generate';
import type { GenerationDefaults } from '../engine/generate/generation-config';
import type { GgmlCausalLM, HostPrefix } from '../engine/ggml/causal-lm';
import { generateBatchGgml, generateGgml } from '../engine/ggml/generate';
import type { ThinkingBudgetOptions, ThinkingUsage } from '../engine/generate/thinking-budget';
import { sequenceNll } from '../engine/ggml/sequence-loss';
import type { TextTokenizer } from '../engine/tokenizer/text-tokenizer';
import { labelChat, LabelError } from '../engine/train/chat-labels';
import { IGNORE_INDEX } from '../engine/train/ignore-index';
import { splitValidation } from '../engine/train/split';
import { TRAIN_DEFAULTS, type DatasetSpec } from '../engine/train/train-config';
import { readExamples } from '../engine-node/node-train-io';
import { LossAccumulator } from './perplexity';
import { scoreTexts, type ExampleScores, type MetricMode } from './text-metrics';
import type { MetricLang } from './squad';

export const EVAL_METRICS = ['loss', 'bleu', 'rouge', 'f1', 'em'] as const;
export type EvalMetric = (typeof EVAL_METRICS)[number];

/** Which examples to evaluate: the seeded validation draw (as the run trained with), the rest, or every one. */
export const EVAL_SPLITS = ['all', 'train', 'validation'] as const;
export type EvalSplit = (typeof EVAL_SPLITS)[number];

/** What an eval needs of an inference session (GgmlInferenceSession is one). */
export interface EvalSession {
  model: GgmlCausalLM;
  tokenizer: TextTokenizer;
  /** A prefix-tuning adapter's keys/values, put in every row's cache. */
  prefix?: HostPrefix;
  generation: GenerationDefaults;
}

export interface EvalOptions {
  data: string;
  format?: DataFormat;
  /** Column -> role (format csv), as the run trained with. */
  map?: Record<string, string>;
  /** The files of `data` as its import read them (every file of a folder, the user's encoding), as training reads them. */
  dataset?: DatasetSpec;
  split?: EvalSplit;
  /** With split train/validation: the share drawn for validation and its seed (the run's --val-split/--seed). */
  valSplit?: number;
  seed?: number;
  metrics?: EvalMetric[];
  maxNewTokens?: number;
  /** Prompts generated together (default 8); 1 is one at a time. */
  batchSize?: number;
  /** Default greedy. Sampled: example i draws with seed `seed + i`, so batching never changes it. */
  sampling?: SamplingOptions;
  limit?: number;
  /** s1 budget forcing on every prediction. */
  thinking?: ThinkingBudgetOptions;
  lang?: MetricLang;
  mode?: MetricMode;
  onProgress?: (done: number, total: number) => void;
}

export interface EvalPrediction {
  prompt: string;
  prediction: string;
  reference: string;
  scores?: ExampleScores;
  /** With budget forcing: what it did on this prediction. */
  thinking?: ThinkingUsage;
}

/** Budget forcing over an eval run: the settings and what they did. */
/** What budget forcing did over an eval's predictions (declared with the eval DTOs: the UI shows it). */
export type { EvalThinkingSummary as ThinkingSummary } from '../../src-shared/dto/evals';
import type { EvalThinkingSummary as ThinkingSummary } from '../../src-shared/dto/evals';

export interface EvalResult {
  examples: number;
  mode: MetricMode;
  lang: MetricLang;
  loss?: number;
  perplexity?: number;
  bleu4?: number;
  rouge1?: number;
  rouge2?: number;
  rougeL?: number;
  f1?: number;
  em?: number;
  /** Generated tokens per second over the whole run (prompt processing included). */
  tokens_per_s?: number;
  thinking?: ThinkingSummary;
  predictions: EvalPrediction[];
}

interface EvalCase {
  prompt: ChatMessage[];
  upToReference: ChatMessage[];
  reference: string;
}

function casesOf(examples: unknown[], limit: number | undefined): EvalCase[] {
  const out: EvalCase[] = [];
  for (const e of examples as Parameters<typeof isChat>[0][]) {
    if (limit !== undefined && out.length >= limit) break;
    if (!isChat(e)) continue;
    let last = -1;
    e.messages.forEach((m, i) => {
      if (m.role === 'assistant') last = i;
    });
    if (last < 0) continue;
    out.push({ prompt: e.messages.slice(0, last), upToReference: e.messages.slice(0, last + 1), reference: e.messages[last].content });
  }
  return out;
}

/** Teacher-forced loss of the reference answer (labels shifted by one, as in training). */
async function referenceLoss(session: EvalSession, c: EvalCase, acc: LossAccumulator): Promise<void> {
  let labelled;
  try {
    labelled = labelChat(session.tokenizer, c.upToReference, 'completion');
  } catch (e) {
    if (e instanceof LabelError) return; // a template that cannot split the chat: no loss for it
    throw e;
  }
  const { ids, labels } = labelled;
  const targets = new Int32Array(ids.length).fill(IGNORE_INDEX);
  for (let t = 0; t + 1 < ids.length; t++) targets[t] = labels[t + 1];
  const { nll, count } = await sequenceNll(session.model, ids, targets, { ignoreIndex: IGNORE_INDEX, prefix: session.prefix });
  if (count > 0) acc.add(nll / count, count);
}

export async function runEval(session: EvalSession, opts: EvalOptions): Promise<EvalResult> {
  const metrics = new Set<EvalMetric>(opts.metrics ?? EVAL_METRICS);
  const split = opts.split ?? 'all';
  // The worker's reader and split (readExamples + splitValidation), so --split validation is what the run held out.
  const { examples } = await readExamples(opts.data, opts.format, opts.map, opts.dataset);
  const { train, val } =
    split === 'all' ? { train: examples, val: [] } : splitValidation(examples, opts.valSplit ?? TRAIN_DEFAULTS.valSplit, opts.seed ?? TRAIN_DEFAULTS.seed);
  if (split === 'validation' && val.length === 0) {
    throw new UserError('the validation split is empty', { where: opts.data, hint: 'pass a larger --val-split, or --split all' });
  }
  const cases = casesOf(split === 'train' ? train : split === 'validation' ? val : [...train, ...val], opts.limit);
  if (cases.length === 0) {
    throw new UserError('no chat with an assistant turn to evaluate', {
      where: opts.data,
      hint: 'evaluation needs prompt/answer pairs (a chat format, alpaca, adgen, ...)',
    });
  }
  const generating = metrics.has('bleu') || metrics.has('rouge') || metrics.has('f1') || metrics.has('em');
  const acc = new LossAccumulator();
  const predictions: EvalPrediction[] = [];
  let generated = 0;
  const batchSize = opts.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`--batch-size must be a whole number of at least 1, got ${batchSize}`);
  const sampling = opts.sampling ?? { greedy: true };
  const t0 = performance.now();
  for (let start = 0; start < cases.length; start += batchSize) {
    const batch = cases.slice(start, start + batchSize);
    if (metrics.has('loss')) for (const c of batch) await referenceLoss(session, c, acc);
    const prompts = batch.map((c) => session.tokenizer.encodeChat(c.prompt, { addGenerationPrompt: true }));
    const common = { maxNewTokens: opts.maxNewTokens ?? 128, eosTokenIds: session.generation.eosTokenIds, prefix: session.prefix };
    const rowSampling = (j: number): SamplingOptions => (sampling.greedy ? sampling : { ...sampling, seed: sampling.seed + start + j });
    let outs: GenerateResult[] | undefined;
    if (generating && opts.thinking) {
      outs = [];
      for (const [j, p] of prompts.entries())
        outs.push(await generateGgml(session.model, p.ids, { ...common, sampling: rowSampling(j), thinking: opts.thinking }));
    } else if (generating) {
      outs = await generateBatchGgml(
        session.model,
        prompts.map((p) => p.ids),
        { ...common, sampling: batch.map((_, j) => rowSampling(j)) },
      );
    }
    batch.forEach((c, j) => {
      let prediction = '';
      if (outs) {
        generated += outs[j].ids.length;
        prediction = session.tokenizer.decode(outs[j].ids, { skipSpecialTokens: true }).trim();
      }
      const thinking = outs?.[j].thinking;
      predictions.push({ prompt: prompts[j].text, prediction, reference: c.reference, ...(thinking ? { thinking } : {}) });
      opts.onProgress?.(start + j + 1, cases.length);
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const lang = opts.lang ?? 'zh';
  const mode = opts.mode ?? 'sacrebleu';
  const result: EvalResult = { examples: cases.length, mode, lang, predictions };
  if (metrics.has('loss') && acc.tokens > 0) {
    result.loss = acc.loss;
    result.perplexity = acc.perplexity;
  }
  if (generating) {
    const { metrics: m, perExample } = scoreTexts(
      predictions.map((p) => p.prediction),
      predictions.map((p) => p.reference),
      { lang, mode, perExample: true },
    );
    predictions.forEach((p, i) => (p.scores = perExample![i]));
    if (metrics.has('bleu')) result.bleu4 = m.bleu4;
    if (metrics.has('rouge')) Object.assign(result, { rouge1: m.rouge1, rouge2: m.rouge2, rougeL: m.rougeL });
    if (metrics.has('f1')) result.f1 = m.f1;
    if (metrics.has('em')) result.em = m.em;
    result.tokens_per_s = seconds > 0 ? generated / seconds : undefined;
    if (opts.thinking) result.thinking = summariseThinking(opts.thinking, predictions);
  }
  return result;
}

function summariseThinking(t: ThinkingBudgetOptions, predictions: EvalPrediction[]): ThinkingSummary {
  const used = predictions.flatMap((p) => (p.thinking ? [p.thinking] : []));
  return {
    budget: Number.isFinite(t.budget) ? t.budget : null,
    maxWaits: t.maxWaits ?? 0,
    meanTokens: used.length ? used.reduce((n, u) => n + u.tokens, 0) / used.length : 0,
    waits: used.reduce((n, u) => n + u.waits, 0),
    forcedCloses: used.filter((u) => u.forcedClose).length,
  };
}
