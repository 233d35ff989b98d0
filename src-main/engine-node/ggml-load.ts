/**
 * Node side of the ggml weights loader: a model folder (config.json + single or sharded safetensors)
 * into a compute backend's buffers. Everything format-specific is reused from load-model.ts; the
 * ggml side is engine/ggml/model-weights.ts.
 */
import { join, resolve } from 'node:path';
import type { ModelConfig } from '../engine/config/model-config';
import type { ComputeBackend } from '../engine/ggml/backend';
import { loadGgmlWeights, type GgmlModelWeights, type GgmlWeightsType } from '../engine/ggml/model-weights';
import type { LoadProgress } from '../engine/models/weight-shapes';
import { openWeightStore, readModelConfig } from './load-model';

export interface GgmlLoadOptions {
  weights?: GgmlWeightsType;
  /** An already-read config of the same folder (default: read config.json). */
  config?: ModelConfig;
  onProgress?: (p: LoadProgress) => void;
}

/** Loads a model folder's weights into `backend`; the caller disposes the result. */
export async function loadGgmlWeightsFromDir(dir: string, backend: ComputeBackend, opts: GgmlLoadOptions = {}): Promise<GgmlModelWeights> {
  const cfg = opts.config ?? readModelConfig(dir);
  const { store, close } = await openWeightStore(dir);
  try {
    return await loadGgmlWeights(store, cfg, backend, { weights: opts.weights, configWhere: join(resolve(dir), 'config.json'), onProgress: opts.onProgress });
  } finally {
    close();
  }
}
