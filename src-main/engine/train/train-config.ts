/**
 * The flat, JSON-serialisable configuration of a training run, with the defaults of
 * ../shared/docs/CLI.md (`tuneloom train`). The CLI's parseTrainArgs and the desktop app build it;
 * the worker receives it as is. Recipe numbers: r 8 / alpha 16 / dropout 0.05 on q_proj,v_proj and
 * lr 2e-4 are the peft/LLaMA-Factory defaults for chat SFT; prefix length 128 is the ChatGLM
 * AdvertiseGen P-Tuning v2 recipe (pre_seq_len 128).
 */
import type { SchedulerKind } from '../optim/schedule';
import type { LossOn } from './chat-labels';
import type { GrpoConfig } from './grpo/grpo-config';

export type TrainMethod = 'lora' | 'ptuning';

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

// A type, not an interface: a TrainConfig is a JSON object (stored with the run), assignable to Record<string, unknown>.
export type TrainConfig = {
  model: string;
  data: string;
  /** What to read for `data`; absent in configs stored before launches by dataset id (then `data` is read as named). */
  dataset?: DatasetSpec;
  format?: string;
  /** Column -> role for format csv (`--map col=role,...`): system, user, assistant, text or meta. */
  map?: Record<string, string>;
  out: string;
  method: TrainMethod;
  initAdapter?: string;
  loraR: number;
  loraAlpha: number;
  loraDropout: number;
  loraTargets: string[] | 'all-linear';
  useRslora: boolean;
  prefixLen: number;
  /** P-Tuning v2 reparameterisation MLP (peft prefix_projection). */
  prefixProjection: boolean;
  prefixHidden?: number;
  lr: number;
  scheduler: SchedulerKind;
  warmupSteps?: number;
  warmupRatio?: number;
  weightDecay: number;
  maxGradNorm: number;
  epochs: number;
  maxSteps?: number;
  batchSize: number;
  gradAccum: number;
  maxLen: number;
  packing: boolean;
  lossOn: LossOn;
  system?: string;
  seed: number;
  valData?: string;
  valSplit: number;
  /** 0: evaluate once at the end when there is a validation set. */
  evalEvery: number;
  /** 0: no intermediate checkpoints. */
  saveEvery: number;
  sampleEvery: number;
  samplePrompts?: string;
  sampleMaxNewTokens: number;
  gradientCheckpointing: boolean;
  /** Type of the frozen base weights on the ggml engine (`--weights`): f32, bf16, f16, q8_0 or q4_0 (QLoRA-style). Default: the most precise that fits the device. */
  frozenWeights?: 'f32' | 'bf16' | 'f16' | 'q8_0' | 'q4_0';
  name?: string;
  /** Continue from this checkpoint folder (exact resume). */
  resumeFrom?: string;
  /** Present: the LoRA adapter is trained with GRPO on reward functions instead of SFT (`--method grpo`). */
  grpo?: GrpoConfig;
};

export const TRAIN_DEFAULTS: Omit<TrainConfig, 'model' | 'data' | 'out'> = {
  method: 'lora',
  loraR: 8,
  loraAlpha: 16,
  loraDropout: 0.05,
  loraTargets: ['q_proj', 'v_proj'],
  useRslora: false,
  prefixLen: 128,
  prefixProjection: false,
  lr: 2e-4,
  scheduler: 'linear',
  weightDecay: 0,
  maxGradNorm: 1.0,
  epochs: 3,
  batchSize: 1,
  gradAccum: 1,
  maxLen: 512,
  packing: false,
  lossOn: 'completion',
  seed: 42,
  valSplit: 0.05,
  evalEvery: 0,
  saveEvery: 0,
  sampleEvery: 0,
  sampleMaxNewTokens: 64,
  gradientCheckpointing: false,
};
