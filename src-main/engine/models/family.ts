/**
 * What one model family adds to the shared decoder (transformers.js style: each architecture only
 * states what differs). The decoder itself lives in causal-lm.ts and nn/.
 */
import type { ModelConfig, ModelFamily } from '../config/model-config';

export interface FamilyFlags {
  qkvBias: boolean;
  oBias: boolean;
  mlpBias: boolean;
  qkNorm: boolean;
  /** transformers' default for `tie_word_embeddings` when config.json omits it. */
  tieByDefault: boolean;
}

export interface FamilySpec {
  family: ModelFamily;
  /** Architecture flags read from the raw config.json. */
  flags(raw: Record<string, unknown>): FamilyFlags;
}

/** Per-layer tensors every family has (checkpoint names after `model.layers.N.`) with shapes. */
export function layerWeightShapes(cfg: ModelConfig): Record<string, number[]> {
  const { hiddenSize: h, numHeads, numKvHeads, headDim: hd, intermediateSize: ff } = cfg;
  const shapes: Record<string, number[]> = {
    'input_layernorm.weight': [h],
    'post_attention_layernorm.weight': [h],
    'self_attn.q_proj.weight': [numHeads * hd, h],
    'self_attn.k_proj.weight': [numKvHeads * hd, h],
    'self_attn.v_proj.weight': [numKvHeads * hd, h],
    'self_attn.o_proj.weight': [h, numHeads * hd],
    'mlp.gate_proj.weight': [ff, h],
    'mlp.up_proj.weight': [ff, h],
    'mlp.down_proj.weight': [h, ff],
  };
  if (cfg.qkvBias) {
    shapes['self_attn.q_proj.bias'] = [numHeads * hd];
    shapes['self_attn.k_proj.bias'] = [numKvHeads * hd];
    shapes['self_attn.v_proj.bias'] = [numKvHeads * hd];
  }
  if (cfg.oBias) shapes['self_attn.o_proj.bias'] = [h];
  if (cfg.mlpBias) {
    shapes['mlp.gate_proj.bias'] = [ff];
    shapes['mlp.up_proj.bias'] = [ff];
    shapes['mlp.down_proj.bias'] = [h];
  }
  if (cfg.qkNorm) {
    shapes['self_attn.q_norm.weight'] = [hd];
    shapes['self_attn.k_norm.weight'] = [hd];
  }
  return shapes;
}

/** The seven LoRA-targetable projections and their [out, in] shapes. */
export function projectionShapes(cfg: ModelConfig): Record<string, [number, number]> {
  const { hiddenSize: h, numHeads, numKvHeads, headDim: hd, intermediateSize: ff } = cfg;
  return {
    'self_attn.q_proj': [numHeads * hd, h],
    'self_attn.k_proj': [numKvHeads * hd, h],
    'self_attn.v_proj': [numKvHeads * hd, h],
    'self_attn.o_proj': [h, numHeads * hd],
    'mlp.gate_proj': [ff, h],
    'mlp.up_proj': [ff, h],
    'mlp.down_proj': [h, ff],
  };
}
