/**
 * What the training loop (train-loop.ts) needs from a compute engine: the ggml engine
 * (engine/ggml-train/ggml-train-engine.ts: LoRA, P-Tuning v2, GRPO) and the tests' stand-ins.
 * Parameters cross this boundary as host arrays keyed by their PEFT / checkpoint names, so
 * checkpoints and adapter files do not depend on the engine.
 */
import type { AdamWState } from '../optim/adamw-state';
import type { Batch } from './batching';
import type { FrozenType } from '../planner/ggml-memory';
import type { AdapterFiles } from './peft-files';
import type { StoredTensor } from './train-io';
import type { GrpoEngine } from './grpo/grpo-engine';

export interface StepResult {
  /** Mean token loss over the accumulation group. */
  loss: number;
  targets: number;
  tokens: number;
}

export interface TrainEngine {
  /** For the start event and logs: e.g. `ggml cpu`. */
  readonly label: string;
  /** Trainable tensors by checkpoint name, with their shapes. */
  readonly paramShapes: Map<string, number[]>;
  countParams(): number;
  /** Forward + backward of every micro-batch of one optimiser step; gradients stay in the engine. */
  lossAndGrads(micro: Batch[], dropoutSeeds: number[], checkpointing: boolean): Promise<StepResult>;
  /** L2 norm over the gradients of the last lossAndGrads. */
  gradNorm(): Promise<number>;
  /** Scales the gradients by `gradScale` (clipping) and takes one AdamW step at `lr`. */
  applyStep(lr: number, gradScale: number): Promise<void>;
  /** Summed token NLL and target count, no dropout; `breathe` runs between batches (heartbeats). */
  evalLoss(batches: Batch[], breathe?: () => Promise<void>): Promise<{ sum: number; count: number }>;
  /** Greedy continuation of one prompt with the adapter applied (live samples). */
  sample(promptIds: number[], maxNewTokens: number, eosIds: number[]): Promise<number[]>;
  readParams(): Promise<Map<string, StoredTensor>>;
  optimizerState(): Promise<AdamWState>;
  restore(params: Map<string, StoredTensor>, opt: AdamWState, where: string): void;
  adapterFiles(baseModel: string): Promise<AdapterFiles>;
  /** GRPO's sampling, log-probs and weighted gradients (the ggml LoRA engine has them). */
  readonly grpo?: GrpoEngine;
  /** The frozen weights' type, which the memory planner's estimate needs (absent: the planner's f32 model of the old tfjs engine). */
  readonly frozenType?: FrozenType;
  /** High-water mark of the engine's tensor memory since it started, in bytes. */
  peakBytes(): number;
  dispose(): void;
}
