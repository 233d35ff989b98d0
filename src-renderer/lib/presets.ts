/**
 * The wizard's task presets: each fills sensible defaults that the user can change. Numbers follow the
 * flagship recipes (handbook: Qwen2.5-0.5B-Instruct, LoRA q/v r 8; AdvertiseGen: P-Tuning v2 prefix 128).
 */
import type { MessageKey } from './i18n/i18n.svelte';

export type PresetId = 'medical' | 'handbook' | 'adgen' | 'custom';

export interface WizardConfig {
  name: string;
  method: 'lora' | 'ptuning';
  loraR: number;
  loraAlpha: number;
  loraDropout: number;
  loraTargets: string[];
  prefixLen: number;
  epochs: number;
  maxSteps: number;
  lr: number;
  scheduler: 'linear' | 'cosine' | 'constant';
  warmupSteps: number;
  batchSize: number;
  gradAccum: number;
  maxLen: number;
  seed: number;
  gradCheckpointing: boolean;
  weightDecay: number;
  maxGradNorm: number;
  lossOn: 'completion' | 'all';
  packing: boolean;
  valSplit: number;
  evalEvery: number;
  sampleEvery: number;
  format: string;
  metrics: string[];
}

export const TARGET_MODULES = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;

export const BASE_CONFIG: WizardConfig = {
  name: '',
  method: 'lora',
  loraR: 8,
  loraAlpha: 16,
  loraDropout: 0.05,
  loraTargets: ['q_proj', 'v_proj'],
  prefixLen: 128,
  epochs: 3,
  maxSteps: 0,
  lr: 2e-4,
  scheduler: 'cosine',
  warmupSteps: 10,
  batchSize: 1,
  gradAccum: 8,
  maxLen: 512,
  seed: 42,
  gradCheckpointing: false,
  weightDecay: 0,
  maxGradNorm: 1,
  lossOn: 'completion',
  packing: false,
  valSplit: 0.05,
  evalEvery: 50,
  sampleEvery: 50,
  format: 'auto',
  metrics: ['loss'],
};

export interface Preset {
  id: PresetId;
  title: MessageKey;
  desc: MessageKey;
  /** A model folder name the preset prefers when one with that name is registered. */
  preferredModel?: string;
  config: Partial<WizardConfig>;
}

export const PRESETS: Preset[] = [
  { id: 'medical', title: 'preset.medical.title', desc: 'preset.medical.desc', config: { format: 'medical-csv', epochs: 3, maxLen: 512, lr: 2e-4 } },
  {
    id: 'handbook',
    title: 'preset.handbook.title',
    desc: 'preset.handbook.desc',
    preferredModel: 'Qwen2.5-0.5B-Instruct',
    config: { format: 'conversations', loraR: 8, loraAlpha: 16, loraTargets: ['q_proj', 'v_proj'], epochs: 3, maxLen: 512 },
  },
  {
    id: 'adgen',
    title: 'preset.adgen.title',
    desc: 'preset.adgen.desc',
    config: { format: 'adgen', method: 'ptuning', prefixLen: 128, lr: 2e-2, epochs: 1, maxLen: 256, metrics: ['loss', 'bleu', 'rouge'] },
  },
  { id: 'custom', title: 'preset.custom.title', desc: 'preset.custom.desc', config: {} },
];

/** The equivalent `tuneloom train` command line (CLI.md flags), shown on the review step. */
export function cliCommand(c: WizardConfig, modelPath: string, dataPath: string): string {
  const args = ['tuneloom train', `--model ${quote(modelPath)}`, `--data ${quote(dataPath)}`];
  if (c.format !== 'auto') args.push(`--format ${c.format}`);
  args.push(`--out ${quote(`runs/${c.name || 'run'}`)}`, `--method ${c.method}`);
  if (c.method === 'lora') args.push(`--lora-r ${c.loraR}`, `--lora-alpha ${c.loraAlpha}`, `--lora-dropout ${c.loraDropout}`, `--lora-targets ${c.loraTargets.join(',')}`);
  else args.push(`--prefix-len ${c.prefixLen}`);
  args.push(c.maxSteps > 0 ? `--max-steps ${c.maxSteps}` : `--epochs ${c.epochs}`);
  args.push(`--lr ${c.lr}`, `--scheduler ${c.scheduler}`, `--warmup-steps ${c.warmupSteps}`, `--batch-size ${c.batchSize}`, `--grad-accum ${c.gradAccum}`);
  args.push(`--max-len ${c.maxLen}`, `--seed ${c.seed}`, `--val-split ${c.valSplit}`, `--eval-every ${c.evalEvery}`, `--loss-on ${c.lossOn}`);
  if (c.weightDecay) args.push(`--weight-decay ${c.weightDecay}`);
  if (c.maxGradNorm !== 1) args.push(`--max-grad-norm ${c.maxGradNorm}`);
  if (c.packing) args.push('--packing');
  if (c.name) args.push(`--name ${quote(c.name)}`);
  return args.join(' \\\n  ');
}

const quote = (s: string) => (/^[\w./:@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
