/** The wizard's Resources step: what the memory/time planner says about a run before it starts. */
import type { TrainMethod } from '../../src-main/engine/train/train-settings';
import type { BackendChoice } from '../ipc-contract';

export type PlanSuggestionKey = 'shorter-max-len' | 'smaller-batch' | 'gradient-checkpointing' | 'weights-4bit' | 'smaller-model';

export interface PlanRequest {
  modelPath: string;
  method: TrainMethod;
  loraR: number;
  loraTargets: string[];
  loraDropout: number;
  prefixLen: number;
  batchSize: number;
  gradAccum: number;
  maxLen: number;
  gradientCheckpointing: boolean;
  /** The backend choice the run will be launched with (the settings' default backend). */
  backend?: BackendChoice;
  /** The dataset the run trains on: examples per epoch and, when known in tokens, the typical length. */
  datasetId?: number;
  /** GPU memory the user says the card has (used only when the device reports none). */
  deviceMemoryGiB?: number;
  /**
   * A GRPO run's completions per prompt (G). Its step trains each prompt's group of G completions as
   * one micro-batch, so memory follows G rows, not the batch size (engine/train/grpo/grpo-config.ts).
   */
  grpoGenerations?: number;
}

export interface PlanResult {
  /** The backend a run gets here (cpu|vulkan|cuda|metal), the engine's reason and its device; null when the probe failed (see backendError). */
  backend: { name: string; reason: string; device?: string } | null;
  backendError: string | null;
  /** Measured on this machine by a calibration matmul on that backend; null when not measured. */
  throughput: { flopsPerSecond: number; matmulSize: number } | null;
  /** What the estimate is checked against, and where the number comes from. */
  budget: { bytes: number; source: 'system-memory' | 'wasm-heap' | 'device-memory' | 'user-gpu-memory' | 'assumed-gpu-memory' };
  /** The frozen base weights' type the estimate assumes (what the run would pick on this budget). */
  frozenWeights: 'f32' | 'bf16' | 'f16' | 'q8_0' | 'q4_0';
  seqLen: { memory: number; time: number; timeSource: 'max-len' | 'dataset-p95-tokens' };
  estimate: {
    bytes: { weights: number; adapter: number; optimizer: number; activations: number; logits: number; workspace: number; total: number };
    trainableParams: number;
    baseParams: number;
    flopsPerStep: number;
    stepSeconds?: number;
    stepsPerEpoch?: number;
    epochSeconds?: number;
    tokensPerEpoch?: number;
    fits: boolean;
    suggestions: { key: PlanSuggestionKey; value?: number; totalBytes: number; fits: boolean }[];
  };
}
