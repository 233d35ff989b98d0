/** The SwiGLU MLP against hand-computed values of down(silu(gate(x)) * up(x)), silu(z) = z / (1 + e^-z). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { LinearDropout } from './linear';
import { swigluMlp, type MlpWeights } from './swiglu-mlp';

await tf.setBackend('cpu');

function assertClose(got: ArrayLike<number>, want: number[], tol = 1e-6): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `[${i}]: ${got[i]} vs ${want[i]}`);
}

const silu = (z: number): number => z / (1 + Math.exp(-z));

/** Hidden 1, intermediate 2: gate = [1, -1], up = [2, 1], down = [1, 1] (kernels [in, out]). */
function weights(): MlpWeights {
  return {
    gate: { kernel: tf.tensor2d([1, -1], [1, 2]) }, // [H 1, I 2]
    up: { kernel: tf.tensor2d([2, 1], [1, 2]) }, // [H 1, I 2]
    down: { kernel: tf.tensor2d([1, 1], [2, 1]) }, // [I 2, H 1]
  };
}

test('swigluMlp computes down(silu(gate(x)) * up(x)) per token and keeps [B, T, H]', () => {
  const w = weights();
  const x = tf.tensor3d([1, 2], [1, 2, 1]); // [B 1, T 2, H 1]
  const before = tf.memory().numTensors;
  const y = swigluMlp(x, w);
  assert.equal(tf.memory().numTensors, before + 1, 'only the result survives the tidy');
  assert.deepEqual(y.shape, [1, 2, 1]);
  // x = 1: silu(1) * 2 + silu(-1) * 1 = 1.4621172 - 0.2689414 = 1.1931758
  const want = [1, 2].map((v) => silu(v) * 2 * v + silu(-v) * v);
  assertClose(y.dataSync(), want);
  assertClose([want[0]], [1.1931758], 1e-6);
  tf.dispose([x, y, w.gate.kernel, w.up.kernel, w.down.kernel]);
});

test('swigluMlp asks for dropout per module (gate 0, up 1, down 2) and applies each LoRA pair', () => {
  const w = weights();
  const asked: number[] = [];
  const dropout = (module: number): LinearDropout | undefined => {
    asked.push(module);
    return undefined;
  };
  // LoRA on down only: x A^T B^T with A = [[1, 0]], B = [[1]], scaling 1 adds act[0] once more.
  const lora = { down: { a: tf.tensor2d([1, 0], [1, 2]), b: tf.tensor2d([1], [1, 1]), scaling: 1 } };
  const x = tf.tensor3d([1], [1, 1, 1]);
  const y = swigluMlp(x, w, lora, dropout);
  assert.deepEqual(asked, [0, 1, 2]);
  assert.deepEqual(y.shape, [1, 1, 1]);
  assertClose(y.dataSync(), [2 * silu(1) * 2 + silu(-1)]);
  tf.dispose([x, y, w.gate.kernel, w.up.kernel, w.down.kernel, lora.down.a, lora.down.b]);
});
