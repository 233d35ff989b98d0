/** toHost / toHostAsync: the result's values on the host, and no tensor left behind (result or intermediates). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { toHost, toHostAsync } from './to-host';

await tf.setBackend('cpu');

/** [[1, 2], [3, 4]] squared plus one: intermediates the tidy must free. */
const compute = (): tf.Tensor => tf.add(tf.square(tf.tensor2d([1, 2, 3, 4], [2, 2])), 1);

test('toHost returns the values of a [2, 2] result as 4 floats and frees every tensor', () => {
  const before = tf.memory().numTensors;
  const out = toHost(compute);
  assert.ok(out instanceof Float32Array);
  assert.equal(out.length, 2 * 2);
  assert.deepEqual(Array.from(out), [2, 5, 10, 17]);
  assert.equal(tf.memory().numTensors, before);
});

test('toHostAsync gives the same values and frees every tensor', async () => {
  const before = tf.memory().numTensors;
  const out = await toHostAsync(compute);
  assert.ok(out instanceof Float32Array);
  assert.deepEqual(Array.from(out), [2, 5, 10, 17]);
  assert.equal(tf.memory().numTensors, before);
});

test('a failing computation throws through and leaves no tensor behind', () => {
  const before = tf.memory().numTensors;
  assert.throws(
    () =>
      toHost(() => {
        tf.ones([2]);
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(tf.memory().numTensors, before);
});
