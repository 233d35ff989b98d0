import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loraScaling, parseLoraConfig } from './peft-lora';
import { peftKey, loraModuleKey } from './lora-set';

test('scaling is alpha/r, alpha/sqrt(r) with rsLoRA, with per-module patterns as peft applies them', () => {
  const plain = parseLoraConfig({ peft_type: 'LORA', r: 4, lora_alpha: 8 }, 'a.json');
  assert.equal(loraScaling(plain, 'layers.0.self_attn.q_proj', 4), 2);
  const rs = parseLoraConfig({ r: 16, lora_alpha: 8, use_rslora: true }, 'a.json');
  assert.equal(loraScaling(rs, 'layers.0.mlp.up_proj', 16), 2);
  const pat = parseLoraConfig({ r: 4, lora_alpha: 8, alpha_pattern: { v_proj: 32 } }, 'a.json');
  assert.equal(loraScaling(pat, 'layers.1.self_attn.v_proj', 4), 8);
  assert.equal(loraScaling(pat, 'layers.1.self_attn.q_proj', 4), 2);
});

test('non-LoRA or unsupported adapters are refused in one line', () => {
  assert.throws(() => parseLoraConfig({ peft_type: 'PREFIX_TUNING', r: 4 }, 'a.json'), /not a LoRA adapter/);
  assert.throws(() => parseLoraConfig({ r: 4, use_dora: true }, 'a.json'), /DoRA adapters are not supported/);
  assert.throws(() => parseLoraConfig({ lora_alpha: 8 }, 'a.json'), /positive "r"/);
});

test('peft key names', () => {
  assert.equal(peftKey(loraModuleKey(3, 'mlp.down_proj'), 'B'), 'base_model.model.model.layers.3.mlp.down_proj.lora_B.weight');
});
