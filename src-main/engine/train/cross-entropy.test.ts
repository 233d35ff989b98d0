import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerGradients } from '../../engine-node/register-gradients';
import { lmLossFromHidden } from './cross-entropy';

await registerGradients();
await tf.setBackend('cpu');

/** Plain softmax cross-entropy over full logits, as the reference. */
function naiveLoss(h: tf.Tensor3D, w: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  const [B, T, H] = h.shape;
  const logits = tf.matMul(tf.reshape(h, [B * T, H]), w, false, true); // [B*T, V]
  const logp = tf.logSoftmax(logits);
  const rows: number[] = [];
  const cols: number[] = [];
  targets.forEach((t, i) => {
    if (t !== -100) {
      rows.push(i);
      cols.push(t);
    }
  });
  const V = w.shape[0];
  const picked = tf.gather(
    tf.reshape(logp, [-1]),
    tf.tensor1d(
      rows.map((r, i) => r * V + cols[i]),
      'int32',
    ),
  );
  return tf.neg(tf.mean(picked)) as tf.Scalar;
}

test('chunked cross-entropy equals full softmax CE in value and gradient, for any chunk size', () => {
  const h = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 1) as tf.Tensor3D;
  const w = tf.randomNormal([37, 8], 0, 1, 'float32', 2) as tf.Tensor2D;
  const targets = Int32Array.from([3, -100, 7, 36, 0, -100, -100, 5, 5, 12]);
  const ref = tf.valueAndGrad((x: tf.Tensor) => naiveLoss(x as tf.Tensor3D, w, targets))(h);
  for (const chunkRows of [1, 3, 64]) {
    const before = tf.memory().numTensors;
    const got = tf.valueAndGrad((x: tf.Tensor) => lmLossFromHidden(x, w, targets, { chunkRows }).loss)(h);
    assert.ok(Math.abs(got.value.dataSync()[0] - ref.value.dataSync()[0]) < 1e-5);
    const gd = got.grad.dataSync();
    const rd = ref.grad.dataSync();
    for (let i = 0; i < gd.length; i++) assert.ok(Math.abs(gd[i] - rd[i]) < 1e-5, `grad ${i}`);
    got.value.dispose();
    got.grad.dispose();
    assert.equal(tf.memory().numTensors, before, 'no tensors leak from the custom gradient');
  }
});

test('normaliser divides the summed loss (gradient accumulation over micro-batches)', () => {
  const h = tf.randomNormal([1, 4, 6], 0, 1, 'float32', 3);
  const w = tf.randomNormal([11, 6], 0, 1, 'float32', 4) as tf.Tensor2D;
  const targets = Int32Array.from([1, 2, -100, 4]);
  const mean = lmLossFromHidden(h, w, targets);
  const summed = lmLossFromHidden(h, w, targets, { normaliser: 1 });
  assert.equal(mean.count, 3);
  assert.ok(Math.abs(summed.loss.dataSync()[0] / 3 - mean.loss.dataSync()[0]) < 1e-6);
});
