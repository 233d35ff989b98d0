/** KvCache: holds each layer's [B, nKv, S, hd] keys/values, survives tf.tidy, disposes what it replaces. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { KvCache } from './kv-cache';

await tf.setBackend('cpu');

test('a new cache holds nothing per layer and starts at length 0', () => {
  const cache = new KvCache(2);
  assert.equal(cache.numLayers, 2);
  assert.deepEqual(cache.layer(0), { k: undefined, v: undefined });
  assert.deepEqual(cache.layer(1), { k: undefined, v: undefined });
  assert.equal(cache.pastLength, 0);
  assert.equal(cache.prefixLength, 0);
});

test('update inside tf.tidy keeps the new keys/values and disposes the ones they replace', () => {
  const base = tf.memory().numTensors;
  const cache = new KvCache(2);
  tf.tidy(() => {
    const k = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]); // [B 1, nKv 1, S 2, hd 2]
    cache.update(0, k, tf.mul(k, 10) as tf.Tensor4D);
  });
  assert.equal(tf.memory().numTensors, base + 2, 'the tidy kept exactly the cached pair');
  const first = cache.layer(0);
  assert.deepEqual(first.k!.shape, [1, 1, 2, 2]);
  assert.deepEqual(Array.from(first.k!.dataSync()), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(first.v!.dataSync()), [10, 20, 30, 40]);
  assert.deepEqual(cache.layer(1), { k: undefined, v: undefined }, 'other layers untouched');

  tf.tidy(() => {
    const { k, v } = cache.layer(0);
    const step = tf.tensor4d([5, 6], [1, 1, 1, 2]);
    cache.update(0, tf.concat([k!, step], 2) as tf.Tensor4D, tf.concat([v!, tf.mul(step, 10)], 2) as tf.Tensor4D);
  });
  assert.ok(first.k!.isDisposed && first.v!.isDisposed, 'the replaced pair is freed');
  assert.equal(tf.memory().numTensors, base + 2);
  const grown = cache.layer(0);
  assert.deepEqual(grown.k!.shape, [1, 1, 3, 2]);
  assert.deepEqual(Array.from(grown.k!.dataSync()), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(grown.v!.dataSync()), [10, 20, 30, 40, 50, 60]);

  cache.update(0, grown.k!, grown.v!);
  assert.ok(!grown.k!.isDisposed && !grown.v!.isDisposed, 'storing the same tensors again does not free them');
  cache.dispose();
});

test('dispose frees every layer and resets the lengths', () => {
  const base = tf.memory().numTensors;
  const cache = new KvCache(2);
  for (let i = 0; i < 2; i++) cache.update(i, tf.zeros([1, 2, 3, 4]) as tf.Tensor4D, tf.ones([1, 2, 3, 4]) as tf.Tensor4D);
  cache.pastLength = 3;
  cache.prefixLength = 1;
  assert.equal(tf.memory().numTensors, base + 4);
  cache.dispose();
  assert.equal(tf.memory().numTensors, base);
  assert.deepEqual(cache.layer(1), { k: undefined, v: undefined });
  assert.equal(cache.pastLength, 0);
  assert.equal(cache.prefixLength, 0);
});
