/**
 * Loads a PEFT LoRA adapter (`adapter_config.json` + `adapter_model.safetensors`, as
 * `PeftModel.save_pretrained` writes them) for unmerged inference. Scaling follows peft's
 * `LoraLayer.update_layer`: alpha / r, or alpha / sqrt(r) with `use_rslora`, with per-module
 * `rank_pattern` / `alpha_pattern` overrides. Shapes are checked against the base model so an
 * adapter trained for another model is refused in one line.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config/model-config';
import type { WeightStore } from '../io/weight-store';
import type { LoraSet } from './lora-set';
import type { LoraPair } from '../nn/linear';
import { readPeftLoraHost, type HostLoraSet, type LoraConfig } from './peft-lora-host';

export { loraScaling, parseLoraConfig, readPeftLoraHost, type HostLoraSet, type LoraConfig } from './peft-lora-host';

export async function loadPeftLora(store: WeightStore, cfg: LoraConfig, model: ModelConfig, where: string): Promise<LoraSet> {
  return loraSetFromHost(await readPeftLoraHost(store, cfg, model, where));
}

/** tfjs tensors of a host adapter (inference: plain tensors). */
export function loraSetFromHost(host: HostLoraSet): LoraSet {
  const modules: Record<string, LoraPair> = {};
  for (const [key, m] of Object.entries(host.modules)) {
    modules[key] = { a: tf.tensor2d(m.a, m.aShape), b: tf.tensor2d(m.b, m.bShape), scaling: m.scaling };
  }
  return { modules, dropout: host.dropout };
}

export function disposeLoraSet(set: LoraSet): void {
  for (const p of Object.values(set.modules)) {
    p.a.dispose();
    p.b.dispose();
  }
}
