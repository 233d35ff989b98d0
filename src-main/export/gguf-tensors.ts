/**
 * Hugging Face weights -> GGUF tensors as llama.cpp's `convert_hf_to_gguf.py` lays them out for
 * the qwen2 / qwen3 / llama architectures: llama.cpp tensor names, ggml types (1-D tensors, norms
 * and biases stay F32; matrices become F16 or Q8_0, with F16 where a row is not a whole number of
 * Q8_0 blocks), and Llama's q/k rows permuted from the Hugging Face rotate-half RoPE layout to the
 * interleaved one llama.cpp's llama architecture expects (Qwen uses NeoX RoPE in llama.cpp, so no
 * permutation there).
 */
import type { ModelConfig } from '../engine/config/model-config';
import { float32ToHalfArray } from '../engine/io/half-float';
import { GgmlType, Q8_0_BLOCK, Q8_0_BLOCK_BYTES } from './gguf-format';

const LAYER_NAMES: Record<string, string> = {
  'input_layernorm.weight': 'attn_norm.weight',
  'self_attn.q_proj.weight': 'attn_q.weight',
  'self_attn.q_proj.bias': 'attn_q.bias',
  'self_attn.k_proj.weight': 'attn_k.weight',
  'self_attn.k_proj.bias': 'attn_k.bias',
  'self_attn.v_proj.weight': 'attn_v.weight',
  'self_attn.v_proj.bias': 'attn_v.bias',
  'self_attn.o_proj.weight': 'attn_output.weight',
  'self_attn.o_proj.bias': 'attn_output.bias',
  'self_attn.q_norm.weight': 'attn_q_norm.weight',
  'self_attn.k_norm.weight': 'attn_k_norm.weight',
  'post_attention_layernorm.weight': 'ffn_norm.weight',
  'mlp.gate_proj.weight': 'ffn_gate.weight',
  'mlp.up_proj.weight': 'ffn_up.weight',
  'mlp.down_proj.weight': 'ffn_down.weight',
  'mlp.gate_proj.bias': 'ffn_gate.bias',
  'mlp.up_proj.bias': 'ffn_up.bias',
  'mlp.down_proj.bias': 'ffn_down.bias',
};

const GLOBAL_NAMES: Record<string, string> = {
  'model.embed_tokens.weight': 'token_embd.weight',
  'model.norm.weight': 'output_norm.weight',
  'lm_head.weight': 'output.weight',
};

/** llama.cpp's name for a Hugging Face tensor, or undefined for tensors llama.cpp does not use. */
export function ggufTensorName(hfName: string): string | undefined {
  if (GLOBAL_NAMES[hfName]) return GLOBAL_NAMES[hfName];
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hfName);
  if (!m) return undefined;
  const suffix = LAYER_NAMES[m[2]];
  return suffix ? `blk.${m[1]}.${suffix}` : undefined;
}

export type GgufOutType = 'f16' | 'q8_0';

/** The ggml type convert_hf_to_gguf.py would choose for this tensor. */
export function ggmlTypeFor(ggufName: string, shape: number[], out: GgufOutType): GgmlType {
  if (shape.length <= 1 || ggufName.endsWith('_norm.weight') || !ggufName.endsWith('.weight')) return GgmlType.F32;
  if (out === 'q8_0' && shape[shape.length - 1] % Q8_0_BLOCK === 0) return GgmlType.Q8_0;
  return GgmlType.F16;
}

/**
 * Llama q/k: HF rows for one head are [first halves of the rotary pairs..., second halves...];
 * llama.cpp's llama RoPE rotates adjacent pairs. Reorders rows (head, 2, hd/2) -> (head, hd/2, 2).
 * Works for weights [out, in] and biases [out] (inner = 1).
 */
export function permuteForLlamaRope(values: Float32Array, heads: number, rows: number): Float32Array {
  const inner = values.length / rows;
  const half = rows / heads / 2;
  const out = new Float32Array(values.length);
  for (let h = 0; h < heads; h++) {
    for (let two = 0; two < 2; two++) {
      for (let j = 0; j < half; j++) {
        const src = h * 2 * half + two * half + j; // (h, two, j)
        const dst = h * 2 * half + j * 2 + two; // (h, j, two)
        out.set(values.subarray(src * inner, (src + 1) * inner), dst * inner);
      }
    }
  }
  return out;
}

/** The inverse of permuteForLlamaRope (for reading a GGUF back into the engine). */
export function unpermuteForLlamaRope(values: Float32Array, heads: number, rows: number): Float32Array {
  const inner = values.length / rows;
  const half = rows / heads / 2;
  const out = new Float32Array(values.length);
  for (let h = 0; h < heads; h++) {
    for (let two = 0; two < 2; two++) {
      for (let j = 0; j < half; j++) {
        const hf = h * 2 * half + two * half + j;
        const gg = h * 2 * half + j * 2 + two;
        out.set(values.subarray(gg * inner, (gg + 1) * inner), hf * inner);
      }
    }
  }
  return out;
}

/** Head count to permute an HF tensor with, or 0 when it needs no permutation. */
export function llamaPermuteHeads(hfName: string, cfg: ModelConfig): number {
  if (cfg.family !== 'llama') return 0;
  if (/self_attn\.q_proj\.(weight|bias)$/.test(hfName)) return cfg.numHeads;
  if (/self_attn\.k_proj\.(weight|bias)$/.test(hfName)) return cfg.numKvHeads;
  return 0;
}

const roundHalfAway = (x: number): number => (x < 0 ? -Math.round(-x) : Math.round(x));

/**
 * Q8_0 as gguf-py's `quants.Q8_0` computes it: per block of 32, d = max|x| / 127 (stored as f16),
 * q = round-half-away(x / d) with float32 arithmetic; an all-zero block stores d = 0, q = 0.
 */
export function quantizeQ8_0(values: Float32Array): Uint8Array {
  const blocks = values.length / Q8_0_BLOCK;
  const out = new Uint8Array(blocks * Q8_0_BLOCK_BYTES);
  const view = new DataView(out.buffer);
  const scale = new Float32Array(1);
  for (let b = 0; b < blocks; b++) {
    let amax = 0;
    for (let i = 0; i < Q8_0_BLOCK; i++) amax = Math.max(amax, Math.abs(values[b * Q8_0_BLOCK + i]));
    scale[0] = amax / 127;
    const d = scale[0];
    const at = b * Q8_0_BLOCK_BYTES;
    view.setUint16(at, float32ToHalfArray(scale)[0], true);
    for (let i = 0; i < Q8_0_BLOCK; i++) {
      const q = d === 0 ? 0 : roundHalfAway(Math.fround(values[b * Q8_0_BLOCK + i] / d));
      view.setInt8(at + 2 + i, q);
    }
  }
  return out;
}

export function encodeGgml(values: Float32Array, type: GgmlType): Uint8Array {
  switch (type) {
    case GgmlType.F32:
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    case GgmlType.F16: {
      const h = float32ToHalfArray(values);
      return new Uint8Array(h.buffer);
    }
    case GgmlType.Q8_0:
      return quantizeQ8_0(values);
    case GgmlType.BF16:
      throw new Error('encodeGgml: BF16 output is not offered');
  }
}
