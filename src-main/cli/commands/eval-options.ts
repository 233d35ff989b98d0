/**
 * The options of `tuneloom eval`, read and checked before any model is opened (../shared/docs/CLI.md):
 * apart from eval.ts so that the command itself reads as its steps. `--run ID` supplies the defaults of
 * --data, --format, --val-split and --seed from the run's stored config.
 */
import { resolve } from 'node:path';
import { UserError } from '../../errors';
import type { SamplingOptions } from '../../engine/generate/generate';
import { TRAIN_DEFAULTS, type DatasetSpec, type TrainConfig } from '../../engine/train/train-config';
import { DATA_FORMATS } from '../../data/types';
import { EVAL_METRICS, EVAL_SPLITS } from '../../eval/eval-runner';
import { getRun } from '../../store/queries/runs';
import { openStore } from '../../store/db';
import { resolveStorePath } from '../../store/paths';
import { str, type CliContext } from '../command';
import { parseNumberFlag } from '../parse-number';
import { thinkFlags, type ThinkFlags } from '../think-flags';

/** What `--run ID` evaluates on: the run's data as its training read it, and its split. */
export interface RunData {
  data: string;
  format: string | undefined;
  map?: Record<string, string>;
  dataset?: DatasetSpec;
  valSplit: number;
  seed: number;
}

/** The checked options of one eval (strings already checked against their allowed values). */
export interface EvalCliOptions {
  model: string;
  data: string;
  fromRun: RunData | null;
  /** Whether --data is the --run's own data, so its column map and files apply. */
  runsOwn: boolean;
  format: string | undefined;
  metrics: string[];
  lang: 'zh' | 'en';
  mode: 'sacrebleu' | 'jieba';
  maxNewTokens: number | undefined;
  batchSize: number | undefined;
  limit: number | undefined;
  split: string;
  valSplit: number;
  seed: number | undefined;
  sampling: SamplingOptions;
  think: ThinkFlags | undefined;
}

function runData(ctx: CliContext): RunData | null {
  const id = parseNumberFlag(str(ctx, 'run'), 'run', { integer: true, min: 1 });
  if (id === undefined) return null;
  const db = openStore(resolveStorePath(str(ctx, 'db')));
  try {
    const run = getRun(db, id);
    if (!run) throw new UserError(`no run with id ${id} in this store`, { hint: 'list runs with `tuneloom runs list` (or pass the right --db)' });
    const cfg = run.config as Partial<TrainConfig>;
    const data = typeof cfg.data === 'string' ? cfg.data : run.datasetPath;
    if (!data) throw new UserError(`run ${id} has no dataset to evaluate on`, { hint: 'pass --data FILE instead of --run' });
    return {
      data,
      format: cfg.format && cfg.format !== 'auto' ? cfg.format : undefined,
      ...(cfg.map ? { map: cfg.map } : {}),
      ...(cfg.dataset ? { dataset: cfg.dataset } : {}),
      // The run's stored split: 0 (no validation) stays 0, so --split validation is empty rather than trained-on examples.
      valSplit: typeof cfg.valSplit === 'number' ? cfg.valSplit : TRAIN_DEFAULTS.valSplit,
      seed: typeof cfg.seed === 'number' ? cfg.seed : run.seed,
    };
  } finally {
    db.close();
  }
}

/** --metrics: the comma-separated subset, each one known. */
function parseMetrics(ctx: CliContext): string[] {
  const metrics = (str(ctx, 'metrics') ?? EVAL_METRICS.join(',')).split(',').map((m) => m.trim());
  for (const m of metrics)
    if (!(EVAL_METRICS as readonly string[]).includes(m))
      throw new UserError(`--metrics: unknown metric "${m}"`, { hint: `choose from ${EVAL_METRICS.join(',')}` });
  return metrics;
}

/** Greedy unless --temperature is above 0; --top-p, --top-k and --sample-seed only with it. */
function parseSampling(ctx: CliContext): SamplingOptions {
  const temperature = parseNumberFlag(str(ctx, 'temperature'), 'temperature', { min: 0 });
  const sampled = temperature !== undefined && temperature > 0;
  for (const f of ['top-p', 'top-k', 'sample-seed']) {
    if (!sampled && str(ctx, f) !== undefined)
      throw new UserError(`--${f} needs --temperature above 0 (eval is greedy without it)`, { hint: `add --temperature 0.7, or drop --${f}` });
  }
  const topP = parseNumberFlag(str(ctx, 'top-p'), 'top-p', { min: 0, fallback: 1 })!;
  if (topP > 1) throw new UserError(`--top-p must be at most 1, got ${topP}`);
  const topK = parseNumberFlag(str(ctx, 'top-k'), 'top-k', { integer: true, min: 0, fallback: 0 })!;
  const sampleSeed = parseNumberFlag(str(ctx, 'sample-seed'), 'sample-seed', { integer: true, min: 0, fallback: 0 })!;
  return sampled ? { greedy: false, temperature: temperature!, topP, topK, seed: sampleSeed } : { greedy: true };
}

/** Every option of the command, checked in the order the errors have always come in. */
export function parseEvalOptions(ctx: CliContext): EvalCliOptions {
  const model = str(ctx, 'model');
  // --run gives the defaults of --data, --format, --val-split and --seed; its files and encoding apply to its own data only.
  const fromRun = runData(ctx);
  const data = str(ctx, 'data') ?? fromRun?.data;
  if (!model || !data)
    throw new UserError(`missing --${model ? 'data' : 'model'}`, { hint: 'usage: tuneloom eval --model DIR [--adapter DIR] --data FILE --json' });
  const runsOwn = fromRun !== null && resolve(data) === resolve(fromRun.data);
  const format = str(ctx, 'format') ?? (runsOwn ? fromRun.format : undefined);
  if (format !== undefined && !(DATA_FORMATS as readonly string[]).includes(format))
    throw new UserError(`--format must be one of ${DATA_FORMATS.join(', ')}, got "${format}"`);
  const metrics = parseMetrics(ctx);
  const lang = str(ctx, 'lang') ?? 'zh';
  if (lang !== 'zh' && lang !== 'en') throw new UserError(`--lang must be zh or en, got "${lang}"`);
  const mode = str(ctx, 'mode') ?? 'sacrebleu';
  if (mode !== 'sacrebleu' && mode !== 'jieba') throw new UserError(`--mode must be sacrebleu or jieba, got "${mode}"`);
  const maxNewTokens = parseNumberFlag(str(ctx, 'max-new-tokens'), 'max-new-tokens', { integer: true, min: 1, fallback: 128 });
  const batchSize = parseNumberFlag(str(ctx, 'batch-size'), 'batch-size', { integer: true, min: 1, fallback: 8 });
  const limit = parseNumberFlag(str(ctx, 'limit'), 'limit', { integer: true, min: 1 });
  const split = str(ctx, 'split') ?? 'all';
  if (!(EVAL_SPLITS as readonly string[]).includes(split)) throw new UserError(`--split must be one of ${EVAL_SPLITS.join(', ')}, got "${split}"`);
  const valSplit = parseNumberFlag(str(ctx, 'val-split'), 'val-split', { min: 0, fallback: fromRun?.valSplit ?? 0.05 })!;
  if (valSplit > 0.5 && str(ctx, 'val-split') !== undefined) throw new UserError(`--val-split must be at most 0.5, got ${valSplit}`);
  const seed = parseNumberFlag(str(ctx, 'seed'), 'seed', { integer: true, min: 0, fallback: fromRun?.seed ?? 42 });
  const sampling = parseSampling(ctx);
  const think = thinkFlags(ctx);
  return { model, data, fromRun, runsOwn, format, metrics, lang, mode, maxNewTokens, batchSize, limit, split, valSplit, seed, sampling, think };
}
