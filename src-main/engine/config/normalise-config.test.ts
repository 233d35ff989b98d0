import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyQwen2Model } from '../../test-support/paths';
import { normaliseConfig } from './normalise-config';

const fixture = JSON.parse(readFileSync(join(tinyQwen2Model, 'config.json'), 'utf8')) as Record<string, unknown>;
const base = { model_type: 'llama', hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 100 };

test('the fixture config (both rope spellings, both dtype spellings) normalises', () => {
  const c = normaliseConfig(fixture);
  assert.equal(c.family, 'qwen2');
  assert.equal(c.rope.theta, 1e6);
  assert.equal(c.headDim, 8);
  assert.equal(c.numKvHeads, 2);
  assert.equal(c.tieWordEmbeddings, true);
  assert.equal(c.qkvBias, true);
  assert.equal(c.oBias, false);
  assert.equal(c.dtype, 'bfloat16');
  assert.deepEqual(c.eosTokenIds, [151645]);
});

test('rope_theta alone, rope_parameters alone, and torch_dtype alone all work', () => {
  const { rope_parameters: _rp, dtype: _d, ...classic } = fixture;
  assert.equal(normaliseConfig(classic).rope.theta, 1e6);
  assert.equal(normaliseConfig(classic).dtype, 'bfloat16');
  const { rope_theta: _rt, torch_dtype: _td, ...modern } = fixture;
  assert.equal(normaliseConfig(modern).rope.theta, 1e6);
  assert.equal(normaliseConfig(modern).dtype, 'bfloat16');
});

test('family defaults: llama unties and has no bias; qwen3 takes head_dim and q/k norm', () => {
  const l = normaliseConfig(base);
  assert.equal(l.tieWordEmbeddings, false);
  assert.equal(l.numKvHeads, 4);
  assert.equal(l.qkvBias || l.oBias || l.mlpBias, false);
  assert.equal(normaliseConfig({ ...base, attention_bias: true, mlp_bias: true }).oBias, true);
  const q3 = normaliseConfig({ ...base, model_type: 'qwen3', head_dim: 32, eos_token_id: [1, 2] });
  assert.equal(q3.headDim, 32);
  assert.equal(q3.qkNorm, true);
  assert.equal(q3.tieWordEmbeddings, true);
  assert.deepEqual(q3.eosTokenIds, [1, 2]);
  const rope = normaliseConfig({
    ...base,
    rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    rope_theta: 5e5,
  }).rope;
  assert.equal(rope.type, 'llama3');
  assert.equal(rope.factor, 8);
});

test('unknown model_type and unsupported rope_type are refused in one line', () => {
  assert.throws(
    () => normaliseConfig({ ...base, model_type: 'gpt2' }, '/m/config.json'),
    (e: Error) => /model_type "gpt2" is not supported/.test(e.message) && /qwen2/.test(e.message) && !e.message.includes('\n'),
  );
  assert.throws(() => normaliseConfig({ ...base, rope_parameters: { rope_type: 'yarn', rope_theta: 1e4 } }), /rope_type "yarn" is not supported/);
  assert.throws(() => normaliseConfig({ ...base, hidden_size: undefined }), /"hidden_size" is missing/);
});
