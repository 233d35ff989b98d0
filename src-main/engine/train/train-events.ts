/**
 * What a training run reports, as one tagged union. The CLI prints these as JSON lines (snake_case
 * keys of ../shared/docs/CLI.md); the worker forwards them through workers/protocol.ts.
 */
import type { SerializedError } from '../errors';
import type { TrainMethod } from './train-settings';

export interface StartEvent {
  type: 'start';
  runId: string;
  method: TrainMethod;
  /** Present on GRPO runs (the adapter is LoRA). */
  objective?: 'grpo';
  totalSteps: number;
  fromStep: number;
  examples: number;
  valExamples: number;
  /** Examples dropped because the answer does not fit in max-len (with their 0-based indices). */
  tooLong: number[];
  truncated: number;
  trainableParams: number;
  /**
   * The planner's peak-memory estimate (engine/planner) for this run's worst micro-batch: its batch size
   * and padded length (the longest kept example, or max-len when packing). Shown beside the measured peak.
   */
  memoryEstimate?: MemoryEstimate;
}
export interface MemoryEstimate {
  bytes: number;
  batch: number;
  seqLen: number;
}
export interface StepEvent {
  type: 'step';
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerS: number;
  epoch: number;
  tokensSeen: number;
}
/** A GRPO step's rewards (after its `step` event, same step number). */
export interface RewardsEvent {
  type: 'rewards';
  step: number;
  meanReward: number;
  rewardStd: number;
  /** Mean of each reward function over the step's completions. */
  byFunction: Record<string, number>;
  /** Mean token KL to the reference (k3). */
  kl: number;
  /** Mean completion length in tokens. */
  completionLength: number;
  /** Fraction of a group's completions the correctness reward scored 1, mean over groups; null without it. */
  correctFraction: number | null;
  clipFraction: number;
  generationMs: number;
  trainMs: number;
  /** The step's completions with their rewards (each group in sampling order). */
  completions: { prompt: string; completion: string; reward: number; parts: Record<string, number>; advantage: number }[];
}
export interface EvalEvent {
  type: 'eval';
  step: number;
  loss: number;
  examples: number;
}
export interface SampleEvent {
  type: 'sample';
  step: number;
  promptIdx: number;
  prompt: string;
  output: string;
}
export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  path: string;
  bytes: number;
}
export interface LogEvent {
  type: 'log';
  level: 'info' | 'warn';
  message: string;
}
export interface DoneEvent {
  type: 'done';
  runId: string;
  reason: 'completed' | 'stopped';
  step: number;
  adapter: string;
  losses: number[];
  /** The high-water mark of tensor memory (distinct buffers) from model load to the end of the run. */
  peakMemoryBytes?: number;
}
export interface ErrorEvent {
  type: 'error';
  error: SerializedError;
  step: number | null;
  lastCheckpoint: string | null;
}

export type TrainEvent = StartEvent | StepEvent | RewardsEvent | EvalEvent | SampleEvent | CheckpointEvent | LogEvent | DoneEvent | ErrorEvent;

/** How the host steers a run between steps (pause/stop/sample-now from the worker protocol). */
export interface TrainControl {
  shouldStop?(): boolean;
  /** Resolves when the run may continue (immediately when not paused). */
  waitWhilePaused?(): Promise<void>;
  takeSampleRequest?(): boolean;
  /** Awaited between the parts of a long compute (each eval batch, each sample prompt): the host answers heartbeats there. */
  breathe?(): Promise<void>;
  /** Called before a long compute; `stepsWorth` is its size in training steps (an upper bound), so the host can allow it time. */
  announce?(work: { phase: 'eval' | 'sample'; stepsWorth: number }): void;
}

export interface TrainHooks {
  emit(event: TrainEvent): void;
  control?: TrainControl;
}
