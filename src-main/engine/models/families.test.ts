/**
 * Structural checks of the Qwen2, Qwen3 and Llama paths on synthetic checkpoints written by
 * scripts/synthetic-checkpoint.ts (no reference logits exist for Qwen3/Llama here: golden parity
 * for those needs the GPU machine). Each property is checkable by hand: incremental KV-cache
 * decoding equals the full forward, padded rows equal unpadded ones, Qwen3's q/k RMSNorm makes the
 * output invariant to scaling q_proj/k_proj, the untied head is really `lm_head.weight`.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { tempDir } from '../../test-support/paths';
import { writeSyntheticCheckpoint } from '../../../scripts/synthetic-checkpoint';
import { loadModelFromDir } from '../../engine-node/load-tfjs-model';
import { CausalLM, type PrefixKv } from './causal-lm';
import { KvCache } from '../nn/kv-cache';
import { toHost } from '../nn/to-host';

const root = tempDir();
const SHAPES = ['tiny', 'tiny-qwen3', 'tiny-llama'] as const;
const models: Record<string, CausalLM> = {};

before(async () => {
  await tf.setBackend('cpu');
  for (const shape of SHAPES) {
    writeSyntheticCheckpoint({ shape, out: join(root, shape), dtype: 'f32', std: 0.3, seed: 7 });
    models[shape] = await loadModelFromDir(join(root, shape));
  }
});

const IDS = [5, 77, 300, 12, 9, 411, 260, 3];

function fullLogits(model: CausalLM, ids: number[], prefix?: PrefixKv[]): Float32Array {
  return toHost(() => model.logits(tf.tensor2d([ids], [1, ids.length], 'int32'), { prefix }));
}

function assertClose(a: Float32Array, b: Float32Array, what: string, tol = 1e-4): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  assert.ok(worst <= tol, `${what}: max relative difference ${worst}`);
}

function randomPrefix(model: CausalLM, p: number): PrefixKv[] {
  const c = model.config;
  return Array.from({ length: c.numLayers }, (_, i) => ({
    key: tf.randomNormal([1, p, c.numKvHeads, c.headDim], 0, 1, 'float32', 11 + i) as tf.Tensor4D,
    value: tf.randomNormal([1, p, c.numKvHeads, c.headDim], 0, 1, 'float32', 23 + i) as tf.Tensor4D,
  }));
}

for (const shape of SHAPES) {
  test(`${shape}: KV-cache decoding (prompt of 3, then one token at a time) equals the full forward`, () => {
    const model = models[shape];
    const full = fullLogits(model, IDS);
    const v = model.config.vocabSize;
    const cache = new KvCache(model.config.numLayers);
    const chunks = [IDS.slice(0, 3), ...IDS.slice(3).map((id) => [id])];
    const pieces: Float32Array[] = [];
    for (const chunk of chunks) pieces.push(toHost(() => model.logits(tf.tensor2d([chunk], [1, chunk.length], 'int32'), { kvCache: cache })));
    cache.dispose();
    const stepwise = new Float32Array(IDS.length * v);
    let at = 0;
    for (const p of pieces) {
      stepwise.set(p, at);
      at += p.length;
    }
    assertClose(stepwise, full, shape);
  });

  test(`${shape}: a padded batch (left and right padding) equals each row run alone`, () => {
    const model = models[shape];
    const v = model.config.vocabSize;
    const a = IDS;
    const b = IDS.slice(2, 6);
    const pad = a.length - b.length;
    const rowA = fullLogits(model, a);
    const rowB = fullLogits(model, b);
    for (const side of ['left', 'right'] as const) {
      const bIds = side === 'left' ? [...Array(pad).fill(0), ...b] : [...b, ...Array(pad).fill(0)];
      const bMask = side === 'left' ? [...Array(pad).fill(0), ...b.map(() => 1)] : [...b.map(() => 1), ...Array(pad).fill(0)];
      const out = toHost(() =>
        model.logits(tf.tensor2d([a, bIds], [2, a.length], 'int32'), { attentionMask: tf.tensor2d([a.map(() => 1), bMask], [2, a.length], 'int32') }),
      );
      assertClose(out.subarray(0, a.length * v), rowA, `${shape} ${side}: row A`);
      const start = side === 'left' ? pad : 0;
      assertClose(out.subarray((a.length + start) * v, (a.length + start + b.length) * v), rowB, `${shape} ${side}: row B`);
    }
  });

  test(`${shape}: a P-Tuning prefix gives the same logits through the KV cache as in one pass`, () => {
    const model = models[shape];
    const prefix = randomPrefix(model, 3);
    const full = fullLogits(model, IDS, prefix);
    const without = fullLogits(model, IDS);
    const cache = new KvCache(model.config.numLayers);
    const first = toHost(() => model.logits(tf.tensor2d([IDS.slice(0, 5)], [1, 5], 'int32'), { kvCache: cache, prefix }));
    const rest = toHost(() => model.logits(tf.tensor2d([IDS.slice(5)], [1, IDS.length - 5], 'int32'), { kvCache: cache }));
    cache.dispose();
    prefix.forEach((p) => (p.key.dispose(), p.value.dispose()));
    const stepwise = new Float32Array(full.length);
    stepwise.set(first);
    stepwise.set(rest, first.length);
    assertClose(stepwise, full, `${shape} prefix`);
    assert.ok(
      full.some((x, i) => Math.abs(x - without[i]) > 1e-3),
      'the prefix must change the logits',
    );
  });
}

/** A copy of the model's weights with q_proj and k_proj scaled by `s` (biases too, if any). */
function withScaledQk(model: CausalLM, s: number): CausalLM {
  const layers = model.weights.layers.map((l) => ({
    ...l,
    q: { kernel: tf.mul(l.q.kernel, s) as tf.Tensor2D, bias: l.q.bias && (tf.mul(l.q.bias, s) as tf.Tensor1D) },
    k: { kernel: tf.mul(l.k.kernel, s) as tf.Tensor2D, bias: l.k.bias && (tf.mul(l.k.bias, s) as tf.Tensor1D) },
  }));
  return new CausalLM(model.config, { ...model.weights, layers });
}

test('qwen3: q/k RMSNorm makes the logits invariant to scaling q_proj and k_proj; qwen2 is not', () => {
  const q3 = models['tiny-qwen3'];
  assert.equal(q3.config.headDim, 16, 'explicit head_dim (hidden/heads would be 8)');
  assert.ok(q3.weights.layers[0].qNorm && q3.weights.layers[0].kNorm);
  const scaled = withScaledQk(q3, 3);
  assertClose(fullLogits(scaled, IDS), fullLogits(q3, IDS), 'qwen3 scaled q/k');
  const q2 = models.tiny;
  const scaled2 = withScaledQk(q2, 3);
  const a = fullLogits(scaled2, IDS);
  const b = fullLogits(q2, IDS);
  assert.ok(
    a.some((x, i) => Math.abs(x - b[i]) > 1e-2),
    'without q/k norm the scaling must matter',
  );
});

test('llama: the untied head is lm_head.weight (hand-computed dot products), tied heads share the embedding', async () => {
  const llama = models['tiny-llama'];
  assert.equal(llama.config.tieWordEmbeddings, false);
  assert.notEqual(llama.weights.lmHead, llama.weights.embed);
  const hidden = toHost(() => llama.forward(tf.tensor2d([IDS], [1, IDS.length], 'int32')));
  const head = llama.weights.lmHead.dataSync() as Float32Array;
  const logits = fullLogits(llama, IDS);
  const h = llama.config.hiddenSize;
  const v = llama.config.vocabSize;
  const last = IDS.length - 1;
  for (const id of [0, 17, 511]) {
    let dot = 0;
    for (let j = 0; j < h; j++) dot += hidden[last * h + j] * head[id * h + j];
    assert.ok(Math.abs(dot - logits[last * v + id]) < 1e-4 * Math.max(1, Math.abs(dot)), `logit ${id}`);
  }
  writeSyntheticCheckpoint({ shape: 'tiny-llama', out: join(root, 'tied-llama'), dtype: 'f32', std: 0.3, seed: 7, tie: true });
  const tied = await loadModelFromDir(join(root, 'tied-llama'));
  assert.equal(tied.weights.lmHead, tied.weights.embed);
  tied.dispose();
});

test('rope_parameters (transformers 5) and rope_theta (4.x) spellings load to the same model', async () => {
  writeSyntheticCheckpoint({ shape: 'tiny-qwen3', out: join(root, 'q3-rp'), dtype: 'f32', std: 0.3, seed: 7, ropeParameters: true });
  const rp = await loadModelFromDir(join(root, 'q3-rp'));
  assert.equal(rp.config.rope.theta, models['tiny-qwen3'].config.rope.theta);
  assertClose(fullLogits(rp, IDS), fullLogits(models['tiny-qwen3'], IDS), 'rope spellings');
  rp.dispose();
});
