/**
 * `tuneloom eval --model DIR [--adapter DIR] --data FILE [--format ...] [--metrics loss,bleu,rouge,f1,em]
 * [--max-new-tokens N] [--limit N] [--json]` (../shared/docs/CLI.md), plus --batch-size, --lang, --mode, --backend.
 */
import { withRoundedScores } from '../round-scores';
import { isMilestone, ProgressWriter } from '../progress';
import { UserError } from '../../errors';
import type { SamplingOptions } from '../../engine/generate/generate';
import { DATA_FORMATS, type DataFormat } from '../../data/types';
import { openGgmlInferenceSession } from '../../engine-node/ggml-session';
import { EVAL_METRICS, EVAL_SPLITS, runEval, type EvalMetric, type EvalSplit, type ThinkingSummary } from '../../eval/eval-runner';
import { flag, str, type CliCommand, type CliContext } from '../command';
import { eventsHelp, EVENTS_OPTION, jobEvents, writeJobResult } from '../job-output';
import { getRun } from '../../store/queries/runs';
import { TRAIN_DEFAULTS, type DatasetSpec, type TrainConfig } from '../../engine/train/train-config';
import { parseNumberFlag } from '../parse-number';
import { resolve } from 'node:path';
import { openStore } from '../../store/db';
import { resolveStorePath } from '../../store/paths';
import { recordEvalRun } from '../../store/queries/eval-runs';
import { THINK_OPTIONS, thinkHelp, thinkFlags, thinkingOptions } from '../think-flags';

const HELP = `Usage: tuneloom eval --model DIR [--adapter DIR] (--data FILE | --run ID) [--format FORMAT]
                     [--metrics loss,bleu,rouge,f1,em] [--max-new-tokens 128] [--limit N]
                     [--batch-size 8] [--temperature T [--top-p P] [--top-k K] [--sample-seed S]]
                     [--think-budget N] [--think-wait W]
                     [--split all|train|validation] [--val-split 0.05] [--seed 42]
                     [--lang zh|en] [--mode sacrebleu|jieba] [--backend B] [--weights W] [--json | --events]

For every chat in FILE, the turns before its last assistant answer are the prompt and that answer
is the reference. The model (plus --adapter; leave it out to measure the base model, "before")
generates (greedily unless --temperature is given); predictions are scored as \`tuneloom metrics\` scores them, and the reference's
teacher-forced loss gives eval loss and perplexity. Scores are 0-100.

Options:
  --model DIR          Hugging Face model folder
  --adapter DIR        PEFT LoRA adapter folder (optional)
  --data FILE          dataset file or folder (any format \`tuneloom data inspect\` reads)
  --format FORMAT      ${DATA_FORMATS.join('|')} (default: detected)
  --run ID             the data run ID of the store (--db) trained on, read as its training read it
                       (every file of its import, its encoding, format and column map); its --val-split
                       and --seed are the defaults of --split's draw. --data FILE instead: FILE as named
  --metrics LIST       comma-separated subset of loss,bleu,rouge,f1,em (default: all)
  --max-new-tokens N   generation cap per example (default 128)
  --batch-size N       prompts generated together, left-padded (default 8); predictions match
                       --batch-size 1 (up to float rounding on GPU backends)
  --temperature T      sample instead of greedy decoding (T > 0), with --top-p P (default 1) and
                       --top-k K (default 0 = off)
  --sample-seed S      seed of example 1's draw; example i draws with S + i - 1, so results do not
                       depend on --batch-size (default 0)
${thinkHelp(23)}
                       With either, each prompt generates on its own (--batch-size does not apply)
                       and every prediction records its thinking tokens, Waits used and whether the
                       budget closed it (in the store and in --json)
  --limit N            evaluate only the first N examples
  --split S            all (default), or the train / validation part of the seeded split
                       a run trained with (--val-split and --seed as given to \`tuneloom train\`)
  --val-split F        share drawn for validation with --split train|validation (default 0.05)
  --seed N             seed of that draw (default 42)
  --lang zh|en         tokenization of the scores (default zh)
  --mode MODE          sacrebleu (default) or jieba (LLaMA-Factory / ChatGLM numbers)
  --backend B          auto|cpu|vulkan|cuda|metal (default auto: cuda, then metal, then a real
                       Vulkan GPU, then cpu; the old names webgpu|tensorflow|wasm map to
                       vulkan|cpu|cpu)
  --weights W          f32|f16|q8_0|q4: how the base weights are held (default: the most precise
                       type that fits the device)
  --db FILE            the store the eval run and its predictions are saved in
                       (default $TUNELOOM_HOME/tuneloom.db)
  --json               print {"examples","loss","perplexity","bleu4","rouge1","rouge2","rougeL","f1","em",
                       "mode","lang","tokens_per_s","predictions":[{prompt,prediction,reference,scores}],
                       "eval_id","run_id"}; with budget forcing also "thinking":{budget,maxWaits,meanTokens,
                       waits,forcedCloses} and each prediction's "thinking":{budget,maxWaits,tokens,waits,forcedClose}; progress goes to stderr as "eval: done/total" lines
${eventsHelp(23, '{"type":"progress","stage":"eval","done","total"} per example')}
`;

function thinkingLine(t: ThinkingSummary): string {
  const budget = t.budget === null ? 'no cap' : `budget ${t.budget}`;
  return `  thinking   ${budget}, up to ${t.maxWaits} Wait(s): ${t.meanTokens.toFixed(1)} tokens on average, ${t.waits} Wait(s) used, ${t.forcedCloses} closed by the budget\n`;
}

/** What `--run ID` evaluates on: the run's data as its training read it, and its split. */
interface RunData {
  data: string;
  format: string | undefined;
  map?: Record<string, string>;
  dataset?: DatasetSpec;
  valSplit: number;
  seed: number;
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

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'Evaluate a model or adapter on a dataset.',
  help: HELP,
  options: {
    model: { type: 'string' },
    adapter: { type: 'string' },
    data: { type: 'string' },
    run: { type: 'string' },
    format: { type: 'string' },
    metrics: { type: 'string' },
    'max-new-tokens': { type: 'string' },
    'batch-size': { type: 'string' },
    temperature: { type: 'string' },
    'top-p': { type: 'string' },
    'top-k': { type: 'string' },
    'sample-seed': { type: 'string' },
    limit: { type: 'string' },
    split: { type: 'string' },
    'val-split': { type: 'string' },
    seed: { type: 'string' },
    lang: { type: 'string' },
    mode: { type: 'string' },
    ...EVENTS_OPTION,
    ...THINK_OPTIONS,
  },
  async run(ctx) {
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
    const metrics = (str(ctx, 'metrics') ?? EVAL_METRICS.join(',')).split(',').map((m) => m.trim());
    for (const m of metrics)
      if (!(EVAL_METRICS as readonly string[]).includes(m))
        throw new UserError(`--metrics: unknown metric "${m}"`, { hint: `choose from ${EVAL_METRICS.join(',')}` });
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
    const sampling: SamplingOptions = sampled ? { greedy: false, temperature: temperature!, topP, topK, seed: sampleSeed } : { greedy: true };
    const think = thinkFlags(ctx);
    const events = jobEvents(ctx);
    const json = flag(ctx, 'json') || events !== null;
    const notice = (line: string) => (events ? events.log(line) : ctx.stderr.write(`${line}\n`));
    const session = await openGgmlInferenceSession({
      model,
      adapter: str(ctx, 'adapter'),
      backend: str(ctx, 'backend'),
      weights: str(ctx, 'weights'),
      notice,
    });
    const progress = new ProgressWriter(ctx.stderr);
    try {
      if (events) events.log(`backend ${session.reason}`);
      else if (!json) ctx.stderr.write(`backend ${session.reason}\n`);
      const result = await runEval(session, {
        data,
        format: format as DataFormat | undefined,
        ...(runsOwn && fromRun.map ? { map: fromRun.map } : {}),
        ...(runsOwn && fromRun.dataset ? { dataset: fromRun.dataset } : {}),
        metrics: metrics as EvalMetric[],
        maxNewTokens,
        batchSize,
        sampling,
        limit,
        split: split as EvalSplit,
        valSplit,
        seed,
        lang,
        mode,
        thinking: think ? thinkingOptions(session.tokenizer, think) : undefined,
        // One progress event per example with --events (the app's Evaluate tab draws its bar from
        // them); with --json, one "eval: done/total" line per example on stderr, as documented.
        onProgress: (done, total) => {
          if (events) events.progress('eval', done, total);
          else if (json) ctx.stderr.write(`eval: ${done}/${total}\n`);
          else progress.update(`eval: ${done}/${total}`, isMilestone(done, total));
        },
      });
      // Every eval run is kept in the store (metrics and each prediction), linked to the run that
      // produced the adapter; without --adapter it is the base model's "before" row.
      const db = openStore(resolveStorePath(str(ctx, 'db')));
      let stored: { evalId: number; runId: number | null };
      try {
        const scores: Record<string, number> = {};
        for (const k of ['bleu4', 'rouge1', 'rouge2', 'rougeL', 'f1', 'em', 'perplexity'] as const) if (result[k] !== undefined) scores[k] = result[k]!;
        const adapterArg = str(ctx, 'adapter');
        stored = recordEvalRun(db, {
          modelPath: resolve(model),
          adapterPath: adapterArg ? resolve(adapterArg) : null,
          split: split === 'all' ? resolve(data) : split,
          metricMode: result.mode,
          loss: result.loss ?? null,
          metrics: scores,
          examples: result.examples,
          thinking: result.thinking ?? null,
          predictions: result.predictions.map((p) => ({
            prompt: p.prompt,
            prediction: p.prediction,
            reference: p.reference,
            scores: p.scores ? { ...p.scores } : null,
            thinking: p.thinking ?? null,
          })),
        });
      } finally {
        db.close();
      }
      if (json)
        writeJobResult(ctx, events, {
          ...withRoundedScores(result),
          predictions: result.predictions.map((p) => (p.scores ? { ...p, scores: withRoundedScores(p.scores) } : p)),
          eval_id: stored.evalId,
          run_id: stored.runId,
        });
      else {
        progress.end();
        const row = (k: string, v: number | undefined) => (v === undefined ? '' : `  ${k.padEnd(10)} ${v.toFixed(4)}\n`);
        ctx.stdout.write(
          `${result.examples} examples (${result.mode} mode, ${result.lang})\n` +
            row('loss', result.loss) +
            row('perplexity', result.perplexity) +
            row('BLEU-4', result.bleu4) +
            row('ROUGE-1', result.rouge1) +
            row('ROUGE-2', result.rouge2) +
            row('ROUGE-L', result.rougeL) +
            row('F1', result.f1) +
            row('EM', result.em) +
            (result.thinking ? thinkingLine(result.thinking) : ''),
        );
      }
    } finally {
      progress.end();
      session.dispose();
    }
  },
};
