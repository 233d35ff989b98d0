/**
 * Every training setting, declared once, as tfjs-core's kernel_names.ts declares ops: its name (the
 * TrainConfig key), type, default, bounds, CLI flag, i18n label key and help. Everything else derives
 * from this table: TRAIN_DEFAULTS (train-config.ts), validateTrainConfig (validate-config.ts), the
 * `tuneloom train` options and --help (cli/commands/train.ts), the `runs.launch` validator and the
 * LaunchRequest type (src-shared/ipc-contract.ts), launchFromRequest (ipc/launch-config.ts) and the
 * wizard's fields (src-renderer: NewRunView's Method step). Adding a setting is one entry here plus the
 * engine code that reads it (and its label in the i18n files when the wizard shows it).
 *
 * Pure data and pure functions: the renderer bundles this file, so it imports nothing at run time.
 */

export const TRAIN_METHODS = ['lora', 'ptuning'] as const;
export type TrainMethod = (typeof TRAIN_METHODS)[number];
export const SCHEDULER_KINDS = ['linear', 'cosine', 'constant'] as const;
export const LOSS_ON_CHOICES = ['completion', 'all'] as const;
/** The projections LoRA can wrap; `--lora-targets all-linear` means all of them. */
export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** A field of the wizard's launch request (TrainSettings), required or optional there; absent: CLI only. */
type WizardPlace = 'required' | 'optional';

/** Inclusive bounds unless the *Open flag says the bound itself is out. */
export interface Bounds {
  min?: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
}

interface Common {
  /** The CLI flag, without the dashes (../shared/docs/CLI.md spells them). */
  flag: string;
  /** The i18n key of the wizard's label (src-renderer/lib/i18n); absent for CLI-only settings. */
  label?: string;
  /** The CLI --help text, without the default (added from `default`, or `defaultText`). */
  help: string;
  /** What --help shows for the default when `default` alone would not say it. */
  defaultText?: string;
  wizard?: WizardPlace;
  /** Drawn by the wizard under its Advanced options (from this table: label, bounds, kind). */
  advanced?: boolean;
  /** Applies to this method only (the wizard hides it for the other). */
  method?: TrainMethod;
  /** The i18n key of a longer explanation (the field's tooltip). */
  why?: string;
}

export interface NumberSetting extends Common {
  kind: 'int' | 'number';
  /** Placeholder in --help (N, R, LR...). */
  arg: string;
  default?: number;
  bounds: Bounds;
  /** Tighter bounds the launch request (and the wizard's inputs) keep to, where they differ. */
  launchBounds?: Bounds;
  /** What 0 means, when it is a switch-off rather than a value ("off", "once at the end"). */
  zeroMeans?: string;
  /** For the "e.g." hint when there is no default. */
  example?: number;
  /** The wizard input's step (default: 1 for int, any for number). */
  step?: number;
}
export interface BoolSetting extends Common {
  kind: 'bool';
  default: boolean;
}
export interface ChoiceSetting extends Common {
  kind: 'choice';
  arg?: string;
  choices: readonly string[];
  default: string;
  /** The wizard labels each choice with the i18n key `${label}.${choice}` (else the choice itself). */
  choiceLabels?: boolean;
}
export interface ListSetting extends Common {
  kind: 'list';
  arg: string;
  choices: readonly string[];
  default: readonly string[];
}
export interface TextSetting extends Common {
  kind: 'text';
  arg: string;
}
export type TrainSetting = NumberSetting | BoolSetting | ChoiceSetting | ListSetting | TextSetting;

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

/** The value type a setting holds in a TrainConfig / launch request. */
export type SettingValue<S> = S extends { kind: 'int' | 'number' }
  ? number
  : S extends { kind: 'bool' }
    ? boolean
    : S extends { kind: 'choice'; choices: readonly (infer C)[] }
      ? C
      : S extends { kind: 'list'; choices: readonly (infer C)[] }
        ? C[]
        : string;

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

function defaultsOf(): SettingDefaults {
  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const s = setting(key);
    if ('default' in s && s.default !== undefined) out[key] = Array.isArray(s.default) ? [...s.default] : s.default;
  }
  // The loop fills exactly the keys DefaultedKey names, each with its declared default.
  return out as SettingDefaults;
}
export const SETTING_DEFAULTS: SettingDefaults = defaultsOf();

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

// ---- bounds -> checks and words -------------------------------------------------------------------

export function withinBounds(v: number, b: Bounds): boolean {
  if (!Number.isFinite(v)) return false;
  if (b.min !== undefined && (b.minOpen ? v <= b.min : v < b.min)) return false;
  if (b.max !== undefined && (b.maxOpen ? v >= b.max : v > b.max)) return false;
  return true;
}

/** "must be a positive integer", "must be in [0, 1)", "must be 0 (off) or more"... */
export function boundsWords(s: NumberSetting): string {
  const b = s.bounds;
  const int = s.kind === 'int';
  const zero = s.zeroMeans ? ` (${s.zeroMeans})` : '';
  if (b.min !== undefined && b.max !== undefined)
    return `must be ${int ? 'an integer ' : ''}in ${b.minOpen ? '(' : '['}${b.min}, ${b.max}${b.maxOpen ? ')' : ']'}`;
  if (b.min === 0 && b.minOpen) return 'must be a positive number';
  if (b.min === 0) return int ? `must be 0${zero} or a positive integer` : `must be 0${zero} or more`;
  if (b.min === 1 && int) return 'must be a positive integer';
  if (b.min !== undefined) return `must be ${int ? 'an integer' : 'a number'} of at least ${b.min}`;
  return int ? 'must be an integer' : 'must be a number';
}

export interface SettingProblem {
  flag: string;
  what: string;
  hint: string;
}

/** The problem with one number setting's value, or null; the caller words it as its error type. */
export function numberProblem(key: SettingKey, value: number | undefined): SettingProblem | null {
  const s = setting(key);
  if (value === undefined || (s.kind !== 'int' && s.kind !== 'number')) return null;
  if ((s.kind === 'int' && !Number.isInteger(value)) || !withinBounds(value, s.bounds)) {
    return { flag: s.flag, what: `${boundsWords(s)}, got ${value}`, hint: `e.g. --${s.flag} ${s.default ?? s.example ?? s.bounds.min ?? 1}` };
  }
  return null;
}

const HELP_INDENT = 28;
const HELP_WIDTH = 106;

/** The --help lines of every setting, in table order: "  --lora-r N                LoRA rank (default 8)". */
export function settingsHelp(): string {
  return SETTING_KEYS.map((key) => {
    const s = setting(key);
    const left = `  --${s.flag}${'arg' in s && s.arg ? ` ${s.arg}` : ''}`;
    const text = `${s.help}${defaultWords(s)}`;
    const lines = wrap(text, HELP_WIDTH - HELP_INDENT);
    const head = left.length < HELP_INDENT ? `${left.padEnd(HELP_INDENT)}${lines.shift()}` : left;
    return [head, ...lines.map((l) => `${' '.repeat(HELP_INDENT)}${l}`)].join('\n');
  }).join('\n');
}

/** " (default 8)", " (default 1; 0 = off)", " (default 0: none)", " (default: the model's hidden size)" or "". */
function defaultWords(s: TrainSetting): string {
  if (s.defaultText) return ` (default: ${s.defaultText})`;
  if (s.kind === 'text' || s.kind === 'bool' || s.default === undefined) return '';
  const value = Array.isArray(s.default) ? s.default.join(',') : String(s.default);
  const zero = 'zeroMeans' in s ? s.zeroMeans : undefined;
  if (zero) return s.default === 0 ? ` (default 0: ${zero})` : ` (default ${value}; 0 = ${zero})`;
  return ` (default ${value})`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}
