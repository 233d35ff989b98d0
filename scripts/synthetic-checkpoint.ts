/**
 * Writes a Hugging Face model folder with random weights in a real model's shape (config.json,
 * generation_config.json, model.safetensors written tensor by tensor so multi-GB files never sit
 * in memory, optional tokenizer files copied from another folder). For load/speed benchmarks
 * without downloads, and for structural tests of the Qwen3 and Llama paths.
 */
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeTensorBytes, planSafetensors, type TensorSpec } from '../src-main/engine/io/safetensors';

export interface ShapePreset {
  model_type: 'qwen2' | 'qwen3' | 'llama';
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim?: number;
  vocab_size: number;
  tie_word_embeddings: boolean;
  rope_theta: number;
  max_position_embeddings: number;
  attention_bias?: boolean;
}

/** Shapes from the published config.json of each model; `tiny*` are ours, for tests. */
export const SHAPES: Record<string, ShapePreset> = {
  'qwen2.5-0.5b': {
    model_type: 'qwen2',
    hidden_size: 896,
    intermediate_size: 4864,
    num_hidden_layers: 24,
    num_attention_heads: 14,
    num_key_value_heads: 2,
    vocab_size: 151936,
    tie_word_embeddings: true,
    rope_theta: 1e6,
    max_position_embeddings: 32768,
  },
  'qwen2.5-1.5b': {
    model_type: 'qwen2',
    hidden_size: 1536,
    intermediate_size: 8960,
    num_hidden_layers: 28,
    num_attention_heads: 12,
    num_key_value_heads: 2,
    vocab_size: 151936,
    tie_word_embeddings: true,
    rope_theta: 1e6,
    max_position_embeddings: 32768,
  },
  'qwen2.5-7b': {
    model_type: 'qwen2',
    hidden_size: 3584,
    intermediate_size: 18944,
    num_hidden_layers: 28,
    num_attention_heads: 28,
    num_key_value_heads: 4,
    vocab_size: 152064,
    tie_word_embeddings: false,
    rope_theta: 1e6,
    max_position_embeddings: 32768,
  },
  tiny: {
    model_type: 'qwen2',
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    vocab_size: 512,
    tie_word_embeddings: true,
    rope_theta: 1e4,
    max_position_embeddings: 512,
  },
  // head_dim 16 != hidden/heads (8): exercises Qwen3's explicit head_dim.
  'tiny-qwen3': {
    model_type: 'qwen3',
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 16,
    vocab_size: 512,
    tie_word_embeddings: true,
    rope_theta: 1e6,
    max_position_embeddings: 512,
  },
  'tiny-llama': {
    model_type: 'llama',
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 1,
    vocab_size: 512,
    tie_word_embeddings: false,
    rope_theta: 5e5,
    max_position_embeddings: 512,
  },
};

export interface SyntheticOptions {
  shape: string;
  out: string;
  dtype?: 'bf16' | 'f32';
  seed?: number;
  /** Standard deviation of the random weights (norm weights are 1 + noise). */
  std?: number;
  tokenizer?: string;
  /** Override the preset's tying. */
  tie?: boolean;
  /** Write `rope_parameters` (transformers 5) instead of `rope_theta` (4.x). */
  ropeParameters?: boolean;
}

/** mulberry32 + Box-Muller: reproducible normals without holding state beyond one number. */
function normalFiller(seed: number): (out: Float32Array, std: number, mean: number) => void {
  let s = seed >>> 0;
  const uniform = () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return (out, std, mean) => {
    for (let i = 0; i < out.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(uniform()));
      const a = 2 * Math.PI * uniform();
      out[i] = mean + std * r * Math.cos(a);
      if (i + 1 < out.length) out[i + 1] = mean + std * r * Math.sin(a);
    }
  };
}

export function tensorSpecs(p: ShapePreset, dtype: 'F32' | 'BF16'): TensorSpec[] {
  const h = p.hidden_size;
  const hd = p.head_dim ?? h / p.num_attention_heads;
  const q = p.num_attention_heads * hd;
  const kv = p.num_key_value_heads * hd;
  const ff = p.intermediate_size;
  const qkvBias = p.model_type === 'qwen2' || p.attention_bias === true;
  const specs: TensorSpec[] = [{ name: 'model.embed_tokens.weight', shape: [p.vocab_size, h], dtype }];
  for (let i = 0; i < p.num_hidden_layers; i++) {
    const l = `model.layers.${i}`;
    specs.push(
      { name: `${l}.input_layernorm.weight`, shape: [h], dtype },
      { name: `${l}.post_attention_layernorm.weight`, shape: [h], dtype },
      { name: `${l}.self_attn.q_proj.weight`, shape: [q, h], dtype },
      { name: `${l}.self_attn.k_proj.weight`, shape: [kv, h], dtype },
      { name: `${l}.self_attn.v_proj.weight`, shape: [kv, h], dtype },
      { name: `${l}.self_attn.o_proj.weight`, shape: [h, q], dtype },
      { name: `${l}.mlp.gate_proj.weight`, shape: [ff, h], dtype },
      { name: `${l}.mlp.up_proj.weight`, shape: [ff, h], dtype },
      { name: `${l}.mlp.down_proj.weight`, shape: [h, ff], dtype },
    );
    if (qkvBias)
      specs.push(
        { name: `${l}.self_attn.q_proj.bias`, shape: [q], dtype },
        { name: `${l}.self_attn.k_proj.bias`, shape: [kv], dtype },
        { name: `${l}.self_attn.v_proj.bias`, shape: [kv], dtype },
      );
    if (p.model_type !== 'qwen2' && p.attention_bias) specs.push({ name: `${l}.self_attn.o_proj.bias`, shape: [h], dtype });
    if (p.model_type === 'qwen3')
      specs.push({ name: `${l}.self_attn.q_norm.weight`, shape: [hd], dtype }, { name: `${l}.self_attn.k_norm.weight`, shape: [hd], dtype });
  }
  specs.push({ name: 'model.norm.weight', shape: [h], dtype });
  if (!p.tie_word_embeddings) specs.push({ name: 'lm_head.weight', shape: [p.vocab_size, h], dtype });
  return specs;
}

export function configJson(p: ShapePreset, dtype: 'bf16' | 'f32', ropeParameters: boolean): Record<string, unknown> {
  const arch = { qwen2: 'Qwen2ForCausalLM', qwen3: 'Qwen3ForCausalLM', llama: 'LlamaForCausalLM' }[p.model_type];
  const torchDtype = dtype === 'bf16' ? 'bfloat16' : 'float32';
  const { rope_theta, ...rest } = p;
  return {
    architectures: [arch],
    ...rest,
    hidden_act: 'silu',
    rms_norm_eps: 1e-6,
    bos_token_id: 151643 % p.vocab_size,
    eos_token_id: 151645 % p.vocab_size,
    ...(ropeParameters ? { rope_parameters: { rope_type: 'default', rope_theta }, dtype: torchDtype } : { rope_theta, torch_dtype: torchDtype }),
    attention_dropout: 0,
    use_cache: true,
  };
}

/** Writes the folder; returns the safetensors file size in bytes. */
export function writeSyntheticCheckpoint(opts: SyntheticOptions): number {
  const preset = SHAPES[opts.shape];
  if (!preset) throw new Error(`unknown --shape ${opts.shape}; one of ${Object.keys(SHAPES).join(', ')}`);
  const p: ShapePreset = { ...preset, tie_word_embeddings: opts.tie ?? preset.tie_word_embeddings };
  const dtype = opts.dtype ?? 'bf16';
  const stored = dtype === 'bf16' ? 'BF16' : 'F32';
  const std = opts.std ?? 0.02;
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, 'config.json'), JSON.stringify(configJson(p, dtype, opts.ropeParameters ?? false), null, 2));
  const cfg = configJson(p, dtype, false);
  writeFileSync(join(opts.out, 'generation_config.json'), JSON.stringify({ bos_token_id: cfg.bos_token_id, eos_token_id: cfg.eos_token_id }, null, 2));
  const plan = planSafetensors(tensorSpecs(p, stored), { format: 'pt' });
  const fill = normalFiller(opts.seed ?? 0);
  const fd = openSync(join(opts.out, 'model.safetensors'), 'w');
  try {
    writeSync(fd, plan.headerBytes);
    for (const spec of plan.order) {
      const values = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
      const isNorm = /norm\.weight$/.test(spec.name);
      fill(values, isNorm ? 0.1 : std, isNorm ? 1 : 0);
      writeSync(fd, encodeTensorBytes(values, stored));
    }
  } finally {
    closeSync(fd);
  }
  if (opts.tokenizer) {
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) {
      if (existsSync(join(opts.tokenizer, f))) copyFileSync(join(opts.tokenizer, f), join(opts.out, f));
    }
  }
  return plan.headerBytes.byteLength + plan.dataBytes;
}
