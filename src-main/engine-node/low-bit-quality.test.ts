/**
 * The quality cost of low-bit frozen weights (issue 14), held to what `npm run bench:quality` measured
 * (docs/BENCHMARKS.md, "Low-bit frozen weights: the quality cost") with about 3x margin. On the fixture
 * (tiny-qwen2 + PEFT adapter, against transformers + peft in float64) the cpu kernels are
 * deterministic, so each type's error is a fixed number: measured relative errors of the SFT loss
 * bf16 2.7e-4, f16 2.7e-5, q8_0 1.4e-3, q4_0 1.5e-2; of the gradient norm 8.2e-4, 2.8e-4, 3.6e-3,
 * 8.7e-3. f32 stays at the fixtures' own 1e-4 / 1e-3.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrozenType } from '../engine/ggml-train/frozen-weights';
import { fixtureQuality } from '../test-support/low-bit-quality';

const LIMITS: Record<FrozenType, { loss: number; gradNorm: number }> = {
  f32: { loss: 1e-4, gradNorm: 1e-3 },
  f16: { loss: 1e-4, gradNorm: 1e-3 },
  bf16: { loss: 1e-3, gradNorm: 3e-3 },
  q8_0: { loss: 5e-3, gradNorm: 1e-2 },
  q4_0: { loss: 5e-2, gradNorm: 3e-2 },
};

for (const [type, limit] of Object.entries(LIMITS) as [FrozenType, { loss: number; gradNorm: number }][]) {
  test(`${type} frozen weights: the fixture's SFT loss, gradient norm and AdamW losses within the measured cost`, async () => {
    const q = await fixtureQuality(type);
    assert.ok(q.lossRelError <= limit.loss, `SFT loss ${q.loss}: ${q.lossRelError} relative > ${limit.loss}`);
    assert.ok(q.gradNormRelError <= limit.gradNorm, `grad norm ${q.gradNorm}: ${q.gradNormRelError} relative > ${limit.gradNorm}`);
    assert.ok(q.adamwLossRelError <= limit.loss, `loss before the AdamW steps ${q.adamwLosses}: ${q.adamwLossRelError} relative > ${limit.loss}`);
    // The three steps still descend on every type.
    assert.ok(q.adamwLosses[2] < q.adamwLosses[1] && q.adamwLosses[1] < q.adamwLosses[0], `losses ${q.adamwLosses}`);
  });
}
