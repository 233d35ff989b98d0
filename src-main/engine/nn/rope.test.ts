/**
 * RoPE tables and rotation against hand-computed values in Hugging Face's rotate-half layout: the two
 * halves of the head dim form the rotated pairs (i, i + hd/2), not neighbouring entries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { applyRope, ropeTables } from './rope';

await tf.setBackend('cpu');

function assertClose(got: ArrayLike<number>, want: number[], tol = 1e-6): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `[${i}]: ${got[i]} vs ${want[i]}`);
}

test('ropeTables: cos/sin of position * inv[i], both halves repeating the frequencies, [B, T, 1, hd]', () => {
  const inv = Float64Array.from([1, 0.5]); // hd 4
  const { cos, sin } = ropeTables(Int32Array.from([0, 1, 3, 2]), 2, 2, inv);
  assert.deepEqual(cos.shape, [2, 2, 1, 4]);
  assert.deepEqual(sin.shape, [2, 2, 1, 4]);
  const row = (p: number, f: (a: number) => number): number[] => [f(p), f(p * 0.5), f(p), f(p * 0.5)];
  assertClose(
    cos.dataSync(),
    [0, 1, 3, 2].flatMap((p) => row(p, Math.cos)),
  );
  assertClose(
    sin.dataSync(),
    [0, 1, 3, 2].flatMap((p) => row(p, Math.sin)),
  );
  tf.dispose([cos, sin]);
});

test('applyRope: x * cos + [-x2, x1] * sin; a quarter turn on pair 0 and a half turn on pair 1', () => {
  const { cos, sin } = ropeTables(Int32Array.from([1]), 1, 1, Float64Array.from([Math.PI / 2, Math.PI]));
  const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 1, 4]); // pairs (1, 3) and (2, 4)
  const y = applyRope(x, cos, sin);
  assert.deepEqual(y.shape, [1, 1, 1, 4]);
  // pair 0 turned by pi/2: (1, 3) -> (-3, 1); pair 1 turned by pi: (2, 4) -> (-2, -4)
  assertClose(y.dataSync(), [-3, -2, 1, -4]);
  tf.dispose([cos, sin, x, y]);
});

test('applyRope broadcasts the tables over heads, leaves position 0 unchanged and keeps each pair norm', () => {
  const { cos, sin } = ropeTables(Int32Array.from([0, 5]), 1, 2, Float64Array.from([1, 0.01]));
  const values = [1, 2, 3, 4, -1, 0.5, 2, 0, 0.3, -0.7, 1.1, 2.2, 4, 3, 2, 1]; // [B 1, T 2, n 2, hd 4]
  const x = tf.tensor4d(values, [1, 2, 2, 4]);
  const before = tf.memory().numTensors;
  const y = applyRope(x, cos, sin);
  assert.equal(tf.memory().numTensors, before + 1, 'only the result survives the tidy');
  assert.deepEqual(y.shape, [1, 2, 2, 4]);
  const got = y.dataSync();
  assertClose(got.slice(0, 8), values.slice(0, 8));
  for (let h = 2; h < 4; h++) {
    for (let i = 0; i < 2; i++) {
      const [a, b] = [values[h * 4 + i], values[h * 4 + i + 2]];
      const [c, d] = [got[h * 4 + i], got[h * 4 + i + 2]];
      assertClose([Math.hypot(c, d)], [Math.hypot(a, b)]);
      // angle 5 * inv[i]: c = a cos - b sin, d = b cos + a sin
      const angle = 5 * [1, 0.01][i];
      assertClose([c, d], [a * Math.cos(angle) - b * Math.sin(angle), b * Math.cos(angle) + a * Math.sin(angle)]);
    }
  }
  tf.dispose([cos, sin, x, y]);
});
