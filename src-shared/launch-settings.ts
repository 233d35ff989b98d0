/**
 * The `runs.launch` validators of the training settings, derived from the one table
 * (src-main/engine/train/train-settings.ts): each wizard setting is checked by its kind and its launch
 * bounds (the table's bounds where it declares no tighter ones).
 */
import type { Bounds, SettingValue, TrainSetting } from '../src-main/engine/train/setting-kinds';
import { GRPO_LAUNCH_NUMBER_KEYS, grpoSetting, type GrpoLaunchNumberKey } from '../src-main/engine/train/grpo/grpo-settings';
import {
  setting,
  SETTING_KEYS,
  type LaunchKey,
  type OptionalLaunchKey,
  type RequiredLaunchKey,
  type TrainSettingsTable,
} from '../src-main/engine/train/train-settings';
import { arrayOf, bool, int, num, oneOf, PayloadError, str, type Validator } from './validate';

type ValidatorsOf<K extends LaunchKey> = { [P in K]: Validator<SettingValue<TrainSettingsTable[P]>> };

/** min/max as int()/num() word them (the renderer's error mapping reads "at least"/"at most"); open ends after. */
function bounded(base: (opts: { min?: number; max?: number }) => Validator<number>, b: Bounds): Validator<number> {
  const closed = base({ min: b.min, max: b.max });
  if (!b.minOpen && !b.maxOpen) return closed;
  return (v, path) => {
    const n = closed(v, path);
    if (b.minOpen && n === b.min) throw new PayloadError(`${path} must be greater than ${b.min}`);
    if (b.maxOpen && n === b.max) throw new PayloadError(`${path} must be less than ${b.max}`);
    return n;
  };
}

function settingValidator(key: LaunchKey): Validator<unknown> {
  return validatorOf(setting(key));
}

function validatorOf(s: TrainSetting): Validator<unknown> {
  switch (s.kind) {
    case 'int':
      return bounded(int, s.launchBounds ?? s.bounds);
    case 'number':
      return bounded(num, s.launchBounds ?? s.bounds);
    case 'bool':
      return bool;
    case 'choice':
      return oneOf(s.choices);
    case 'list':
      return arrayOf(oneOf(s.choices), { min: 1, max: s.choices.length });
    case 'text':
      return str();
  }
}

function validatorsWhere<K extends LaunchKey>(place: 'required' | 'optional'): ValidatorsOf<K> {
  const out: Record<string, Validator<unknown>> = {};
  for (const key of SETTING_KEYS) {
    const s = setting(key);
    if (s.wizard === place) out[key] = settingValidator(key as LaunchKey);
  }
  // settingValidator(key) checks exactly the kind SettingValue<table[key]> names, for the keys of `place`.
  return out as ValidatorsOf<K>;
}

export const REQUIRED_SETTING_VALIDATORS = validatorsWhere<RequiredLaunchKey>('required');
export const OPTIONAL_SETTING_VALIDATORS = validatorsWhere<OptionalLaunchKey>('optional');

/** The wizard's GRPO numbers, each by its kind and launch bounds in GRPO_SETTINGS. */
function grpoNumberValidators(): { [K in GrpoLaunchNumberKey]: Validator<number> } {
  const out: Record<string, Validator<unknown>> = {};
  for (const key of GRPO_LAUNCH_NUMBER_KEYS) out[key] = validatorOf(grpoSetting(key));
  // GRPO_LAUNCH_NUMBER_KEYS holds exactly the int/number keys, and validatorOf checks numbers for those.
  return out as { [K in GrpoLaunchNumberKey]: Validator<number> };
}
export const GRPO_NUMBER_VALIDATORS = grpoNumberValidators();
