/**
 * The base checkpoint with an adapter folded in, read one tensor at a time: what every export
 * format writes. Checks that the adapter belongs to the base model before any heavy work.
 */
import { resolve } from 'node:path';
import { UserError } from '../errors';
import type { ModelConfig } from '../engine/config/model-config';
import type { WeightStore } from '../engine/io/weight-store';
import { openWeightStore, readLoraAdapterHost, readModelConfig } from '../engine-node/load-model';
import { checkAdapterBase } from '../engine-node/adapter-base-check';
import { hostLoraByWeightName, mergeLoraInPlace, type HostLoraPair } from './lora-merge';

export interface MergedSource {
  modelDir: string;
  cfg: ModelConfig;
  store: WeightStore;
  lora: Map<string, HostLoraPair>;
  /** A base tensor as float32, with the adapter folded in when it targets it. */
  read(name: string): Promise<Float32Array>;
  close(): void;
}

export async function openMergedSource(model: string, adapter: string): Promise<MergedSource> {
  const modelDir = resolve(model);
  const cfg = readModelConfig(modelDir);
  checkAdapterBase(adapter, modelDir, cfg);
  const lora: Map<string, HostLoraPair> = hostLoraByWeightName(await readLoraAdapterHost(adapter, cfg));
  const { store, close } = await openWeightStore(modelDir);
  for (const weight of lora.keys()) {
    if (!store.has(weight)) {
      close();
      throw new UserError(`the adapter changes ${weight}, which the base model does not have`, {
        where: resolve(adapter),
        hint: 'pass the base model the adapter was trained on as --model',
      });
    }
  }
  return {
    modelDir,
    cfg,
    store,
    lora,
    async read(name) {
      const values = await store.read(name);
      const lo = lora.get(name);
      if (lo) {
        const [out, inp] = store.info(name)!.shape;
        mergeLoraInPlace(values, out, inp, lo);
      }
      return values;
    },
    close,
  };
}
