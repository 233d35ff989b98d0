/**
 * The wizard's task presets: each fills sensible defaults that the user can change. Numbers follow the
 * flagship recipes (handbook: Qwen2.5-0.5B-Instruct, LoRA q/v r 8; AdvertiseGen: P-Tuning v2 prefix 128).
 */
import type { EvalMetricChoice, MetricModeChoice } from '../../src-shared/dto/evals';
import type { DatasetRecord, ModelRecord } from '../../src-shared/dto/library';
import { LORA_TARGETS, type GrpoSettings, type TrainSettings } from '../../src-shared/ipc-contract';
import { launchDefaults, settingFlags } from '../../src-main/engine/train/train-settings';
import type { MessageKey } from './i18n/i18n.svelte';

export type PresetId = 'medical' | 'handbook' | 'adgen' | 'grpo' | 'demo' | 'custom';

/**
 * The wizard's working copy: a run's settings (every field set; maxSteps 0 = by epochs) plus its name,
 * format and eval metrics; `grpo` set: the LoRA adapter trains with GRPO (rewardFile '' = none).
 */
export interface WizardConfig extends Required<TrainSettings> {
  name: string;
  format: string;
  metrics: string[];
  grpo: GrpoSettings | null;
}

/**
 * GRPO as the CLI's --method grpo defaults it (TRL's GRPOConfig: 4 completions per prompt, beta 0.04,
 * temperature 1; 128 new tokens to keep a CPU step short) with the format and correctness rewards.
 */
export const GRPO_WIZARD_DEFAULTS: GrpoSettings = {
  numGenerations: 4,
  beta: 0.04,
  maxNewTokens: 128,
  temperature: 1,
  rewards: ['format', 'correct'],
  rewardFile: '',
};

/**
 * The wizard's starting point: the CLI's defaults from the settings table, except where the wizard's
 * chat-SFT runs want otherwise: a cosine schedule with 10 warmup steps, an effective batch of 8, and eval
 * and samples every 50 steps so the dashboard has something to show during the run.
 */
export const BASE_CONFIG: WizardConfig = {
  ...launchDefaults(),
  name: '',
  maxSteps: 0,
  scheduler: 'cosine',
  warmupSteps: 10,
  gradAccum: 8,
  evalEvery: 50,
  sampleEvery: 50,
  format: 'auto',
  metrics: ['loss'],
  grpo: null,
};

/**
 * What the Evaluate tab measures for a run of this preset (the user can change it there):
 * handbook answers are short facts, so SQuAD F1/EM; AdvertiseGen is generation scored as ChatGLM's
 * p-tuning scores it (BLEU-4 + ROUGE, jieba mode); medical answers get loss + BLEU/ROUGE and the
 * predictions shown next to the references (samples) by default.
 */
export interface EvalPreset {
  metrics: EvalMetricChoice[];
  mode: MetricModeChoice;
  /** Open the predictions browser right away. */
  samples: boolean;
}

export interface Preset {
  id: PresetId;
  title: MessageKey;
  desc: MessageKey;
  eval: EvalPreset;
  /** A model folder name the preset prefers when one with that name is registered. */
  preferredModel?: string;
  /** Picks the demo model and dataset (demo mode), with these fixed sample prompts. */
  demo?: { samplePrompts: string[] };
  config: Partial<WizardConfig>;
}

export const PRESETS: Preset[] = [
  {
    id: 'medical',
    title: 'preset.medical.title',
    desc: 'preset.medical.desc',
    eval: { metrics: ['loss', 'bleu', 'rouge'], mode: 'sacrebleu', samples: true },
    config: { format: 'medical-csv', epochs: 3, maxLen: 512, lr: 2e-4, metrics: ['loss', 'bleu', 'rouge'] },
  },
  {
    id: 'handbook',
    title: 'preset.handbook.title',
    desc: 'preset.handbook.desc',
    preferredModel: 'Qwen2.5-0.5B-Instruct',
    eval: { metrics: ['f1', 'em'], mode: 'sacrebleu', samples: false },
    config: { format: 'conversations', loraR: 8, loraAlpha: 16, loraTargets: ['q_proj', 'v_proj'], epochs: 3, maxLen: 512, metrics: ['f1', 'em'] },
  },
  {
    id: 'adgen',
    title: 'preset.adgen.title',
    desc: 'preset.adgen.desc',
    eval: { metrics: ['bleu', 'rouge'], mode: 'jieba', samples: false },
    config: { format: 'adgen', method: 'ptuning', prefixLen: 128, lr: 2e-2, epochs: 1, maxLen: 256, metrics: ['bleu', 'rouge'] },
  },
  {
    // "Train your own reasoning model" (DeepSeek-R1 style): GSM8K questions, a format reward for
    // <think>…</think><answer>…</answer> and a correctness reward on the answer. LoRA r 16 on every linear
    // layer as TRL's PEFT GRPO examples; a small lr, since a policy-gradient step is noisy; prompts per
    // step = batch x accumulation = 4, each with its group of 4 completions. No eval split: GRPO scores
    // its own completions every step.
    id: 'grpo',
    title: 'preset.grpo.title',
    desc: 'preset.grpo.desc',
    preferredModel: 'Qwen2.5-0.5B-Instruct',
    eval: { metrics: ['em'], mode: 'sacrebleu', samples: true },
    config: {
      format: 'gsm8k',
      method: 'lora',
      loraR: 16,
      loraAlpha: 32,
      loraTargets: [...LORA_TARGETS],
      lr: 2e-5,
      scheduler: 'constant',
      warmupSteps: 0,
      epochs: 1,
      maxSteps: 200,
      batchSize: 1,
      gradAccum: 4,
      maxLen: 512,
      valSplit: 0,
      evalEvery: 0,
      sampleEvery: 0,
      metrics: ['em'],
      grpo: { ...GRPO_WIZARD_DEFAULTS, rewards: [...GRPO_WIZARD_DEFAULTS.rewards] },
    },
  },
  {
    // Demo mode: the generated tiny model learns nothing useful, so a high constant lr and few steps make
    // the loss fall visibly within about a minute on a CPU; samples every 8 steps show it changing.
    id: 'demo',
    title: 'preset.demo.title',
    desc: 'preset.demo.desc',
    eval: { metrics: ['f1', 'em'], mode: 'sacrebleu', samples: true },
    demo: { samplePrompts: ['青岚大学每学期什么时候选课？', '本科毕业需要修满多少学分？'] },
    config: {
      format: 'conversations',
      // Measured on the demo model (wasm, 2 cores): q/v r 8 (1,792 parameters) moved the loss 16.1 -> 14.5 in
      // 24 steps; every linear layer at r 16 moves it 16.1 -> 12.9 in the same ~35 s; lr 0.05 overshoots.
      loraR: 16,
      loraAlpha: 32,
      loraTargets: [...LORA_TARGETS],
      lr: 2e-2,
      scheduler: 'constant',
      warmupSteps: 0,
      maxSteps: 24,
      batchSize: 2,
      gradAccum: 1,
      maxLen: 256,
      evalEvery: 8,
      sampleEvery: 8,
      metrics: ['f1', 'em'],
    },
  },
  {
    id: 'custom',
    title: 'preset.custom.title',
    desc: 'preset.custom.desc',
    eval: { metrics: ['loss', 'bleu', 'rouge', 'f1', 'em'], mode: 'sacrebleu', samples: false },
    config: {},
  },
];

/** The eval metric set of a run's preset (custom's for runs without one). */
export function evalPresetOf(preset: string | null | undefined): EvalPreset {
  return (PRESETS.find((p) => p.id === preset) ?? PRESETS.find((p) => p.id === 'custom')!).eval;
}

/** The preset the wizard opens on: the offline demo while no real model is there to train, else the handbook. */
export function openingPreset(models: Pick<ModelRecord, 'isDemo'>[]): PresetId {
  return models.some((m) => !m.isDemo) ? 'handbook' : 'demo';
}

/**
 * The dataset a preset preselects: the demo preset the demo dataset; a preset with a format keeps the
 * current pick when it has that format, else the newest non-demo dataset of that format, else none (a
 * dataset of another format is never preselected); the custom preset keeps the current pick.
 */
export function presetDataset(p: Preset, datasets: Pick<DatasetRecord, 'id' | 'format' | 'isDemo'>[], current: number | null): number | null {
  if (p.demo) return datasets.find((d) => d.isDemo)?.id ?? null;
  const format = p.config.format;
  if (!format || format === 'auto') return current;
  const cur = datasets.find((d) => d.id === current);
  if (cur?.format === format) return cur.id;
  return datasets.find((d) => d.format === format && !d.isDemo)?.id ?? null;
}

/** The equivalent `tuneloom train` command line (CLI.md flags), shown on the review step. */
export function cliCommand(c: WizardConfig, modelPath: string, dataPath: string): string {
  const args = ['tuneloom train', `--model ${quote(modelPath)}`, `--data ${quote(dataPath)}`];
  if (c.format !== 'auto') args.push(`--format ${c.format}`);
  args.push(`--out ${quote(`runs/${c.name || 'run'}`)}`);
  if (c.grpo) args.push('--method grpo');
  // Every setting that differs from the CLI's default, with the flag the settings table gives it.
  for (const [flag, value] of settingFlags(c)) args.push(value === null ? `--${flag}` : `--${flag} ${quote(value)}`);
  if (c.grpo) {
    const g = c.grpo;
    args.push(`--num-generations ${g.numGenerations}`, `--beta ${g.beta}`, `--max-new-tokens ${g.maxNewTokens}`, `--temperature ${g.temperature}`);
    if (g.rewards.length) args.push(`--reward ${g.rewards.join(',')}`);
    if (g.rewardFile?.trim()) args.push(`--reward-file ${quote(g.rewardFile.trim())}`);
  }
  if (c.name) args.push(`--name ${quote(c.name)}`);
  return args.join(' \\\n  ');
}

const quote = (s: string) => (/^[\w./:@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
