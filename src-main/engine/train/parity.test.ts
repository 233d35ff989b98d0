/**
 * Training parity with ../shared/fixtures/tiny-qwen2 (transformers + peft in float64): the SFT loss
 * with and without the adapter, every LoRA gradient and the global gradient norm, with and without
 * gradient checkpointing, on the cpu backend.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from '../../training/register-gradients';
import { readSafetensorsFile } from '../../training/read-safetensors';
import { loadAdapterFromDir, loadModelFromDir } from '../../engine-node/load-tfjs-model';
import { tinyQwen2Adapter, tinyQwen2Dir, tinyQwen2Model } from '../../test-support/paths';
import type { CausalLM } from '../models/causal-lm';
import { loraFromLoaded } from './lora-params';
import { collate, shiftLabels } from './batching';
import { evalLoss, lossAndGrads } from './step';
import type { AdapterUnderTraining } from './adapter-under-training';
import { disposeAdapter } from './adapter-under-training';
import { globalNorm } from '../optim/clip';

const goldens = JSON.parse(readFileSync(join(tinyQwen2Dir, 'goldens.json'), 'utf8'));
let model: CausalLM;
let adapter: AdapterUnderTraining;

before(async () => {
  await registerGradients();
  await tf.setBackend('cpu');
  model = await loadModelFromDir(tinyQwen2Model);
  const loaded = await loadAdapterFromDir(tinyQwen2Adapter, model.config);
  adapter = { method: 'lora', lora: loraFromLoaded(loaded, 0), spec: { r: 4, alpha: 8, dropout: 0, useRslora: false } };
});
after(() => {
  disposeAdapter(adapter);
  model.dispose();
});

const sftBatch = () => collate([[{ ids: goldens.sft.ids, targets: shiftLabels(goldens.sft.labels), source: 0 }]], 0, false);

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

test('SFT loss without and with the adapter matches transformers', () => {
  const base = evalLoss(model, undefined, [sftBatch()]);
  close(base.sum / base.count, goldens.sft.loss, 1e-4, 'base sft loss');
  const withAdapter = evalLoss(model, adapter, [sftBatch()]);
  close(withAdapter.sum / withAdapter.count, goldens.adapter.sft_loss, 1e-4, 'adapter sft loss');
});

for (const checkpointing of [false, true]) {
  test(`every LoRA gradient and the global norm match peft (gradient checkpointing ${checkpointing ? 'on' : 'off'})`, async () => {
    const want = await readSafetensorsFile(join(tinyQwen2Dir, 'lora_grads.safetensors'));
    const before = tf.memory().numTensors;
    const got = lossAndGrads(model, adapter, [sftBatch()], [0], checkpointing);
    close(got.loss, goldens.adapter.sft_loss, 1e-4, 'loss');
    assert.equal(Object.keys(got.grads).length, want.size);
    for (const [name, ref] of want) {
      const g = got.grads[name];
      assert.ok(g, `gradient for ${name}`);
      assert.deepEqual(g.shape, ref.shape);
      const data = g.dataSync();
      const scale = Math.max(...Array.from(ref.data, Math.abs));
      for (let i = 0; i < data.length; i++) {
        // elementwise 1e-3 relative on entries that are not tiny (fixtures README)
        const tol = 1e-3 * Math.max(Math.abs(ref.data[i]), 1e-2 * scale);
        assert.ok(Math.abs(data[i] - ref.data[i]) <= tol, `${name}[${i}]: ${data[i]} vs ${ref.data[i]}`);
      }
    }
    close(await globalNorm(got.grads), goldens.adapter.grad_global_norm, 1e-3, 'global grad norm');
    for (const g of Object.values(got.grads)) g.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind by a step');
  });
}
