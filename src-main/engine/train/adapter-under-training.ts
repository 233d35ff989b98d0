/**
 * The trainable part of a run, LoRA or P-Tuning v2, behind one shape: its variables (keyed by the
 * names the checkpoint and the PEFT files use), the forward options that apply it, and its PEFT files.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config/model-config';
import type { TensorToWrite } from '../io/safetensors';
import type { TrainableLora, LoraTrainSpec } from './lora-params';
import { disposeTrainableLora } from './lora-params';
import { loraAdapterFilesOf, prefixAdapterFilesOf, type AdapterFiles } from './peft-files';
import { disposePrefixKv, disposeTrainablePrefix, prefixFlat, prefixKvFromFlat, type TrainablePrefix } from './tfjs-prefix';
import type { TrainForwardOptions } from './train-forward';

export type AdapterUnderTraining =
  { method: 'lora'; lora: TrainableLora; spec: Omit<LoraTrainSpec, 'targets'> } | { method: 'ptuning'; prefix: TrainablePrefix };

export function trainableParams(a: AdapterUnderTraining): Map<string, tf.Variable> {
  return a.method === 'lora' ? a.lora.params : a.prefix.params;
}

/** Forward options applying the adapter to a batch of `batchSize` rows; call inside the gradient scope. */
export function adapterForwardOptions(
  a: AdapterUnderTraining,
  cfg: ModelConfig,
  batchSize: number,
): Pick<TrainForwardOptions, 'adapters' | 'prefix'> & { release(): void } {
  if (a.method === 'lora') return { adapters: a.lora.set, release() {} };
  const flat = prefixFlat(a.prefix); // [P, L*2*kvDim]
  const prefix = prefixKvFromFlat(flat, cfg, batchSize);
  return {
    prefix,
    release() {
      flat.dispose();
      disposePrefixKv(prefix);
    },
  };
}

async function tensorsOf(params: Map<string, tf.Variable | tf.Tensor>): Promise<TensorToWrite[]> {
  const out: TensorToWrite[] = [];
  for (const [name, t] of params) out.push({ name, shape: t.shape, data: Float32Array.from((await t.data()) as Float32Array) });
  return out;
}

export async function adapterFiles(a: AdapterUnderTraining, cfg: ModelConfig, baseModel: string): Promise<AdapterFiles> {
  if (a.method === 'lora') return loraAdapterFilesOf(await tensorsOf(a.lora.params), { ...a.spec, targetModules: a.lora.targetModules }, baseModel);
  const flat = prefixFlat(a.prefix);
  try {
    return prefixAdapterFilesOf({ shape: flat.shape, data: Float32Array.from((await flat.data()) as Float32Array) }, a.prefix.spec, cfg, baseModel);
  } finally {
    flat.dispose();
  }
}

export function countParams(a: AdapterUnderTraining): number {
  let n = 0;
  for (const v of trainableParams(a).values()) n += v.size;
  return n;
}

export function disposeAdapter(a: AdapterUnderTraining): void {
  if (a.method === 'lora') disposeTrainableLora(a.lora);
  else disposeTrainablePrefix(a.prefix);
}
