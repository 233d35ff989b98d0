/**
 * RMSNorm as transformers' Qwen2RMSNorm / LlamaRMSNorm computes it: x * rsqrt(mean(x^2) + eps),
 * then times the weight (eps inside the root, weight applied after normalising, all float32).
 */
import * as tf from '@tensorflow/tfjs-core';

export function rmsNorm(x: tf.Tensor, weight: tf.Tensor1D, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(x), -1, true); // [..., 1]
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight); // [..., D]
  });
}
