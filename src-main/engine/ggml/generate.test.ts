/**
 * Generation on ggml: batched left-padded generation gives what one-at-a-time generation gives
 * (greedy and seeded sampling), streaming text arrives in pieces that add up to the result, and an
 * op the backend cannot run is refused in one line before any compute.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { tempDir } from '../../test-support/paths';
import { testBackend } from '../../test-support/ggml';
import { writeSyntheticCheckpoint } from '../../../scripts/synthetic-checkpoint';
import { loadGgmlWeightsFromDir } from '../../engine-node/ggml-load';
import type { ComputeBackend } from './backend';
import { GgmlCausalLM } from './causal-lm';
import { generateBatchGgml, generateGgml } from './generate';
import type { GgmlModelWeights } from './model-weights';

let backend: ComputeBackend;
let weights: GgmlModelWeights;
let model: GgmlCausalLM;
before(async () => {
  const dir = join(tempDir(), 'tiny');
  writeSyntheticCheckpoint({ shape: 'tiny', out: dir, dtype: 'f32', std: 0.3, seed: 3 });
  backend = testBackend('cpu').backend;
  weights = await loadGgmlWeightsFromDir(dir, backend, { weights: 'f32' });
  model = new GgmlCausalLM(weights, backend);
});
after(() => {
  model.dispose();
  weights.dispose();
  backend.dispose();
});

const PROMPTS = [
  [5, 77, 300, 12, 9],
  [411, 260],
  [3, 8, 100],
];

test('a left-padded batch generates what each prompt generates alone (greedy and seeded sampling)', async () => {
  for (const sampling of [{ greedy: true as const }, { greedy: false as const, temperature: 0.9, topK: 50, topP: 0.95, seed: 7 }]) {
    const alone = [];
    for (const p of PROMPTS) alone.push((await generateGgml(model, p, { maxNewTokens: 10, sampling, eosTokenIds: [] })).ids);
    const batched = await generateBatchGgml(model, PROMPTS, { maxNewTokens: 10, sampling, eosTokenIds: [] });
    assert.deepEqual(
      batched.map((r) => r.ids),
      alone,
      sampling.greedy ? 'greedy' : 'sampled',
    );
  }
});

test('streaming: onText pieces join to the decoded result; onToken sees every id', async () => {
  const seen: number[] = [];
  let text = '';
  const decode = (ids: number[]) => ids.map((i) => `<${i}>`).join('');
  const r = await generateGgml(model, PROMPTS[0], {
    maxNewTokens: 6,
    sampling: { greedy: true },
    eosTokenIds: [],
    onToken: (id) => seen.push(id),
    decode,
    onText: (d) => (text += d),
  });
  assert.deepEqual(seen, r.ids);
  assert.equal(text, decode(r.ids));
});

test('an op the backend lacks is one line naming the op and the backend, before computing', async () => {
  const lacking = Object.create(backend, { supportsOp: { value: () => false } }) as ComputeBackend;
  const m = new GgmlCausalLM(weights, lacking);
  try {
    const cache = m.newCache(1, 3);
    await assert.rejects(m.forward(cache, [1, 2, 3], 3, { logits: 'last' }), (e: Error) => {
      assert.match(
        e.message,
        /^the cpu backend \(.*\) cannot run GET_ROWS, .*MUL_MAT.*\(first: GET_ROWS .*\); choose --backend cpu, or another --weights type$/,
      );
      assert.equal(e.message.split('\n').length, 1);
      return true;
    });
    assert.equal(cache.pastLength, 0, 'nothing half-done: the cache did not advance');
    cache.dispose();
  } finally {
    m.dispose();
  }
});
