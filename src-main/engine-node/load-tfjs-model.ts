/**
 * A model folder and a PEFT LoRA folder loaded into the tfjs decoder (engine/models/), for the tfjs
 * TrainEngine and the tfjs reference tests only; every product path loads into ggml (ggml-load.ts).
 */
import { join, resolve } from 'node:path';
import { CausalLM } from '../engine/models/causal-lm';
import { loadModelWeights, type LoadProgress } from '../engine/models/model-weights';
import { loraSetFromHost } from '../engine/adapters/peft-lora';
import type { ModelConfig } from '../engine/config/model-config';
import type { LoraSet } from '../engine/adapters/lora-set';
import { openWeightStore, readLoraAdapterHost, readModelConfig } from './load-model';

export interface LoadOptions {
  onProgress?: (p: LoadProgress) => void;
}

export async function loadModelFromDir(dir: string, opts: LoadOptions = {}): Promise<CausalLM> {
  const cfg = readModelConfig(dir);
  const { store, close } = await openWeightStore(dir);
  try {
    const weights = await loadModelWeights(store, cfg, join(resolve(dir), 'config.json'), opts.onProgress);
    return new CausalLM(cfg, weights);
  } finally {
    close();
  }
}

export async function loadAdapterFromDir(dir: string, model: ModelConfig): Promise<LoraSet> {
  return loraSetFromHost(await readLoraAdapterHost(dir, model));
}
