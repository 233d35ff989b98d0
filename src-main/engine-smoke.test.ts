import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

test('tfjs-core runs on the cpu backend', async () => {
  assert.equal(await tf.setBackend('cpu'), true);
  await tf.ready();
  assert.equal(tf.getBackend(), 'cpu');
  const before = tf.memory().numTensors;
  const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20, 30])));
  assert.deepEqual(Array.from(await sum.data()), [11, 22, 33]);
  sum.dispose();
  assert.equal(tf.memory().numTensors, before);
});
