/**
 * Every training setting, declared once, as tfjs-core's kernel_names.ts declares ops: its name (the
 * TrainConfig key), type, default, bounds, CLI flag, i18n label key and help. Everything else derives
 * from this table: TRAIN_DEFAULTS (train-config.ts), validateTrainConfig (validate-config.ts), the
 * `tuneloom train` options and --help (cli/commands/train.ts), the `runs.launch` validator and the
 * LaunchRequest type (src-shared/ipc-contract.ts), launchFromRequest (ipc/launch-config.ts) and the
 * wizard's fields (src-renderer: NewRunView's Method step). Adding a setting is one entry here plus the
 * engine code that reads it (and its label in the i18n files when the wizard shows it).
 *
 * Pure data and pure functions: the renderer bundles this file, so it imports nothing at run time but
 * setting-kinds.ts (the kinds of setting, and the words and checks of one).
 */
import { defaultsOfTable, helpLines, type SettingValue, type TrainSetting } from './setting-kinds';

export const TRAIN_METHODS = ['lora', 'ptuning'] as const;
export type TrainMethod = (typeof TRAIN_METHODS)[number];
export const SCHEDULER_KINDS = ['linear', 'cosine', 'constant'] as const;
export const LOSS_ON_CHOICES = ['completion', 'all'] as const;
/** The projections LoRA can wrap; `--lora-targets all-linear` means all of them. */
export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export const TRAIN_SETTINGS = {
  method: {
    kind: 'choice',
    flag: 'method',
    arg: 'lora|ptuning|grpo',
    choices: TRAIN_METHODS,
    default: 'lora',
    wizard: 'required',
    help: 'LoRA SFT, P-Tuning v2 prefix tuning, or GRPO (a LoRA adapter)',
  },
  initAdapter: { kind: 'text', flag: 'init-adapter', arg: 'DIR', method: 'lora', help: 'start from an existing PEFT LoRA adapter (its r, alpha and targets)' },
  loraR: {
    kind: 'int',
    flag: 'lora-r',
    arg: 'N',
    default: 8,
    bounds: { min: 1 },
    launchBounds: { min: 1, max: 1 << 30 },
    label: 'f.loraR',
    wizard: 'required',
    method: 'lora',
    help: 'LoRA rank',
  },
  loraAlpha: {
    kind: 'number',
    flag: 'lora-alpha',
    arg: 'A',
    default: 16,
    bounds: { min: 0, minOpen: true },
    launchBounds: { min: 0 },
    label: 'f.loraAlpha',
    wizard: 'required',
    method: 'lora',
    help: 'LoRA alpha; scaling alpha/r',
  },
  loraDropout: {
    kind: 'number',
    flag: 'lora-dropout',
    arg: 'P',
    default: 0.05,
    bounds: { min: 0, max: 1, maxOpen: true },
    launchBounds: { min: 0, max: 0.95 },
    step: 0.01,
    label: 'f.loraDropout',
    wizard: 'required',
    method: 'lora',
    help: 'dropout on the LoRA input path',
  },
  loraTargets: {
    kind: 'list',
    flag: 'lora-targets',
    arg: 'LIST',
    choices: LORA_TARGETS,
    default: ['q_proj', 'v_proj'],
    label: 'f.targets',
    wizard: 'required',
    method: 'lora',
    help: `any of ${LORA_TARGETS.join(',')}, or all-linear`,
  },
  useRslora: {
    kind: 'bool',
    flag: 'rslora',
    default: false,
    label: 'f.rslora',
    wizard: 'optional',
    advanced: true,
    method: 'lora',
    why: 'f.rsloraWhy',
    help: 'rank-stabilised scaling alpha/sqrt(r)',
  },
  prefixLen: {
    kind: 'int',
    flag: 'prefix-len',
    arg: 'N',
    default: 128,
    bounds: { min: 1 },
    launchBounds: { min: 1, max: 1 << 30 },
    label: 'f.prefixLen',
    wizard: 'required',
    method: 'ptuning',
    help: 'P-Tuning v2 prefix length',
  },
  prefixProjection: {
    kind: 'bool',
    flag: 'prefix-projection',
    default: false,
    method: 'ptuning',
    help: 'P-Tuning v2 reparameterisation MLP (peft prefix_projection)',
  },
  prefixHidden: {
    kind: 'int',
    flag: 'prefix-hidden',
    arg: 'N',
    bounds: { min: 1 },
    example: 512,
    defaultText: "the model's hidden size",
    method: 'ptuning',
    help: 'hidden width of that MLP',
  },
  lr: {
    kind: 'number',
    flag: 'lr',
    arg: 'LR',
    default: 2e-4,
    bounds: { min: 0, minOpen: true },
    launchBounds: { min: 0, max: 1 },
    label: 'f.lr',
    wizard: 'required',
    help: 'peak learning rate',
  },
  scheduler: {
    kind: 'choice',
    flag: 'scheduler',
    arg: 'KIND',
    choices: SCHEDULER_KINDS,
    default: 'linear',
    label: 'f.scheduler',
    wizard: 'required',
    help: 'learning-rate schedule: linear, cosine or constant',
  },
  lrMinRatio: {
    kind: 'number',
    flag: 'lr-min-ratio',
    arg: 'R',
    default: 0,
    bounds: { min: 0, max: 1 },
    step: 0.01,
    label: 'f.lrMinRatio',
    wizard: 'optional',
    advanced: true,
    help: 'the floor linear and cosine decay end at, as a fraction of --lr (0: decay to 0)',
  },
  warmupSteps: {
    kind: 'int',
    flag: 'warmup-steps',
    arg: 'N',
    bounds: { min: 0 },
    launchBounds: { min: 0, max: 1 << 30 },
    example: 10,
    defaultText: 'none',
    label: 'f.warmup',
    wizard: 'required',
    help: 'linear warmup from 0 over N steps',
  },
  warmupRatio: {
    kind: 'number',
    flag: 'warmup-ratio',
    arg: 'R',
    bounds: { min: 0, max: 1 },
    example: 0.03,
    defaultText: 'none',
    help: 'the same, over a share of the steps (instead of --warmup-steps)',
  },
  weightDecay: {
    kind: 'number',
    flag: 'weight-decay',
    arg: 'W',
    default: 0,
    bounds: { min: 0 },
    launchBounds: { min: 0, max: 10 },
    example: 0.01,
    label: 'f.weightDecay',
    wizard: 'required',
    advanced: true,
    help: 'AdamW decoupled weight decay',
  },
  maxGradNorm: {
    kind: 'number',
    flag: 'max-grad-norm',
    arg: 'G',
    default: 1.0,
    bounds: { min: 0 },
    zeroMeans: 'off',
    label: 'f.maxGradNorm',
    wizard: 'required',
    advanced: true,
    help: 'global-norm clipping',
  },
  epochs: {
    kind: 'number',
    flag: 'epochs',
    arg: 'N',
    default: 3,
    bounds: { min: 0, minOpen: true },
    launchBounds: { min: 0.01, max: 1000 },
    label: 'f.epochs',
    wizard: 'required',
    help: 'training length in passes over the data',
  },
  maxSteps: {
    kind: 'int',
    flag: 'max-steps',
    arg: 'N',
    bounds: { min: 1 },
    launchBounds: { min: 0, max: 1 << 30 },
    example: 100,
    defaultText: 'by --epochs',
    label: 'f.maxSteps',
    wizard: 'optional',
    help: 'training length in optimiser steps (wins over --epochs)',
  },
  batchSize: {
    kind: 'int',
    flag: 'batch-size',
    arg: 'N',
    default: 1,
    bounds: { min: 1 },
    launchBounds: { min: 1, max: 1 << 30 },
    label: 'f.batch',
    wizard: 'required',
    help: 'rows per micro-batch',
  },
  gradAccum: {
    kind: 'int',
    flag: 'grad-accum',
    arg: 'N',
    default: 1,
    bounds: { min: 1 },
    launchBounds: { min: 1, max: 1 << 30 },
    example: 4,
    label: 'f.gradAccum',
    wizard: 'required',
    help: 'micro-batches per optimiser step',
  },
  maxLen: {
    kind: 'int',
    flag: 'max-len',
    arg: 'N',
    default: 512,
    bounds: { min: 2 },
    launchBounds: { min: 8, max: 1 << 17 },
    label: 'f.maxLen',
    wizard: 'required',
    help: 'tokens per example; the tail is cut, examples whose answer would not start within N tokens are skipped and reported',
  },
  packing: {
    kind: 'bool',
    flag: 'packing',
    default: false,
    label: 'f.packing',
    wizard: 'required',
    advanced: true,
    help: 'pack several examples per row (attention never crosses examples)',
  },
  lossOn: {
    kind: 'choice',
    flag: 'loss-on',
    arg: 'completion|all',
    choices: LOSS_ON_CHOICES,
    default: 'completion',
    label: 'f.lossOn',
    wizard: 'required',
    advanced: true,
    choiceLabels: true,
    help: 'learn the assistant turns only, or every token',
  },
  system: { kind: 'text', flag: 'system', arg: 'STR', help: 'system prompt added to chats that have none' },
  seed: {
    kind: 'int',
    flag: 'seed',
    arg: 'N',
    default: 42,
    bounds: {},
    launchBounds: { min: 0, max: 2 ** 32 - 1 },
    label: 'f.seed',
    wizard: 'required',
    help: 'data order, dropout and init seed',
  },
  valData: { kind: 'text', flag: 'val-data', arg: 'FILE', help: 'validation set from a file (instead of --val-split)' },
  valSplit: {
    kind: 'number',
    flag: 'val-split',
    arg: 'R',
    default: 0.05,
    bounds: { min: 0, max: 1, maxOpen: true },
    launchBounds: { min: 0, max: 0.5 },
    label: 'wizard.valSplit',
    wizard: 'required',
    help: 'validation set: a seeded share of --data (rounded down: none for fewer than 20 examples)',
  },
  evalEvery: {
    kind: 'int',
    flag: 'eval-every',
    arg: 'N',
    default: 0,
    bounds: { min: 0 },
    launchBounds: { min: 0, max: 1 << 30 },
    zeroMeans: 'once at the end',
    label: 'f.evalEvery',
    wizard: 'required',
    advanced: true,
    help: 'validation loss every N steps',
  },
  saveEvery: {
    kind: 'int',
    flag: 'save-every',
    arg: 'N',
    default: 0,
    bounds: { min: 0 },
    launchBounds: { min: 0, max: 1 << 30 },
    zeroMeans: 'none',
    wizard: 'optional',
    help: 'checkpoint every N steps',
  },
  sampleEvery: {
    kind: 'int',
    flag: 'sample-every',
    arg: 'N',
    default: 0,
    bounds: { min: 0 },
    launchBounds: { min: 0, max: 1 << 30 },
    zeroMeans: 'at the end',
    label: 'f.sampleEvery',
    wizard: 'required',
    advanced: true,
    help: 'greedy samples for --sample-prompts every N steps',
  },
  samplePrompts: { kind: 'text', flag: 'sample-prompts', arg: 'F', help: 'JSON array of prompt strings (or one per line)' },
  sampleMaxNewTokens: { kind: 'int', flag: 'sample-max-new-tokens', arg: 'N', default: 64, bounds: { min: 1 }, help: 'length cap of those samples' },
  gradientCheckpointing: {
    kind: 'bool',
    flag: 'gradient-checkpointing',
    default: false,
    label: 'f.gradCkpt',
    wizard: 'required',
    help: 'recompute each decoder layer in the backward pass (less memory, more time)',
  },
} as const satisfies Record<string, TrainSetting>;

export type TrainSettingsTable = typeof TRAIN_SETTINGS;
export type SettingKey = keyof TrainSettingsTable;
export const SETTING_KEYS = Object.keys(TRAIN_SETTINGS) as SettingKey[];

type KeysWhere<P> = { [K in SettingKey]: TrainSettingsTable[K] extends { wizard: P } ? K : never }[SettingKey];
export type RequiredLaunchKey = KeysWhere<'required'>;
export type OptionalLaunchKey = KeysWhere<'optional'>;
export type LaunchKey = RequiredLaunchKey | OptionalLaunchKey;
type DefaultedKey = { [K in SettingKey]: TrainSettingsTable[K] extends { default: unknown } ? K : never }[SettingKey];

/** A run's method and hyper-parameters as the wizard edits them and a launch carries them. */
export type TrainSettings = { [K in RequiredLaunchKey]: SettingValue<TrainSettingsTable[K]> } & {
  [K in OptionalLaunchKey]?: SettingValue<TrainSettingsTable[K]>;
};
/** Every setting that has a default, at its default. */
export type SettingDefaults = { [K in DefaultedKey]: SettingValue<TrainSettingsTable[K]> };

export const LAUNCH_KEYS = SETTING_KEYS.filter((k) => 'wizard' in TRAIN_SETTINGS[k]) as LaunchKey[];
/** The launch settings one input draws (a list, LoRA's targets, is a group of checkboxes of its own). */
export type FieldKey = { [K in LaunchKey]: TrainSettingsTable[K] extends { kind: 'list' } ? never : K }[LaunchKey];
/** The wizard's Advanced options, in table order. */
export const ADVANCED_KEYS = SETTING_KEYS.filter((k) => setting(k).advanced && setting(k).kind !== 'list') as FieldKey[];

export function setting(key: SettingKey): TrainSetting {
  return TRAIN_SETTINGS[key];
}

// defaultsOfTable fills exactly the keys DefaultedKey names, each with its declared default.
export const SETTING_DEFAULTS = defaultsOfTable(TRAIN_SETTINGS) as SettingDefaults;

/** The defaults of the launch settings that have one (the wizard starts from these). */
export type LaunchDefaults = Pick<SettingDefaults, LaunchKey & DefaultedKey>;
export function launchDefaults(): LaunchDefaults {
  const d: Partial<Record<SettingKey, unknown>> = { ...SETTING_DEFAULTS };
  for (const key of SETTING_KEYS) if (!LAUNCH_KEYS.includes(key as LaunchKey)) delete d[key];
  // What is left are the launch keys of SETTING_DEFAULTS (copied, arrays too: defaultsOf copies them).
  return structuredClone(d) as LaunchDefaults;
}

/**
 * The `tuneloom train` flags that give these settings: every one that differs from its CLI default (a
 * setting of the other method left out; the wizard's max steps 0 means by epochs). [flag, value] pairs,
 * value null for a switch; the caller quotes.
 */
export function settingFlags(values: Partial<Record<SettingKey, unknown>>): [string, string | null][] {
  const out: [string, string | null][] = [];
  for (const key of SETTING_KEYS) {
    const s = setting(key);
    const v = values[key];
    if (v === undefined || (s.method && s.method !== values.method) || (key === 'maxSteps' && v === 0)) continue;
    const d = 'default' in s ? s.default : undefined;
    if (Array.isArray(v) ? Array.isArray(d) && v.join(',') === d.join(',') : v === d) continue;
    if (s.kind === 'bool') {
      if (v === true) out.push([s.flag, null]);
    } else out.push([s.flag, Array.isArray(v) ? v.join(',') : String(v)]);
  }
  return out;
}

/** The --help lines of every setting, in table order. */
export function settingsHelp(): string {
  return helpLines(SETTING_KEYS.map(setting));
}
