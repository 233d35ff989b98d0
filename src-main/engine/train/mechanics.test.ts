/**
 * Training mechanics on the project's tiny model: packing never lets attention or the loss cross
 * examples (a packed row's loss equals the examples' separate losses), gradient accumulation over
 * micro-batches equals one batch, checkpointing gives the same gradients, prefix tuning gradients
 * match finite differences. These run the tfjs reference decoder, which no product path trains on
 * any more (docs/ARCHITECTURE.md). Its 200-step tf.memory() check went with the tfjs TrainEngine; the
 * same check of ggml's nativeMemory() over a long run is not written yet.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from '../../engine-node/register-gradients';
import { loadModelFromDir } from '../../engine-node/load-tfjs-model';
import { tempDir } from '../../test-support/paths';
import { writeTinyModel } from '../../test-support/tiny-model';
import type { CausalLM } from '../models/causal-lm';
import { collate, packRows, type PreparedExample } from './batching';
import { createLora } from './lora-params';
import { createPrefix } from './tfjs-prefix';
import { Rng } from './rng';
import { evalLoss, lossAndGrads } from './step';
import { disposeAdapter, trainableParams, type AdapterUnderTraining } from './adapter-under-training';

const root = tempDir();
let modelDir: string;
let model: CausalLM;

before(async () => {
  await registerGradients();
  await tf.setBackend('cpu');
  modelDir = writeTinyModel(join(root, 'tiny'), { hidden: 32, intermediate: 64 });
  model = await loadModelFromDir(modelDir);
});
after(() => model.dispose());

function example(seed: number, len: number, promptLen: number): PreparedExample {
  const rng = new Rng(seed);
  const ids = Array.from({ length: len }, () => rng.nextInt(256));
  const targets = ids.map((_, t) => (t + 1 < len && t + 1 >= promptLen ? ids[t + 1] : -100));
  return { ids, targets, source: seed };
}

function loraAdapter(): AdapterUnderTraining {
  const spec = { r: 4, alpha: 8, dropout: 0, useRslora: false };
  const lora = createLora(model.config, { ...spec, targets: 'all-linear' }, new Rng(1));
  // Non-zero B so that every LoRA gradient is informative.
  for (const [name, v] of lora.params) if (name.includes('lora_B')) tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 3)));
  return { method: 'lora', lora, spec };
}

function prefixAdapter(): AdapterUnderTraining {
  return { method: 'ptuning', prefix: createPrefix(model.config, { numVirtualTokens: 3, projection: false, encoderHidden: 32 }, new Rng(2)) };
}

const exA = example(11, 9, 3);
const exB = example(12, 6, 2);
const exC = example(13, 7, 4);

for (const kind of ['lora', 'ptuning'] as const) {
  test(`packing (${kind}): a packed row's summed loss equals the examples' separate losses`, () => {
    const adapter = kind === 'lora' ? loraAdapter() : prefixAdapter();
    const rows = packRows([exA, exB, exC], 16); // [[A, B], [C]]
    assert.deepEqual(
      rows.map((r) => r.length),
      [2, 1],
    );
    const packed = evalLoss(model, adapter, [collate(rows, 0, true)]);
    const separate = evalLoss(model, adapter, [collate([[exA]], 0, false), collate([[exB]], 0, false), collate([[exC]], 0, false)]);
    assert.equal(packed.count, separate.count);
    assert.ok(Math.abs(packed.sum - separate.sum) < 1e-4 * Math.abs(separate.sum), `${packed.sum} vs ${separate.sum}`);
    // Padding: a right-padded batch of two gives the same sum too.
    const padded = evalLoss(model, adapter, [collate([[exA], [exB]], 0, false), collate([[exC]], 0, false)]);
    assert.ok(Math.abs(padded.sum - separate.sum) < 1e-4 * Math.abs(separate.sum));
    disposeAdapter(adapter);
  });
}

function maxRelDiff(a: Record<string, tf.Tensor>, b: Record<string, tf.Tensor>): number {
  let worst = 0;
  for (const k of Object.keys(a)) {
    const x = a[k].dataSync();
    const y = b[k].dataSync();
    const scale = Math.max(1e-6, ...Array.from(y, Math.abs));
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / scale);
  }
  return worst;
}

test('prefix tuning: checkpointing gives the same gradients as no checkpointing', () => {
  const adapter = prefixAdapter();
  const plain = lossAndGrads(model, adapter, [collate([[exA], [exB]], 0, false)], [0], false);
  const ckpt = lossAndGrads(model, adapter, [collate([[exA], [exB]], 0, false)], [0], true);
  assert.ok(maxRelDiff(ckpt.grads, plain.grads) < 1e-5);
  for (const r of [plain, ckpt]) for (const g of Object.values(r.grads)) g.dispose();
  disposeAdapter(adapter);
});

test('gradient accumulation over micro-batches equals one batch; checkpointing equals no checkpointing', () => {
  const adapter = loraAdapter();
  const one = lossAndGrads(model, adapter, [collate([[exA], [exB]], 0, false)], [0], false);
  const accum = lossAndGrads(model, adapter, [collate([[exA]], 0, false), collate([[exB]], 0, false)], [0, 0], false);
  const ckpt = lossAndGrads(model, adapter, [collate([[exA], [exB]], 0, false)], [0], true);
  assert.ok(Math.abs(one.loss - accum.loss) < 1e-5 * one.loss);
  assert.ok(maxRelDiff(accum.grads, one.grads) < 1e-4, 'accumulated grads');
  assert.ok(maxRelDiff(ckpt.grads, one.grads) < 1e-5, 'checkpointed grads');
  for (const r of [one, accum, ckpt]) for (const g of Object.values(r.grads)) g.dispose();
  disposeAdapter(adapter);
});

test('prefix-tuning gradients match central finite differences', () => {
  const adapter = prefixAdapter();
  const batch = collate([[exA]], 0, false);
  const { grads } = lossAndGrads(model, adapter, [batch], [0], false);
  const emb = trainableParams(adapter).get('embedding.weight')!;
  const g = grads['embedding.weight'].dataSync();
  const base = Float32Array.from(emb.dataSync());
  const lossAt = (values: Float32Array) => {
    tf.tidy(() => emb.assign(tf.tensor(values, emb.shape)));
    const r = evalLoss(model, adapter, [batch]);
    return r.sum / r.count;
  };
  // The entries with the largest gradients, where float32 differences are meaningful.
  const order = Array.from(g.keys())
    .sort((i, j) => Math.abs(g[j]) - Math.abs(g[i]))
    .slice(0, 6);
  for (const i of order) {
    const h = 1e-2;
    const plus = base.slice();
    plus[i] += h;
    const minus = base.slice();
    minus[i] -= h;
    const fd = (lossAt(plus) - lossAt(minus)) / (2 * h);
    assert.ok(Math.abs(fd - g[i]) <= 2e-2 * Math.abs(g[i]) + 1e-4, `d/dprefix[${i}]: ${g[i]} vs finite difference ${fd}`);
  }
  for (const t of Object.values(grads)) t.dispose();
  disposeAdapter(adapter);
});
