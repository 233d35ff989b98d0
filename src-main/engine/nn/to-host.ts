/**
 * Runs `fn` in a tf.tidy and copies its tensor result to the host. The copy happens outside the
 * tidy on purpose: tf.tidy walks every element of a returned container looking for tensors, so
 * returning a large typed array from inside it (e.g. 151,936 logits) costs seconds.
 * On webgpu in Node only the async copy works (the sync path needs OffscreenCanvas): use
 * `toHostAsync` in code that may run there.
 */
import * as tf from '@tensorflow/tfjs-core';

export function toHost(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

export async function toHostAsync(fn: () => tf.Tensor): Promise<Float32Array> {
  const t = tf.tidy(fn);
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}
