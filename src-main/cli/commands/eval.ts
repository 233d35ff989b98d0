/**
 * `tuneloom eval --model DIR [--adapter DIR] --data FILE [--format ...] [--metrics loss,bleu,rouge,f1,em]
 * [--max-new-tokens N] [--limit N] [--json]` (../shared/docs/CLI.md), plus --batch-size, --lang, --mode, --backend.
 */
import { withRoundedScores } from '../round-scores';
import { isMilestone, ProgressWriter } from '../progress';
import { DATA_FORMATS, type DataFormat } from '../../data/types';
import { openGgmlInferenceSession, type GgmlInferenceSession } from '../../engine-node/ggml-session';
import { runEval, type EvalMetric, type EvalResult, type EvalSplit, type ThinkingSummary } from '../../eval/eval-runner';
import type { JobEventWriter } from '../../workers/jobs/job-events';
import { flag, str, type CliCommand, type CliContext } from '../command';
import { eventsHelp, EVENTS_OPTION, jobEvents, writeJobResult } from '../job-output';
import { resolve } from 'node:path';
import { openStore } from '../../store/db';
import { resolveStorePath } from '../../store/paths';
import { recordEvalRun } from '../../store/queries/eval-runs';
import { THINK_OPTIONS, thinkHelp, thinkingOptions } from '../think-flags';
import { parseEvalOptions, type EvalCliOptions } from './eval-options';

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

/** Where the command's output goes: job events, the --json document, or the human text. */
interface EvalOutput {
  events: JobEventWriter | null;
  json: boolean;
  progress: ProgressWriter;
}

/** Load step: the model (and adapter) on the chosen backend; its notices go where the output mode says. */
function openSession(ctx: CliContext, o: EvalCliOptions, events: JobEventWriter | null): Promise<GgmlInferenceSession> {
  const notice = (line: string) => (events ? events.log(line) : ctx.stderr.write(`${line}\n`));
  return openGgmlInferenceSession({
    model: o.model,
    adapter: str(ctx, 'adapter'),
    backend: str(ctx, 'backend'),
    weights: str(ctx, 'weights'),
    notice,
  });
}

/** Eval step: generate and score every example, reporting progress as the output mode says. */
function evaluate(ctx: CliContext, session: GgmlInferenceSession, o: EvalCliOptions, out: EvalOutput): Promise<EvalResult> {
  const { events, json, progress } = out;
  const fromRun = o.runsOwn ? o.fromRun : null;
  return runEval(session, {
    data: o.data,
    format: o.format as DataFormat | undefined,
    ...(fromRun?.map ? { map: fromRun.map } : {}),
    ...(fromRun?.dataset ? { dataset: fromRun.dataset } : {}),
    metrics: o.metrics as EvalMetric[],
    maxNewTokens: o.maxNewTokens,
    batchSize: o.batchSize,
    sampling: o.sampling,
    limit: o.limit,
    split: o.split as EvalSplit,
    valSplit: o.valSplit,
    seed: o.seed,
    lang: o.lang,
    mode: o.mode,
    thinking: o.think ? thinkingOptions(session.tokenizer, o.think) : undefined,
    // One progress event per example with --events (the app's Evaluate tab draws its bar from
    // them); with --json, one "eval: done/total" line per example on stderr, as documented.
    onProgress: (done, total) => {
      if (events) events.progress('eval', done, total);
      else if (json) ctx.stderr.write(`eval: ${done}/${total}\n`);
      else progress.update(`eval: ${done}/${total}`, isMilestone(done, total));
    },
  });
}

/**
 * Every eval run is kept in the store (metrics and each prediction), linked to the run that
 * produced the adapter; without --adapter it is the base model's "before" row.
 */
function storeResult(ctx: CliContext, o: EvalCliOptions, result: EvalResult): { evalId: number; runId: number | null } {
  const db = openStore(resolveStorePath(str(ctx, 'db')));
  try {
    const scores: Record<string, number> = {};
    for (const k of ['bleu4', 'rouge1', 'rouge2', 'rougeL', 'f1', 'em', 'perplexity'] as const) if (result[k] !== undefined) scores[k] = result[k]!;
    const adapterArg = str(ctx, 'adapter');
    return recordEvalRun(db, {
      modelPath: resolve(o.model),
      adapterPath: adapterArg ? resolve(adapterArg) : null,
      split: o.split === 'all' ? resolve(o.data) : o.split,
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
}

/** Write step: the --json document (or result event), else the human table on stdout. */
function writeResult(ctx: CliContext, out: EvalOutput, result: EvalResult, stored: { evalId: number; runId: number | null }): void {
  if (out.json) {
    writeJobResult(ctx, out.events, {
      ...withRoundedScores(result),
      predictions: result.predictions.map((p) => (p.scores ? { ...p, scores: withRoundedScores(p.scores) } : p)),
      eval_id: stored.evalId,
      run_id: stored.runId,
    });
    return;
  }
  out.progress.end();
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
    const o = parseEvalOptions(ctx);
    const events = jobEvents(ctx);
    const json = flag(ctx, 'json') || events !== null;
    const session = await openSession(ctx, o, events);
    const out: EvalOutput = { events, json, progress: new ProgressWriter(ctx.stderr) };
    try {
      if (events) events.log(`backend ${session.reason}`);
      else if (!json) ctx.stderr.write(`backend ${session.reason}\n`);
      const result = await evaluate(ctx, session, o, out);
      const stored = storeResult(ctx, o, result);
      writeResult(ctx, out, result, stored);
    } finally {
      out.progress.end();
      session.dispose();
    }
  },
};
