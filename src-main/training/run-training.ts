/**
 * Runs a training job in this process: picks the backend, registers the gradients training needs,
 * and drives the fs-free loop (engine/train/train-loop.ts) with the Node I/O. The RUNS supervisor's
 * worker calls the same function in its child process.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendChoice, type TrainingShape } from '../engine/backends/select-backend';
import { readModelConfig } from '../engine-node/load-model';
import type { FrozenType } from '../engine/ggml-train/frozen-weights';
import type { TrainConfig } from '../engine/train/train-config';
import type { DoneEvent, TrainHooks } from '../engine/train/train-events';
import { trainLoop } from '../engine/train/train-loop';
import type { TrainIo } from '../engine/train/train-io';
import { createNodeTrainIo } from './node-train-io';
import { chooseTrainEngine } from './open-train-engine';
import { registerGradients } from './register-gradients';

export interface RunTrainingOptions {
  backend?: string;
  /** Type of the frozen base weights on the ggml engine (default: what fits the device). */
  weights?: FrozenType;
  runId?: string;
  io?: TrainIo;
  onBackend?(selection: { backend: string; reason: string }): void;
}

/** The worst case the wizard's planner also assumes: batch rows of max-len tokens, every one a target. */
export function trainingShape(c: TrainConfig): TrainingShape {
  return { method: c.method, loraR: c.loraR, targets: c.loraTargets, loraDropout: c.loraDropout, prefixLen: c.prefixLen, batch: c.batchSize, seqLen: c.maxLen, gradAccum: c.gradAccum, checkpointing: c.gradientCheckpointing };
}

export async function runTraining(config: TrainConfig, hooks: TrainHooks, opts: RunTrainingOptions = {}): Promise<DoneEvent> {
  const choice = chooseTrainEngine(config.method, opts.backend ?? 'auto');
  if (choice.engine === 'tfjs') {
    // The model and the run's worst case go to the choice, so auto never picks a backend (wasm's 4 GiB
    // heap) that the run would abort on.
    const selection = await selectBackend(choice.backend as BackendChoice, { model: readModelConfig(config.model), training: trainingShape(config) });
    opts.onBackend?.({ backend: selection.backend, reason: `${selection.reason} (${choice.why})` });
    await registerGradients();
    // Exact resume and bit-identical reruns rely on deterministic kernels; tfjs-core's defaults are.
    tf.enableProdMode();
  }
  const io = opts.io ?? createNodeTrainIo({ backend: opts.backend ?? 'auto', weights: config.frozenWeights ?? opts.weights, onBackend: opts.onBackend });
  return trainLoop(config, { ...hooks, runId: opts.runId }, io);
}
