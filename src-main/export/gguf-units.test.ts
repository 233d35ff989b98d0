import assert from 'node:assert/strict';
import { test } from 'node:test';
import { float32ToHalfBits } from '../engine/io/half-float';
import { permuteForLlamaRope, quantizeQ8_0, unpermuteForLlamaRope, ggmlTypeFor, ggufTensorName } from './gguf-tensors';
import { GgmlType } from './gguf-format';

test('f16 rounding: nearest even, overflow to inf, subnormals, signs, NaN', () => {
  assert.equal(float32ToHalfBits(1), 0x3c00);
  assert.equal(float32ToHalfBits(-2), 0xc000);
  assert.equal(float32ToHalfBits(65504), 0x7bff);
  assert.equal(float32ToHalfBits(65520), 0x7c00); // halfway to the next binade: rounds to inf
  assert.equal(float32ToHalfBits(1 + 2 ** -11), 0x3c00); // tie -> even
  assert.equal(float32ToHalfBits(1 + 3 * 2 ** -11), 0x3c02); // tie -> even (up)
  assert.equal(float32ToHalfBits(2 ** -24), 0x0001);
  assert.equal(float32ToHalfBits(2 ** -25), 0x0000); // tie -> even (zero)
  assert.equal(float32ToHalfBits(3 * 2 ** -25), 0x0002);
  assert.equal(float32ToHalfBits(-0), 0x8000);
  assert.equal(float32ToHalfBits(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(float32ToHalfBits(NaN) & 0x3ff, 0);
});

test('q8_0 block by hand: d = max|x|/127 as f16, q = round half away from zero', () => {
  const x = new Float32Array(32);
  x[0] = 127;
  x[1] = -63.5;
  x[2] = 0.5;
  x[3] = -0.5;
  x[4] = 1.49;
  const b = quantizeQ8_0(x);
  assert.equal(b.length, 34);
  const view = new DataView(b.buffer);
  assert.equal(view.getUint16(0, true), 0x3c00); // d = 1
  assert.deepEqual([view.getInt8(2), view.getInt8(3), view.getInt8(4), view.getInt8(5), view.getInt8(6), view.getInt8(7)], [127, -64, 1, -1, 1, 0]);
  assert.deepEqual(Array.from(quantizeQ8_0(new Float32Array(32))), new Array(34).fill(0)); // all-zero block
});

test('llama q/k permutation: rotate-half rows -> interleaved pairs, and back', () => {
  // One head, head_dim 4, one column: HF rows [a0 a1 | b0 b1] -> llama.cpp [a0 b0 a1 b1].
  assert.deepEqual(Array.from(permuteForLlamaRope(new Float32Array([0, 1, 2, 3]), 1, 4)), [0, 2, 1, 3]);
  const w = Float32Array.from({ length: 2 * 8 * 3 }, (_, i) => i); // 2 heads x hd 8, 3 columns
  assert.deepEqual(unpermuteForLlamaRope(permuteForLlamaRope(w, 2, 16), 2, 16), w);
});

test('tensor names and types as convert_hf_to_gguf.py chooses them', () => {
  assert.equal(ggufTensorName('model.layers.7.mlp.down_proj.weight'), 'blk.7.ffn_down.weight');
  assert.equal(ggufTensorName('model.layers.0.self_attn.q_norm.weight'), 'blk.0.attn_q_norm.weight');
  assert.equal(ggufTensorName('lm_head.weight'), 'output.weight');
  assert.equal(ggufTensorName('model.layers.0.self_attn.rotary_emb.inv_freq'), undefined);
  assert.equal(ggmlTypeFor('blk.0.attn_q.weight', [64, 64], 'q8_0'), GgmlType.Q8_0);
  assert.equal(ggmlTypeFor('blk.0.attn_q.weight', [64, 40], 'q8_0'), GgmlType.F16); // 40 is no whole block
  assert.equal(ggmlTypeFor('blk.0.attn_q.bias', [64], 'q8_0'), GgmlType.F32);
  assert.equal(ggmlTypeFor('blk.0.attn_q_norm.weight', [128], 'f16'), GgmlType.F32);
});
