/** Run records as they cross from the store to the CLI and the renderer. */

import type { PlanSuggestionKey } from './plan';

export const RUN_STATUSES = ['queued', 'running', 'paused', 'completed', 'failed', 'stopped', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type { TrainMethod } from '../../src-main/engine/train/train-settings';
import type { TrainMethod } from '../../src-main/engine/train/train-settings';

export interface RunSummary {
  id: number;
  name: string;
  status: RunStatus;
  method: TrainMethod;
  /** What the run optimises: supervised fine-tuning, or GRPO on reward functions (a LoRA run with `config.grpo`). */
  objective: 'sft' | 'grpo';
  modelPath: string;
  /** The model's name in the registry (e.g. the demo model's label); null when the folder is not registered. */
  modelName: string | null;
  datasetId: number | null;
  datasetPath: string | null;
  lastStep: number;
  totalSteps: number | null;
  bestEvalLoss: number | null;
  lastLoss: number | null;
  createdAt: string;
  finishedAt: string | null;
  preset: string | null;
}

export interface RunError {
  name: string;
  message: string;
  kind: string;
  /** Out of memory (`kind: 'oom'`): the memory planner's concrete changes for this run, smallest first. */
  options?: { key: PlanSuggestionKey; value?: number; totalBytes: number }[];
}

export interface RunDetail extends RunSummary {
  config: Record<string, unknown>;
  seed: number;
  backend: string | null;
  appVersion: string;
  os: string | null;
  gpu: Record<string, unknown> | null;
  outDir: string;
  adapterPath: string | null;
  modelConfigHash: string | null;
  datasetSha256: string | null;
  error: RunError | null;
  startedAt: string | null;
  /** The planner's estimate for the run's worst micro-batch (recorded when the run started). */
  memoryEstimate: MemoryEstimateDto | null;
  /** The tensor-memory high-water mark the run measured (recorded when it ended). */
  peakMemoryBytes: number | null;
}

export interface MemoryEstimateDto {
  bytes: number;
  batch: number;
  seqLen: number;
}

export interface RunFilter {
  status?: RunStatus;
  datasetId?: number;
  modelPath?: string;
  sort?: 'newest' | 'oldest' | 'name' | 'loss';
}

export interface MetricPoint {
  step: number;
  loss: number | null;
  lr: number | null;
  gradNorm: number | null;
  tokensPerS: number | null;
  epoch: number | null;
  tokensSeen: number | null;
  ts: number;
}

/** One GRPO step's rewards and its completions (store table grpo_steps). */
export interface GrpoStepRow {
  step: number;
  meanReward: number;
  rewardStd: number;
  /** Each reward function's mean over the step's completions. */
  rewards: Record<string, number>;
  kl: number;
  completionLength: number;
  correctFraction: number | null;
  completions: GrpoCompletionRow[];
}
export interface GrpoCompletionRow {
  prompt: string;
  completion: string;
  reward: number;
  parts: Record<string, number>;
  advantage: number;
}

export interface SampleRow {
  step: number;
  promptIdx: number;
  prompt: string;
  output: string;
}
