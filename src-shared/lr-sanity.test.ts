import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lrAdvice } from './lr-sanity';

test('lrAdvice: far outside the usual range for the method, in either direction', () => {
  assert.equal(lrAdvice('lora', 2e-4), null);
  assert.deepEqual(lrAdvice('lora', 2e-2), { kind: 'high', usual: [1e-5, 1e-3] }, "P-Tuning's rate on LoRA");
  assert.deepEqual(lrAdvice('lora', 1e-6), { kind: 'low', usual: [1e-5, 1e-3] });
  assert.equal(lrAdvice('ptuning', 2e-2), null, "ChatGLM's p-tuning rate");
  assert.deepEqual(lrAdvice('ptuning', 2e-4), { kind: 'low', usual: [1e-3, 5e-2] }, "LoRA's rate on a prefix");
  assert.deepEqual(lrAdvice('ptuning', 0.5), { kind: 'high', usual: [1e-3, 5e-2] });
  assert.equal(lrAdvice('lora', 0), null);
});
