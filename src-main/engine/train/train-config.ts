/**
 * The flat, JSON-serialisable configuration of a training run, with the defaults of
 * ../shared/docs/CLI.md (`tuneloom train`). The CLI's parseTrainArgs and the desktop app build it;
 * the worker receives it as is. Recipe numbers: r 8 / alpha 16 / dropout 0.05 on q_proj,v_proj and
 * lr 2e-4 are the peft/LLaMA-Factory defaults for chat SFT; prefix length 128 is the ChatGLM
 * AdvertiseGen P-Tuning v2 recipe (pre_seq_len 128).
 */
import type { GrpoConfig } from './grpo/grpo-config';
import type { SettingValue } from './setting-kinds';
import { SETTING_DEFAULTS, type SettingKey, type TrainSettingsTable } from './train-settings';

export type { TrainMethod } from './train-settings';

/**
 * The files of a library dataset, exactly as its import read them, so a run trains on what the
 * Datasets page showed: every file of a folder import (in import order) and the encoding the user chose.
 * `data` stays what the user named (the file or the folder); it labels messages and the run's row.
 */
export interface DatasetSpec {
  /** The library row it was resolved from; null when `tuneloom train --data PATH` names a file the library does not hold. */
  id: number | null;
  /** Every file, absolute, in the order the import read them. */
  files: string[];
  /** 'auto', or the encoding the import settled on (the user's override, or what it detected). */
  encoding: string;
  /** sha256 from the import (a folder: of its files' sorted hashes); computed once, never again at launch. */
  sha256: string | null;
}

/** The settings a config holds beside the table's: what to train on, where to write, and the run's identity. */
type RunInputs = {
  model: string;
  data: string;
  /** What to read for `data`; absent in configs stored before launches by dataset id (then `data` is read as named). */
  dataset?: DatasetSpec;
  format?: string;
  /** Column -> role for format csv (`--map col=role,...`): system, user, assistant, text or meta. */
  map?: Record<string, string>;
  out: string;
  /** Any names; validateTrainConfig checks them against the model's projections (resolveTargets). */
  loraTargets: string[] | 'all-linear';
  /**
   * Type of the frozen base weights on the ggml engine (`--weights`): f32, bf16, f16, q8_0 or q4_0
   * (QLoRA-style). Default: the most precise that fits the device.
   */
  frozenWeights?: 'f32' | 'bf16' | 'f16' | 'q8_0' | 'q4_0';
  name?: string;
  /** Continue from this checkpoint folder (exact resume). */
  resumeFrom?: string;
  /** Present: the LoRA adapter is trained with GRPO on reward functions instead of SFT (`--method grpo`). */
  grpo?: GrpoConfig;
};

type Table = TrainSettingsTable;
type WithDefault = { [K in SettingKey]: Table[K] extends { default: unknown } ? K : never }[SettingKey];
type WithoutDefault = Exclude<SettingKey, WithDefault>;

/**
 * The flat, JSON-serialisable configuration of a run: every setting of TRAIN_SETTINGS (set when it has a
 * default, optional otherwise) plus the run's inputs. A type, not an interface: a TrainConfig is a JSON
 * object (stored with the run), assignable to Record<string, unknown>.
 */
export type TrainConfig = Omit<{ [K in WithDefault]: SettingValue<Table[K]> } & { [K in WithoutDefault]?: SettingValue<Table[K]> }, keyof RunInputs> &
  RunInputs;

/** CLI.md's defaults, from the table. */
export const TRAIN_DEFAULTS: Omit<TrainConfig, 'model' | 'data' | 'out'> = SETTING_DEFAULTS;
