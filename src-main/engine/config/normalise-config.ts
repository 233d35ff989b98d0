/**
 * Normalises a Hugging Face `config.json` (transformers 4.x and 5.x spellings) into `ModelConfig`.
 * Handles: `rope_theta` vs `rope_parameters` / `rope_scaling`, `dtype` vs `torch_dtype`,
 * `tie_word_embeddings` (per-family default as in transformers), family flags from models/<family>.ts,
 * `head_dim` (explicit in Qwen3, derived elsewhere), scalar or list `eos_token_id`.
 * Unknown families and RoPE types are refused with one line saying what is supported.
 */
import { UserError } from '../errors';
import { FAMILIES } from '../models/families';
import type { ModelConfig, RopeConfig } from './model-config';

type Raw = Record<string, unknown>;

function num(raw: Raw, key: string, where: string, fallback?: number): number {
  const v = raw[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new UserError(`config field "${key}" is missing`, { where, hint: 'use the config.json that came with the checkpoint' });
  }
  throw new UserError(`config field "${key}" must be a number, got ${JSON.stringify(v)}`, { where });
}

/**
 * Sizes the engine builds structures for, bounded so a hostile config.json (num_hidden_layers: 1e6 took
 * 116 s and 2 GB before failing) is one line at once. The bounds are far above any released model
 * (Llama 3.1 405B: 126 layers, hidden 16384, vocab 128256; Qwen2.5: vocab 152064).
 */
export const CONFIG_BOUNDS: Record<string, number> = {
  hidden_size: 1 << 16,
  intermediate_size: 1 << 20,
  num_hidden_layers: 1024,
  num_attention_heads: 1024,
  num_key_value_heads: 1024,
  head_dim: 4096,
  vocab_size: 1 << 22,
  max_position_embeddings: 1 << 24,
};

/** A positive integer size field within CONFIG_BOUNDS. */
function size(raw: Raw, key: string, where: string, fallback?: number): number {
  const v = num(raw, key, where, fallback);
  const max = CONFIG_BOUNDS[key] ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isInteger(v) || v < 1 || v > max) {
    throw new UserError(`config field "${key}" must be a whole number from 1 to ${max}, got ${v}`, {
      where: `${where} (${key})`,
      hint: 'use the config.json that came with the checkpoint',
    });
  }
  return v;
}

/** A positive real field below `max` (rms_norm_eps, rope_theta): a negative epsilon gives NaN everywhere. */
function positive(raw: Raw, key: string, where: string, fallback: number, max = Number.MAX_VALUE): number {
  const v = num(raw, key, where, fallback);
  if (!(v > 0 && v < max))
    throw new UserError(`config field "${key}" must be above 0${max < Number.MAX_VALUE ? ` and below ${max}` : ''}, got ${v}`, {
      where: `${where} (${key})`,
      hint: 'use the config.json that came with the checkpoint',
    });
  return v;
}

function ids(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

function normaliseRope(raw: Raw, where: string): RopeConfig {
  // transformers 5 nests everything in rope_parameters; 4.x has rope_theta + optional rope_scaling.
  const params = (raw.rope_parameters ?? raw.rope_scaling ?? {}) as Raw;
  const theta = typeof params.rope_theta === 'number' ? params.rope_theta : positive(raw, 'rope_theta', where, 10000);
  if (!(theta > 0))
    throw new UserError(`rope_theta must be above 0, got ${theta}`, {
      where: `${where} (rope_parameters.rope_theta)`,
      hint: 'use the config.json that came with the checkpoint',
    });
  const type = String(params.rope_type ?? params.type ?? 'default');
  const factor = typeof params.factor === 'number' ? params.factor : 1;
  const base: RopeConfig = { theta, type: 'default', factor: 1, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 };
  if (type === 'default') return base;
  if (type === 'linear') return { ...base, type: 'linear', factor };
  if (type === 'llama3') {
    return {
      ...base,
      type: 'llama3',
      factor,
      lowFreqFactor: typeof params.low_freq_factor === 'number' ? params.low_freq_factor : 1,
      highFreqFactor: typeof params.high_freq_factor === 'number' ? params.high_freq_factor : 4,
      originalMaxPositions: typeof params.original_max_position_embeddings === 'number' ? params.original_max_position_embeddings : 8192,
    };
  }
  throw new UserError(`rope_type "${type}" is not supported`, { where: `${where} (rope_parameters.rope_type)`, hint: 'supported: default, linear, llama3' });
}

export function normaliseConfig(rawIn: unknown, where = 'config.json'): ModelConfig {
  if (!rawIn || typeof rawIn !== 'object' || Array.isArray(rawIn)) throw new UserError('config is not a JSON object', { where });
  const raw = rawIn as Raw;
  const modelType = String(raw.model_type ?? '');
  const spec = Object.prototype.hasOwnProperty.call(FAMILIES, modelType) ? FAMILIES[modelType] : undefined;
  if (!spec) {
    throw new UserError(`model_type "${modelType || '(missing)'}" is not supported`, {
      where: `${where} (model_type)`,
      hint: 'supported families: qwen2 (Qwen2/Qwen2.5), qwen3, llama',
    });
  }
  if (raw.hidden_act !== undefined && raw.hidden_act !== 'silu') {
    throw new UserError(`hidden_act "${String(raw.hidden_act)}" is not supported`, {
      where: `${where} (hidden_act)`,
      hint: 'only silu (SwiGLU) models are supported',
    });
  }
  const hiddenSize = size(raw, 'hidden_size', where);
  const numHeads = size(raw, 'num_attention_heads', where);
  const numKvHeads = size(raw, 'num_key_value_heads', where, numHeads);
  const headDim = raw.head_dim !== undefined && raw.head_dim !== null ? size(raw, 'head_dim', where) : hiddenSize / numHeads;
  if (!Number.isInteger(headDim) || numHeads % numKvHeads !== 0) {
    throw new UserError(`inconsistent heads: hidden_size ${hiddenSize}, num_attention_heads ${numHeads}, num_key_value_heads ${numKvHeads}`, { where });
  }
  const flags = spec.flags(raw);
  const eos = ids(raw.eos_token_id);
  return {
    family: spec.family,
    vocabSize: size(raw, 'vocab_size', where),
    hiddenSize,
    intermediateSize: size(raw, 'intermediate_size', where),
    numLayers: size(raw, 'num_hidden_layers', where),
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: positive(raw, 'rms_norm_eps', where, 1e-6, 1),
    rope: normaliseRope(raw, where),
    maxPositions: size(raw, 'max_position_embeddings', where, 32768),
    tieWordEmbeddings: typeof raw.tie_word_embeddings === 'boolean' ? raw.tie_word_embeddings : flags.tieByDefault,
    qkvBias: flags.qkvBias,
    oBias: flags.oBias,
    mlpBias: flags.mlpBias,
    qkNorm: flags.qkNorm,
    dtype: String(raw.dtype ?? raw.torch_dtype ?? 'float32'),
    bosTokenId: typeof raw.bos_token_id === 'number' ? raw.bos_token_id : undefined,
    eosTokenIds: eos,
    padTokenId: typeof raw.pad_token_id === 'number' ? raw.pad_token_id : undefined,
  };
}
