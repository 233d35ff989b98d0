/**
 * Loads a PEFT PREFIX_TUNING adapter for inference: adapter_config.json (num_virtual_tokens,
 * num_layers, token_dim, num_attention_heads) and the `prompt_embeddings` tensor [P, L*2*token_dim],
 * checked against the base model (token_dim must be nKv * head_dim, as peft derives it for GQA),
 * then turned into the per-layer host keys/values the KV cache takes (prefix-tuning.ts layout).
 */
import { UserError } from '../errors';
import type { ModelConfig } from '../config/model-config';
import type { HostPrefix } from '../ggml/causal-lm';
import { hostPrefixOfFlat } from '../ggml/prefix-kv';
import { kvDim } from './prefix-tuning';

export interface PrefixAdapterConfig {
  numVirtualTokens: number;
  numLayers: number;
  tokenDim: number;
}

export function isPrefixTuningConfig(raw: unknown): boolean {
  return (raw as { peft_type?: unknown })?.peft_type === 'PREFIX_TUNING';
}

export function parsePrefixConfig(raw: unknown, where: string): PrefixAdapterConfig {
  const c = (raw ?? {}) as Record<string, unknown>;
  const num = (k: string) => {
    const v = c[k];
    if (typeof v !== 'number' || !(v > 0)) throw new UserError(`adapter_config.json needs a positive "${k}"`, { where: `${where} (${k})` });
    return v;
  };
  if (c.num_transformer_submodules !== undefined && c.num_transformer_submodules !== null && c.num_transformer_submodules !== 1) {
    throw new UserError('prefix adapters for encoder-decoder models are not supported', { where: `${where} (num_transformer_submodules)` });
  }
  return { numVirtualTokens: num('num_virtual_tokens'), numLayers: num('num_layers'), tokenDim: num('token_dim') };
}

/** Per-layer host prefix keys/values ([P][nKv][hd]) from the saved flat prompt_embeddings. */
export function prefixFromEmbeddings(cfg: PrefixAdapterConfig, flat: Float32Array, shape: number[], model: ModelConfig, where: string): HostPrefix {
  if (cfg.numLayers !== model.numLayers || cfg.tokenDim !== kvDim(model)) {
    throw new UserError(
      `adapter for another model: the prefix is for ${cfg.numLayers} layers of key/value width ${cfg.tokenDim}, the base model has ${model.numLayers} layers of width ${kvDim(model)}`,
      { where, hint: 'use the base model the adapter was trained on' },
    );
  }
  const want = [cfg.numVirtualTokens, cfg.numLayers * 2 * cfg.tokenDim];
  if (shape.length !== 2 || shape[0] !== want[0] || shape[1] !== want[1]) {
    throw new UserError(`prompt_embeddings is [${shape}] but adapter_config.json implies [${want}]`, { where });
  }
  return hostPrefixOfFlat(flat, cfg.numVirtualTokens, cfg.numLayers, cfg.tokenDim);
}
