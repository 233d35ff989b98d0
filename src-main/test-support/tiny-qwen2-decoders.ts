/**
 * The tiny Qwen2 fixture on a ggml backend, as the decoder tests use it: f32 weights, its PEFT adapter,
 * and two decoders over the same weights, the base model and the model with the adapter. One owner:
 * dispose() frees them in reverse order of creation.
 */
import { loadGgmlWeightsFromDir } from '../engine-node/ggml-load';
import { readLoraAdapterHost, readModelConfig } from '../engine-node/load-model';
import type { ComputeBackend, GgmlBackendName } from '../engine/ggml/backend';
import { GgmlCausalLM, GgmlLora } from '../engine/ggml/causal-lm';
import type { GgmlModelWeights } from '../engine/ggml/model-weights';
import { testBackend } from './ggml';
import { tinyQwen2Adapter, tinyQwen2Model } from './paths';

export interface TinyQwen2Decoders {
  backend: ComputeBackend;
  weights: GgmlModelWeights;
  lora: GgmlLora;
  base: GgmlCausalLM;
  adapted: GgmlCausalLM;
  dispose(): void;
}

export async function openTinyQwen2Decoders(name: GgmlBackendName): Promise<TinyQwen2Decoders> {
  const backend = testBackend(name).backend;
  const weights = await loadGgmlWeightsFromDir(tinyQwen2Model, backend, { weights: 'f32' });
  const lora = new GgmlLora(backend, await readLoraAdapterHost(tinyQwen2Adapter, readModelConfig(tinyQwen2Model)));
  const base = new GgmlCausalLM(weights, backend);
  const adapted = new GgmlCausalLM(weights, backend, { lora });
  return {
    backend,
    weights,
    lora,
    base,
    adapted,
    dispose() {
      adapted.dispose();
      base.dispose();
      lora.dispose();
      weights.dispose();
      backend.dispose();
    },
  };
}
