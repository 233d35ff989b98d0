/**
 * Grouped-query attention against hand-computed softmax(q k^T / sqrt(hd) + mask) v, including which
 * key/value head each query head reads (transformers `repeat_kv`: head h reads floor(h / nRep)).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { groupedQueryAttention } from './attention';
import { MASKED } from './host-mask';

await tf.setBackend('cpu');

function assertClose(got: ArrayLike<number>, want: number[], tol = 1e-5): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `[${i}]: ${got[i]} vs ${want[i]}`);
}

test('scores are scaled by 1 / sqrt(hd): q . k1 / 2 = ln 3 gives weights [1/4, 3/4] over two keys', () => {
  const c = Math.log(3) / 2; // q = [c, c, c, c], k1 = [1, 1, 1, 1]: q . k1 = 4c, / sqrt(4) = ln 3
  const q = tf.tensor4d([c, c, c, c, 0, 0, 0, 0], [1, 2, 1, 4]); // [B 1, nH 2, T 1, hd 4]
  const k = tf.tensor4d([0, 0, 0, 0, 1, 1, 1, 1], [1, 1, 2, 4]); // [B 1, nKv 1, S 2, hd 4]
  const v = tf.tensor4d([10, 0, 1, 2, 20, 4, 5, 6], [1, 1, 2, 4]);
  const open = tf.zeros([1, 1, 1, 2]) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const out = groupedQueryAttention(q, k, v, open);
  assert.equal(tf.memory().numTensors, before + 1, 'only the result survives the tidy');
  assert.deepEqual(out.shape, [1, 1, 8]); // [B, T, nH * hd]
  // head 0: 1/4 v0 + 3/4 v1; head 1 (q = 0): the plain mean
  assertClose(out.dataSync(), [17.5, 3, 4, 5, 15, 2, 3, 4]);
  const masked = tf.tensor4d([0, MASKED], [1, 1, 1, 2]);
  const onlyFirst = groupedQueryAttention(q, k, v, masked);
  assertClose(onlyFirst.dataSync(), [10, 0, 1, 2, 10, 0, 1, 2]);
  tf.dispose([q, k, v, open, out, masked, onlyFirst]);
});

test('GQA: 4 query heads over 2 KV heads, heads 0-1 read KV 0 and heads 2-3 read KV 1; a causal mask per step', () => {
  const q = tf.zeros([1, 4, 2, 1]) as tf.Tensor4D; // [B 1, nH 4, T 2, hd 1]: uniform weights over visible keys
  const k = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D; // [B 1, nKv 2, S 2, hd 1]
  const v = tf.tensor4d([1, 3, 10, 30], [1, 2, 2, 1]); // KV 0: [1, 3], KV 1: [10, 30]
  const causal = tf.tensor4d([0, MASKED, 0, 0], [1, 1, 2, 2]);
  const out = groupedQueryAttention(q, k, v, causal);
  assert.deepEqual(out.shape, [1, 2, 4]);
  // step 0 sees key 0 only; step 1 averages both keys
  assertClose(out.dataSync(), [1, 1, 10, 10, 2, 2, 20, 20]);
  tf.dispose([q, k, v, causal, out]);
});

test('GQA: each query head keeps its own query, head h reading KV floor(h / nRep), not h mod nKv', () => {
  // hd 1 (scale 1), keys [0, 1] on both KV heads: a query q puts weight e^q / (1 + e^q) on key 1.
  const l3 = Math.log(3);
  const q = tf.tensor4d([0, l3, -l3, 0], [1, 4, 1, 1]); // [B 1, nH 4, T 1, hd 1]: weights on key 1 are 1/2, 3/4, 1/4, 1/2
  const k = tf.tensor4d([0, 1, 0, 1], [1, 2, 2, 1]); // [B 1, nKv 2, S 2, hd 1]
  const v = tf.tensor4d([1, 3, 10, 30], [1, 2, 2, 1]);
  const open = tf.zeros([1, 1, 1, 2]) as tf.Tensor4D;
  const out = groupedQueryAttention(q, k, v, open);
  assert.deepEqual(out.shape, [1, 1, 4]);
  // head 0: KV 0 at 1/2 -> 2; head 1: KV 0 at 3/4 -> 2.5; head 2: KV 1 at 1/4 -> 15; head 3: KV 1 at 1/2 -> 20
  assertClose(out.dataSync(), [2, 2.5, 15, 20]);
  tf.dispose([q, k, v, open, out]);
});

test('each batch row uses its own mask row', () => {
  const q = tf.zeros([2, 1, 1, 1]) as tf.Tensor4D;
  const k = tf.zeros([2, 1, 2, 1]) as tf.Tensor4D;
  const v = tf.tensor4d([1, 3, 5, 7], [2, 1, 2, 1]);
  const mask = tf.tensor4d([0, 0, MASKED, 0], [2, 1, 1, 2]); // row 1 cannot see key 0
  const out = groupedQueryAttention(q, k, v, mask);
  assert.deepEqual(out.shape, [2, 1, 1]);
  assertClose(out.dataSync(), [2, 7]);
  tf.dispose([q, k, v, mask, out]);
});
