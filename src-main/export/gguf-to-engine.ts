/**
 * Loads an exported GGUF back into the ggml engine (dequantized, llama q/k un-permuted, names mapped
 * back to Hugging Face ones, then held as f32 on the backend) so the export self-check can run the
 * very bytes that llama.cpp and Ollama will read. Everything goes through host memory as float32:
 * for models up to a few GB.
 */
import { readFileSync } from 'node:fs';
import type { ModelConfig } from '../engine/config/model-config';
import { bufferSource, serializeSafetensors, type TensorToWrite } from '../engine/io/safetensors';
import { WeightStore } from '../engine/io/weight-store';
import type { ComputeBackend } from '../engine/ggml/backend';
import { loadGgmlWeights, type GgmlModelWeights } from '../engine/ggml/model-weights';
import { parseGguf, readGgufTensor } from './gguf-reader';
import { ggufTensorName, llamaPermuteHeads, unpermuteForLlamaRope } from './gguf-tensors';

/** Every HF name this config's checkpoint can have, keyed by its GGUF name. */
function hfNamesByGguf(cfg: ModelConfig): Map<string, string> {
  const out = new Map<string, string>();
  const add = (hf: string) => {
    const g = ggufTensorName(hf);
    if (g) out.set(g, hf);
  };
  ['model.embed_tokens.weight', 'model.norm.weight', 'lm_head.weight'].forEach(add);
  const perLayer = ['input_layernorm.weight', 'post_attention_layernorm.weight', 'self_attn.q_norm.weight', 'self_attn.k_norm.weight'];
  for (const p of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) perLayer.push(`self_attn.${p}.weight`, `self_attn.${p}.bias`);
  for (const p of ['gate_proj', 'up_proj', 'down_proj']) perLayer.push(`mlp.${p}.weight`, `mlp.${p}.bias`);
  for (let l = 0; l < cfg.numLayers; l++) for (const p of perLayer) add(`model.layers.${l}.${p}`);
  return out;
}

/** The GGUF's weights on `backend` as f32; the caller disposes them. */
export async function loadGgufIntoGgml(path: string, cfg: ModelConfig, backend: ComputeBackend): Promise<GgmlModelWeights> {
  const file = parseGguf(new Uint8Array(readFileSync(path)));
  const names = hfNamesByGguf(cfg);
  const tensors: TensorToWrite[] = file.tensors.map((t) => {
    const hf = names.get(t.name);
    if (!hf) throw new Error(`GGUF self-check: no Hugging Face name for ${t.name}`);
    const shape = [...t.dims].reverse();
    let data = readGgufTensor(file, t);
    const heads = llamaPermuteHeads(hf, cfg);
    if (heads) data = unpermuteForLlamaRope(data, heads, shape[0]);
    return { name: hf, shape, data };
  });
  const store = await WeightStore.open([bufferSource(serializeSafetensors(tensors), path)]);
  return loadGgmlWeights(store, cfg, backend, { weights: 'f32', configWhere: path });
}
