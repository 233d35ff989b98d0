/**
 * Runs a training job in this process: picks the backend, registers the gradients training needs,
 * and drives the fs-free loop (engine/train/train-loop.ts) with the Node I/O. The RUNS supervisor's
 * worker calls the same function in its child process.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendSelection } from '../engine/backends/select-backend';
import type { TrainConfig } from '../engine/train/train-config';
import type { DoneEvent, TrainHooks } from '../engine/train/train-events';
import { trainLoop } from '../engine/train/train-loop';
import type { TrainIo } from '../engine/train/train-io';
import { nodeTrainIo } from './node-train-io';
import { registerGradients } from './register-gradients';

export interface RunTrainingOptions {
  backend?: string;
  runId?: string;
  io?: TrainIo;
  onBackend?(selection: BackendSelection): void;
}

export async function runTraining(config: TrainConfig, hooks: TrainHooks, opts: RunTrainingOptions = {}): Promise<DoneEvent> {
  const selection = await selectBackend(opts.backend ?? 'auto');
  opts.onBackend?.(selection);
  await registerGradients();
  // Exact resume and bit-identical reruns rely on deterministic kernels; tfjs-core's defaults are.
  tf.enableProdMode();
  return trainLoop(config, { ...hooks, runId: opts.runId }, opts.io ?? nodeTrainIo);
}
