/**
 * linear against a hand-computed torch `nn.Linear` (y = x W^T + b, W stored [out, in], kept here as its
 * transpose) and peft's unmerged LoRA branch (y += scaling * x A^T B^T).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { linear, type LinearWeights, type LoraPair } from './linear';

await tf.setBackend('cpu');

function assertClose(got: ArrayLike<number>, want: number[], tol = 1e-6): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `[${i}]: ${got[i]} vs ${want[i]}`);
}

/** W = [[1, 0], [0, 1], [1, 1]] ([out 3, in 2]), b = [0.5, 0, -1]: x = [1, 2] gives [1.5, 2, 2]. */
function weights(): LinearWeights {
  const w = tf.tensor2d([1, 0, 0, 1, 1, 1], [3, 2]); // [out, in], as the checkpoint stores it
  const kernel = tf.transpose(w) as tf.Tensor2D; // [in, out]
  w.dispose();
  return { kernel, bias: tf.tensor1d([0.5, 0, -1]) };
}

test('linear computes x W^T + b and keeps the leading dims', () => {
  const w = weights();
  const x = tf.tensor3d([1, 2, -1, 0.5], [2, 1, 2]); // [B 2, T 1, in 2]
  const y = linear(x, w);
  assert.deepEqual(y.shape, [2, 1, 3]);
  // row 0: [1, 2, 3] + b; row 1: [-1, 0.5, -0.5] + b
  assertClose(y.dataSync(), [1.5, 2, 2, -0.5, 0.5, -1.5]);
  const noBias = linear(x, { kernel: w.kernel });
  assertClose(noBias.dataSync(), [1, 2, 3, -1, 0.5, -0.5]);
  tf.dispose([x, y, noBias, w.kernel, w.bias!]);
});

test('the LoRA branch adds scaling * (x A^T) B^T, with A [r, in] and B [out, r]', () => {
  const w = weights();
  const lora: LoraPair = { a: tf.tensor2d([1, -1], [1, 2]), b: tf.tensor2d([2, 0, 1], [3, 1]), scaling: 0.5 };
  const x = tf.tensor2d([1, 2], [1, 2]);
  const before = tf.memory().numTensors;
  const y = linear(x, w, lora);
  assert.equal(tf.memory().numTensors, before + 1, 'only the result survives the tidy');
  assert.deepEqual(y.shape, [1, 3]);
  // x A^T = 1 - 2 = -1; times B^T = [-2, 0, -1]; times 0.5 = [-1, 0, -0.5]; base [1.5, 2, 2]
  assertClose(y.dataSync(), [0.5, 2, 1.5]);
  const rateZero = linear(x, w, lora, { rate: 0, seed: 1 });
  assertClose(rateZero.dataSync(), [0.5, 2, 1.5]);
  tf.dispose([x, y, rateZero, w.kernel, w.bias!, lora.a, lora.b]);
});

test('dropout only reaches the LoRA input: with B = 0 the output is the base layer whatever the rate', () => {
  const w = weights();
  const lora: LoraPair = { a: tf.tensor2d([1, -1], [1, 2]), b: tf.zeros([3, 1]) as tf.Tensor2D, scaling: 2 };
  const x = tf.tensor2d([1, 2, -1, 0.5], [2, 2]);
  const y = linear(x, w, lora, { rate: 0.5, seed: 3 });
  assert.deepEqual(y.shape, [2, 3]);
  assertClose(y.dataSync(), [1.5, 2, 2, -0.5, 0.5, -1.5]);
  tf.dispose([x, y, w.kernel, w.bias!, lora.a, lora.b]);
});
