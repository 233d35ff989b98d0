/**
 * The kinds of setting a settings table declares (TRAIN_SETTINGS in train-settings.ts, GRPO_SETTINGS in
 * grpo/grpo-settings.ts), and what is derived from one setting alone: its bounds check, the words of an
 * error about it, its --help line. Pure: the renderer bundles this file.
 */
import type { TrainMethod } from './train-settings';

/** A field of the wizard's launch request (TrainSettings), required or optional there; absent: CLI only. */
export type WizardPlace = 'required' | 'optional';

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
  /** A second spelling of the flag that CLI.md also takes (`--group-size` for `--num-generations`). */
  alias?: string;
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
  /** Why the bounds are what they are, added to the error after them ("a group needs someone to compare with"). */
  boundsWhy?: string;
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

/** Each setting of a table that has a default, at its default (arrays copied). */
export function defaultsOfTable(table: Readonly<Record<string, TrainSetting>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(table)) {
    if ('default' in s && s.default !== undefined) out[key] = Array.isArray(s.default) ? [...s.default] : s.default;
  }
  return out;
}

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

/** Whether `v` is a value of this number setting within `b` (its bounds unless given): an integer for an int. */
export function numberAllowed(s: NumberSetting, v: number, b: Bounds = s.bounds): boolean {
  return (s.kind !== 'int' || Number.isInteger(v)) && withinBounds(v, b);
}

/** The problem with one number setting's value, or null; the caller words it as its error type. */
export function settingProblem(s: TrainSetting, value: number | undefined): SettingProblem | null {
  if (value === undefined || (s.kind !== 'int' && s.kind !== 'number')) return null;
  if (!numberAllowed(s, value)) {
    const why = s.boundsWhy ? ` (${s.boundsWhy})` : '';
    return { flag: s.flag, what: `${boundsWords(s)}${why}, got ${value}`, hint: `e.g. --${s.flag} ${s.default ?? s.example ?? s.bounds.min ?? 1}` };
  }
  return null;
}

/** The first number in `values` that its setting's bounds refuse (settings in table order), or null. */
export function firstSettingProblem<K extends string>(
  keys: readonly K[],
  settingOf: (key: K) => TrainSetting,
  values: Partial<Record<K, unknown>>,
): SettingProblem | null {
  for (const key of keys) {
    const value = values[key];
    const problem = typeof value === 'number' ? settingProblem(settingOf(key), value) : null;
    if (problem) return problem;
  }
  return null;
}

const HELP_INDENT = 28;
const HELP_WIDTH = 106;

/** The --help lines of these settings, in order: "  --lora-r N                LoRA rank (default 8)". */
export function helpLines(settings: readonly TrainSetting[]): string {
  return settings
    .map((s) => {
      const left = `  --${s.flag}${'arg' in s && s.arg ? ` ${s.arg}` : ''}`;
      const text = `${s.help}${defaultWords(s)}`;
      const lines = wrap(text, HELP_WIDTH - HELP_INDENT);
      const head = left.length < HELP_INDENT ? `${left.padEnd(HELP_INDENT)}${lines.shift()}` : left;
      return [head, ...lines.map((l) => `${' '.repeat(HELP_INDENT)}${l}`)].join('\n');
    })
    .join('\n');
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
