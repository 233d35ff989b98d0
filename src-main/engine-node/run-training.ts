/**
 * Runs a training job in this process: drives the fs-free loop (engine/train/train-loop.ts) with the
 * Node I/O, which opens the ggml engine on the chosen backend (engine-node/open-train-engine.ts). The
 * RUNS supervisor's worker calls the same function in its child process.
 */
import type { FrozenType } from '../engine/ggml-train/frozen-weights';
import type { TrainingEstimateInput } from '../engine/planner/estimate-training';
import type { TrainConfig } from '../engine/train/train-config';
import type { DoneEvent, TrainHooks } from '../engine/train/train-events';
import { trainLoop } from '../engine/train/train-loop';
import type { TrainIo } from '../engine/train/train-io';
import { createNodeTrainIo } from './node-train-io';

export interface RunTrainingOptions {
  backend?: string;
  /** Type of the frozen base weights on the ggml engine (default: what fits the device). */
  weights?: FrozenType;
  runId?: string;
  io?: TrainIo;
  onBackend?(selection: { backend: string; reason: string }): void;
}

/** What the planner needs of a run beyond the model, the device and the data. */
export type TrainingShape = Omit<
  TrainingEstimateInput,
  'config' | 'weightFormat' | 'backend' | 'budgetBytes' | 'flopsPerSecond' | 'examples' | 'timeSeqLen' | 'weightFormatsAvailable'
>;

/** The worst case the wizard's planner also assumes: batch rows of max-len tokens, every one a target. */
export function trainingShape(c: TrainConfig): TrainingShape {
  return {
    method: c.method,
    loraR: c.loraR,
    targets: c.loraTargets,
    loraDropout: c.loraDropout,
    prefixLen: c.prefixLen,
    batch: c.batchSize,
    seqLen: c.maxLen,
    gradAccum: c.gradAccum,
    checkpointing: c.gradientCheckpointing,
  };
}

export async function runTraining(config: TrainConfig, hooks: TrainHooks, opts: RunTrainingOptions = {}): Promise<DoneEvent> {
  const io = opts.io ?? createNodeTrainIo({ backend: opts.backend ?? 'auto', weights: config.frozenWeights ?? opts.weights, onBackend: opts.onBackend });
  return trainLoop(config, { ...hooks, runId: opts.runId }, io);
}
