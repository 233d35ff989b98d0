/**
 * `tuneloom train` (../shared/docs/CLI.md): flags -> TrainConfig (parseTrainArgs, reused by the run
 * supervisor), then the run in a supervised worker process. `--json` prints the trainer's events as JSON lines with
 * CLI.md's snake_case keys; otherwise a one-line progress bar with ETA on stderr and the result on stdout.
 */
import { parseFrozenType } from '../../engine-node/open-train-engine';
import { checkDirPath } from '../../safe-dirs';
import { parseMap } from '../../data/formats/mapped-format';
import { UserError } from '../../errors';
import { flag, str, writeJson, type CliCommand, type CliContext } from '../command';
import { parseNumberFlag } from '../parse-number';
import { isMilestone, ProgressWriter } from '../progress';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../engine/train/train-config';
import { setting, SETTING_KEYS, settingsHelp, TRAIN_METHODS } from '../../engine/train/train-settings';
import type { DoneEvent, MemoryEstimate, TrainEvent } from '../../engine/train/train-events';
import { validateTrainConfig } from '../../engine/train/validate-config';
import { trainThroughSupervisor } from '../../runs/supervised-train';
import { GRPO_DEFAULTS, type GrpoConfig } from '../../engine/train/grpo/grpo-config';
import { GRPO_SETTING_KEYS, GRPO_SETTINGS, grpoSetting } from '../../engine/train/grpo/grpo-settings';
import { helpLines, type TrainSetting } from '../../engine/train/setting-kinds';
import { BUILTIN_REWARDS, type BuiltinReward } from '../../engine/train/grpo/rewards';

const HELP = `Usage: tuneloom train --model DIR --data FILE --out DIR [options] [--json]

Fine-tune a model with LoRA or P-Tuning v2 (prefix tuning), or reinforce a LoRA adapter with GRPO
against reward functions (--method grpo). The finished adapter is a PEFT folder in
--out (adapter_config.json + adapter_model.safetensors) that peft loads; checkpoints go to
--out/checkpoint-N.

Options:
  --model DIR               Hugging Face model folder
  --data FILE               training data (any format \`tuneloom data inspect\` reads)
  --format FORMAT           data format (default: detected)
  --map col=role,...        map columns to roles (system, user, assistant, text, meta) for any CSV/JSON;
                            implies --format csv, as in tuneloom data inspect
  --out DIR                 where the adapter and checkpoints are written: a new or empty folder (or
                            the one holding the --resume checkpoint)
  --force                   replace a non-empty --out folder (its old adapter and checkpoints are deleted)
${settingsHelp()}
  --resume DIR              continue exactly from a checkpoint-N folder of the same run
  --name NAME               run name
  --backend B               auto|cpu|vulkan|cuda|metal (the ggml engine; auto prefers cuda, metal, a
                            real Vulkan GPU, then cpu; the old names webgpu|tensorflow|wasm map to
                            vulkan|cpu|cpu with a one-line notice in the run's log)
  --weights T               frozen base weights on the ggml engine: f32|bf16|f16|q8_0|q4 (QLoRA-style 4-bit);
                            default: the most precise type that fits the device
GRPO (--method grpo; prompts per step = --batch-size x --grad-accum; the data's last assistant turn is
the reference answer, e.g. GSM8K's "#### 42"):
${helpLines(GRPO_SETTING_KEYS.map(grpoSetting))}
  --db FILE                 the experiment store the run is recorded in (default $TUNELOOM_HOME/tuneloom.db)
  --json                    JSON lines: start, step, rewards (GRPO), eval, sample, checkpoint, log, done
`;

/** Every GRPO flag, each spelling (all take a value). */
const GRPO_FLAGS = GRPO_SETTING_KEYS.flatMap((k) => {
  const s = grpoSetting(k);
  return s.alias ? [s.flag, s.alias] : [s.flag];
});

const OPTIONS: CliCommand['options'] = {
  model: { type: 'string' },
  data: { type: 'string' },
  format: { type: 'string' },
  map: { type: 'string' },
  out: { type: 'string' },
  ...Object.fromEntries(SETTING_KEYS.map((k) => [setting(k).flag, { type: setting(k).kind === 'bool' ? 'boolean' : 'string' }] as const)),
  weights: { type: 'string' },
  resume: { type: 'string' },
  name: { type: 'string' },
  force: { type: 'boolean' },
  ...Object.fromEntries(GRPO_FLAGS.map((f) => [f, { type: 'string' }] as const)),
};

/** The flag of two names for one setting that was given (`name` when neither); both given is one line. */
function alias(ctx: CliContext, name: string, other: string): string {
  if (str(ctx, other) === undefined) return name;
  if (str(ctx, name) !== undefined) throw new UserError(`--${name} and --${other} are one setting`, { hint: `give one of them` });
  return other;
}

/** The GRPO part of the config for --method grpo; its flags elsewhere are one line. */
function parseGrpo(ctx: CliContext, method: string | undefined): GrpoConfig | undefined {
  const given = GRPO_FLAGS.filter((f) => str(ctx, f) !== undefined);
  if (method !== 'grpo') {
    if (method === 'ptuning' && given.length)
      throw new UserError(`--${given[0]} is for --method grpo, and GRPO trains a LoRA adapter: P-Tuning v2 with GRPO is not supported`, {
        hint: 'use --method grpo, or drop the GRPO flags',
      });
    if (given.length) throw new UserError(`--${given[0]} is for --method grpo`, { hint: 'add --method grpo, or drop it' });
    return undefined;
  }
  const { rewards, rewardFile } = parseRewards(ctx);
  const out: Record<string, unknown> = {};
  for (const key of GRPO_SETTING_KEYS) {
    const sg = grpoSetting(key);
    if (key === 'rewards') out.rewards = rewards;
    else if (key === 'rewardFile') {
      if (rewardFile !== undefined) out.rewardFile = rewardFile;
    } else {
      const value = valueFromFlag(ctx, sg, sg.alias ? alias(ctx, sg.flag, sg.alias) : sg.flag);
      if (value !== undefined) out[key] = value;
    }
  }
  // Each value has its setting's kind (valueFromFlag), every number a default; validateTrainConfig checks the bounds.
  return out as GrpoConfig;
}

/**
 * --reward and --reward-file. CLI.md's spelling: `--reward format,exact,length,FILE.js` (exact is
 * correct; a .js entry is the reward file).
 */
function parseRewards(ctx: CliContext): { rewards: BuiltinReward[]; rewardFile?: string } {
  const raw = str(ctx, GRPO_SETTINGS.rewards.flag);
  let rewards: string[] =
    raw === undefined
      ? [...GRPO_DEFAULTS.rewards]
      : raw
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean);
  const rewardFiles = rewards.filter((r) => /\.(c|m)?js$/i.test(r));
  const fileFlag = str(ctx, GRPO_SETTINGS.rewardFile.flag);
  if (rewardFiles.length + (fileFlag !== undefined ? 1 : 0) > 1)
    throw new UserError('one reward file per run', { hint: 'name your .js file once, in --reward or with --reward-file' });
  const rewardFile = fileFlag ?? rewardFiles[0];
  rewards = rewards.filter((r) => !rewardFiles.includes(r)).map((r) => (r === 'exact' ? 'correct' : r));
  for (const r of rewards)
    if (!(BUILTIN_REWARDS as readonly string[]).includes(r))
      throw new UserError(`--reward: unknown reward "${r}"`, { hint: `use any of ${BUILTIN_REWARDS.join(',')}, and --reward-file F for your own` });
  // Each entry was checked against BUILTIN_REWARDS just above.
  return { rewards: rewards as BuiltinReward[], ...(rewardFile !== undefined ? { rewardFile } : {}) };
}

function choiceFlag<T extends string>(raw: string | undefined, flagName: string, allowed: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw as T)) throw new UserError(`--${flagName} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** One table setting from its flag (`flagName`: the spelling given); absent: its default, or undefined. A malformed value is one line. */
function valueFromFlag(ctx: CliContext, s: TrainSetting, flagName = s.flag): unknown {
  const raw = str(ctx, flagName);
  switch (s.kind) {
    case 'int':
    case 'number':
      return parseNumberFlag(raw, flagName, { integer: s.kind === 'int', fallback: s.default });
    case 'bool':
      return flag(ctx, flagName);
    case 'choice':
      return choiceFlag(raw, flagName, s.choices, s.default);
    case 'list':
      return raw === undefined
        ? [...s.default]
        : raw
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean);
    case 'text':
      return raw;
  }
}

/** Every setting of TRAIN_SETTINGS from the command line; parseTrainArgs refines method and loraTargets. */
function settingsFromFlags(ctx: CliContext): Omit<TrainConfig, 'model' | 'data' | 'out'> {
  const out: Record<string, unknown> = {};
  // method accepts grpo too and loraTargets all-linear: parseTrainArgs reads those two itself.
  for (const key of SETTING_KEYS) if (key !== 'method' && key !== 'loraTargets') out[key] = valueFromFlag(ctx, setting(key));
  // Each value has its setting's kind (settingFromFlag), and validateTrainConfig checks the bounds.
  return out as Omit<TrainConfig, 'model' | 'data' | 'out'>;
}

/** Flags -> TrainConfig with CLI.md's defaults; every bad value is one UserError line. */
export function parseTrainArgs(ctx: CliContext): TrainConfig {
  const need = (k: string, what: string) => {
    const v = str(ctx, k);
    if (!v) throw new UserError(`--${k} is required`, { hint: what });
    return v;
  };
  const targetsRaw = str(ctx, 'lora-targets');
  const loraTargets =
    targetsRaw === undefined
      ? [...TRAIN_DEFAULTS.loraTargets]
      : targetsRaw === 'all-linear'
        ? 'all-linear'
        : targetsRaw
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
  if (str(ctx, 'warmup-steps') !== undefined && str(ctx, 'warmup-ratio') !== undefined)
    throw new UserError('pass only one of --warmup-steps and --warmup-ratio');
  if (str(ctx, 'val-data') !== undefined && str(ctx, 'val-split') !== undefined) throw new UserError('pass only one of --val-data and --val-split');
  const model = need('model', 'pass --model DIR, a Hugging Face model folder');
  const data = need('data', 'pass --data FILE, the training data');
  // Checked here, before a run is recorded or a worker starts: a path under /proc used to hang it.
  const out = checkDirPath(need('out', 'pass --out DIR, where the adapter is written'), { what: '--out', hint: 'choose a folder you can write to' });
  const config: TrainConfig = {
    ...settingsFromFlags(ctx),
    model,
    data,
    out,
    format: str(ctx, 'map') !== undefined ? 'csv' : str(ctx, 'format'),
    ...(str(ctx, 'map') !== undefined ? { map: parseMap(str(ctx, 'map')!) } : {}),
    // grpo is a LoRA run with a GRPO objective (config.grpo below).
    method: choiceFlag(str(ctx, 'method'), 'method', [...TRAIN_METHODS, 'grpo'], TRAIN_DEFAULTS.method) === 'ptuning' ? 'ptuning' : 'lora',
    loraTargets,
    frozenWeights: parseFrozenType(str(ctx, 'weights')),
    name: str(ctx, 'name'),
    resumeFrom: str(ctx, 'resume'),
  };
  const grpo = parseGrpo(ctx, str(ctx, 'method'));
  if (grpo) config.grpo = grpo;
  // Fail on bad values here, before a worker process or the store is involved.
  validateTrainConfig(config);
  return config;
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** "tensor memory: peak 12.3 MiB, estimated 12.1 MiB for batch 2 x 180 tokens" (either half may be missing). */
export function memoryLine(estimate: MemoryEstimate | undefined, peak: number | undefined): string | null {
  const parts = [
    peak !== undefined ? `peak ${mib(peak)}` : null,
    estimate ? `estimated ${mib(estimate.bytes)} for batch ${estimate.batch} x ${estimate.seqLen} tokens` : null,
  ].filter(Boolean);
  return parts.length ? `tensor memory: ${parts.join(', ')}` : null;
}

/** The CLI.md JSON-lines shape of an event (snake_case keys). */
export function eventJson(e: TrainEvent): Record<string, unknown> {
  switch (e.type) {
    case 'start':
      return {
        type: 'start',
        run_id: e.runId,
        method: e.objective ?? e.method,
        total_steps: e.totalSteps,
        from_step: e.fromStep,
        examples: e.examples,
        val_examples: e.valExamples,
        too_long: e.tooLong.length,
        too_long_examples: e.tooLong,
        truncated: e.truncated,
        trainable_params: e.trainableParams,
        ...(e.memoryEstimate
          ? { memory_estimate_bytes: e.memoryEstimate.bytes, memory_estimate_batch: e.memoryEstimate.batch, memory_estimate_seq_len: e.memoryEstimate.seqLen }
          : {}),
      };
    case 'step':
      return {
        type: 'step',
        step: e.step,
        loss: e.loss,
        lr: e.lr,
        grad_norm: e.gradNorm,
        tokens_per_s: e.tokensPerS,
        epoch: e.epoch,
        tokens_seen: e.tokensSeen,
      };
    case 'rewards':
      return {
        type: 'rewards',
        step: e.step,
        mean_reward: e.meanReward,
        reward_std: e.rewardStd,
        rewards: e.byFunction,
        kl: e.kl,
        completion_length: e.completionLength,
        correct_fraction: e.correctFraction,
        clip_fraction: e.clipFraction,
        generation_ms: e.generationMs,
        train_ms: e.trainMs,
        completions: e.completions,
      };
    case 'eval':
      return { type: 'eval', step: e.step, loss: e.loss, examples: e.examples };
    case 'sample':
      return { type: 'sample', step: e.step, prompt: e.prompt, output: e.output, prompt_idx: e.promptIdx };
    case 'checkpoint':
      return { type: 'checkpoint', step: e.step, path: e.path, bytes: e.bytes };
    case 'log':
      return { type: 'log', level: e.level, message: e.message };
    case 'done':
      return {
        type: 'done',
        run_id: e.runId,
        adapter: e.adapter,
        reason: e.reason,
        step: e.step,
        losses: e.losses,
        ...(e.peakMemoryBytes !== undefined ? { peak_memory_bytes: e.peakMemoryBytes } : {}),
      };
    case 'error':
      return { type: 'error', error: e.error, step: e.step, last_checkpoint: e.lastCheckpoint };
  }
}

function progressLine(step: number, total: number, loss: number, startedMs: number): string {
  const width = 24;
  const done = Math.min(width, Math.round((step / Math.max(1, total)) * width));
  const elapsed = (Date.now() - startedMs) / 1000;
  const eta = step > 0 ? (elapsed / step) * (total - step) : 0;
  const fmt = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] step ${step}/${total} loss ${loss.toFixed(4)} elapsed ${fmt(elapsed)} ETA ${fmt(eta)}`;
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'Fine-tune a model with LoRA or P-Tuning v2.',
  help: HELP,
  options: OPTIONS,
  async run(ctx) {
    const config = parseTrainArgs(ctx);
    const json = flag(ctx, 'json');
    const runId = config.name ?? `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`;
    let total = 0;
    let lastLoss = NaN;
    const started = Date.now();
    // The run goes through the supervisor: a worker process, recorded in the store (--db).
    let storeRunId = 0;
    let estimate: MemoryEstimate | undefined;
    const progress = new ProgressWriter(ctx.stderr);
    let done: DoneEvent;
    try {
      done = await trainThroughSupervisor(
        config,
        {
          notice: (line) => progress.line(line),
          emit(e) {
            if (json) {
              writeJson(ctx, e.type === 'start' || e.type === 'done' ? { ...eventJson(e), run_id: storeRunId } : eventJson(e));
              return;
            }
            if (e.type === 'start') {
              total = e.totalSteps;
              estimate = e.memoryEstimate;
              progress.line(
                `training ${e.objective ?? e.method} on ${e.examples} example(s), ${e.totalSteps} step(s), ${e.trainableParams} trainable parameters`,
              );
            } else if (e.type === 'step') {
              lastLoss = e.loss;
              progress.update(progressLine(e.step, total, e.loss, started), isMilestone(e.step, total));
            } else if (e.type === 'rewards') {
              const correct = e.correctFraction === null ? '' : `, correct ${(100 * e.correctFraction).toFixed(0)}%`;
              progress.update(
                `${progressLine(e.step, total, lastLoss, started)} reward ${e.meanReward.toFixed(3)}${correct} kl ${e.kl.toFixed(4)}`,
                isMilestone(e.step, total),
              );
            } else if (e.type === 'eval') progress.line(`eval loss at step ${e.step}: ${e.loss.toFixed(4)}`);
            else if (e.type === 'sample') progress.line(`sample at step ${e.step}: ${e.prompt} -> ${e.output}`);
            else if (e.type === 'checkpoint') progress.line(`checkpoint: ${e.path}`);
            else if (e.type === 'log') progress.line(`${e.level}: ${e.message}`);
          },
        },
        { db: str(ctx, 'db'), backend: str(ctx, 'backend') ?? 'auto', name: runId, force: flag(ctx, 'force'), onRunId: (id) => (storeRunId = id) },
      );
    } finally {
      // The error line (if any) that the dispatcher prints starts on a fresh line.
      progress.end();
    }
    if (!json) {
      ctx.stdout.write(
        `${done.reason === 'completed' ? 'done' : 'stopped'} after ${done.step} step(s), final loss ${lastLoss.toFixed(4)}; adapter: ${done.adapter}\n`,
      );
      const line = memoryLine(estimate, done.peakMemoryBytes);
      if (line) ctx.stdout.write(`${line}\n`);
    }
  },
};
