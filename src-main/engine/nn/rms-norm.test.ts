/** RMSNorm against hand-computed values: eps inside the root, the weight applied after normalising. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { rmsNorm } from './rms-norm';

await tf.setBackend('cpu');

function assertClose(got: ArrayLike<number>, want: number[], tol = 1e-6): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `[${i}]: ${got[i]} vs ${want[i]}`);
}

test('rmsNorm of [1, 2, 3, 4] with weight 1 divides by sqrt(mean(x^2) + eps) = sqrt(7.5 + eps)', () => {
  const eps = 1e-6;
  const x = tf.tensor2d([1, 2, 3, 4], [1, 4]);
  const w = tf.ones([4]) as tf.Tensor1D;
  const y = rmsNorm(x, w, eps);
  assert.deepEqual(y.shape, [1, 4]);
  const r = 1 / Math.sqrt(7.5 + eps); // 0.3651483...
  assertClose(y.dataSync(), [r, 2 * r, 3 * r, 4 * r]);
  assertClose(y.dataSync(), [0.3651483, 0.7302967, 1.095445, 1.4605935], 1e-6);
  tf.dispose([x, w, y]);
});

test('rmsNorm normalises each row on its own, keeps the shape, then multiplies by the weight', () => {
  const x = tf.tensor3d([3, 4, 0, -2], [2, 1, 2]); // rows [3, 4] and [0, -2]
  const w = tf.tensor1d([2, -0.5]);
  const before = tf.memory().numTensors;
  const y = rmsNorm(x, w, 0);
  assert.equal(tf.memory().numTensors, before + 1, 'only the result survives the tidy');
  assert.deepEqual(y.shape, [2, 1, 2]);
  const r0 = 1 / Math.sqrt((9 + 16) / 2);
  const r1 = 1 / Math.sqrt(4 / 2);
  assertClose(y.dataSync(), [3 * r0 * 2, 4 * r0 * -0.5, 0, -2 * r1 * -0.5]);
  tf.dispose([x, w, y]);
});

test('eps sits inside the root: [1, 1] with eps 1 gives 1 / sqrt(2), not 1 / (1 + 1)', () => {
  const x = tf.tensor1d([1, 1]);
  const w = tf.ones([2]) as tf.Tensor1D;
  const y = rmsNorm(x, w, 1);
  assert.deepEqual(y.shape, [2]);
  assertClose(y.dataSync(), [Math.SQRT1_2, Math.SQRT1_2]);
  tf.dispose([x, w, y]);
});
