/**
 * Every GRPO setting (TrainConfig.grpo, `tuneloom train --method grpo`), declared once in the kinds
 * TRAIN_SETTINGS uses (../setting-kinds.ts): name (the GrpoConfig key), type, default, bounds, CLI flag
 * and help. Derived from it: GRPO_DEFAULTS (grpo-config.ts), the trainer's check (validate-config.ts),
 * the `tuneloom train` GRPO options and their --help (cli/commands/train.ts), the `runs.launch`
 * validator of the wizard's GRPO fields (src-shared/ipc-contract.ts) and the wizard's own check
 * (src-shared/grpo-fields.ts). Names and defaults follow TRL's GRPOConfig where it has them.
 *
 * Pure data: the renderer bundles this file.
 */
import { defaultsOfTable, type TrainSetting } from '../setting-kinds';

/** The built-in reward functions (rewards.ts implements them). */
export const BUILTIN_REWARDS = ['format', 'correct', 'length'] as const;
export type BuiltinReward = (typeof BUILTIN_REWARDS)[number];

export const GRPO_SETTINGS = {
  numGenerations: {
    kind: 'int',
    flag: 'num-generations',
    alias: 'group-size',
    arg: 'G',
    default: 4,
    bounds: { min: 2 },
    launchBounds: { min: 2, max: 256 },
    boundsWhy: 'a group needs someone to compare with',
    wizard: 'required',
    help: 'completions sampled per prompt; --group-size G is the same',
  },
  beta: {
    kind: 'number',
    flag: 'beta',
    alias: 'kl-beta',
    arg: 'B',
    default: 0.04,
    bounds: { min: 0 },
    launchBounds: { min: 0, max: 100 },
    wizard: 'required',
    help: 'KL coefficient to the reference (the model without the adapter); --kl-beta B is the same',
  },
  epsilon: {
    kind: 'number',
    flag: 'epsilon',
    arg: 'E',
    default: 0.2,
    bounds: { min: 0, max: 1, minOpen: true, maxOpen: true },
    help: 'clip range of the ratio',
  },
  maxNewTokens: {
    kind: 'int',
    flag: 'max-new-tokens',
    arg: 'N',
    default: 128,
    bounds: { min: 1 },
    launchBounds: { min: 1, max: 1 << 16 },
    wizard: 'required',
    help: 'completion length cap',
  },
  temperature: {
    kind: 'number',
    flag: 'temperature',
    arg: 'T',
    default: 1,
    bounds: { min: 0, minOpen: true },
    launchBounds: { min: 0, minOpen: true, max: 10 },
    boundsWhy: 'GRPO samples',
    wizard: 'required',
    help: 'sampling temperature',
  },
  topP: { kind: 'number', flag: 'top-p', arg: 'P', default: 1, bounds: { min: 0, max: 1, minOpen: true }, help: 'nucleus sampling; 1 is off' },
  topK: { kind: 'int', flag: 'top-k', arg: 'K', default: 0, bounds: { min: 0 }, zeroMeans: 'off', help: 'top-k sampling' },
  rewards: {
    kind: 'list',
    flag: 'reward',
    arg: 'LIST',
    choices: BUILTIN_REWARDS,
    default: ['format', 'correct'],
    wizard: 'required',
    help:
      'rewards, summed: format,correct,length, and a .js file (as --reward-file); exact is a name of correct; ' +
      'format = <think>…</think> then <answer>…</answer>; correct = exact match of the answer (numbers normalised); ' +
      'length = 1 up to 512 characters, 0 at 1024',
  },
  formatPattern: { kind: 'text', flag: 'format-pattern', arg: 'RE', help: "the format reward's regular expression instead of the default" },
  rewardFile: {
    kind: 'text',
    flag: 'reward-file',
    arg: 'F',
    wizard: 'optional',
    help:
      'your own reward: a .js file with reward(prompt, completion, example) returning a number; it runs sandboxed ' +
      '(no fs, network, require or process); a throw or a timeout scores 0 and is logged',
  },
  rewardTimeoutMs: { kind: 'int', flag: 'reward-timeout-ms', arg: 'N', default: 1000, bounds: { min: 1 }, help: 'time per call of the reward file' },
} as const satisfies Record<string, TrainSetting>;

export type GrpoSettingsTable = typeof GRPO_SETTINGS;
export type GrpoSettingKey = keyof GrpoSettingsTable;
export const GRPO_SETTING_KEYS = Object.keys(GRPO_SETTINGS) as GrpoSettingKey[];

/** The GRPO settings the wizard sets (a launch request's `grpo`); the rest keep their defaults. */
export type GrpoLaunchKey = { [K in GrpoSettingKey]: GrpoSettingsTable[K] extends { wizard: unknown } ? K : never }[GrpoSettingKey];
/** Of those, the numbers (checked by their launch bounds in the contract and the wizard). */
export type GrpoLaunchNumberKey = { [K in GrpoLaunchKey]: GrpoSettingsTable[K] extends { kind: 'int' | 'number' } ? K : never }[GrpoLaunchKey];
export const GRPO_LAUNCH_NUMBER_KEYS = GRPO_SETTING_KEYS.filter((k) => {
  const s = grpoSetting(k);
  return s.wizard && (s.kind === 'int' || s.kind === 'number');
}) as GrpoLaunchNumberKey[];

export function grpoSetting(key: GrpoSettingKey): TrainSetting {
  return GRPO_SETTINGS[key];
}

/** Every GRPO setting that has a default, at its default. */
export const GRPO_SETTING_DEFAULTS = defaultsOfTable(GRPO_SETTINGS);
