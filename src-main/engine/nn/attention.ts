/**
 * Scaled dot-product attention with grouped-query heads (transformers `eager_attention_forward`
 * with `repeat_kv`): query head h reads key/value head floor(h / nRep). Instead of repeating K/V,
 * the nRep query heads of each KV head are stacked along the row axis, so K and V are used as is.
 * The additive mask carries causality, padding and prefix columns (built by attention-mask.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * q: [B, nH, T, hd], k/v: [B, nKv, S, hd], mask: [B, 1, T, S] additive (0 or a large negative).
 * Returns [B, T, nH * hd].
 */
export function groupedQueryAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, nH, t, hd] = q.shape;
    const nKv = k.shape[1];
    const nRep = nH / nKv;
    const qg = tf.reshape(q, [b, nKv, nRep * t, hd]); // rows ordered (rep, t)
    const scores = tf.mul(tf.matMul(qg, k, false, true), 1 / Math.sqrt(hd)); // [B, nKv, nRep*T, S]
    const m = nRep > 1 ? tf.tile(mask, [1, 1, nRep, 1]) : mask; // [B, 1, nRep*T, S]
    const probs = tf.softmax(tf.add(scores, m)); // [B, nKv, nRep*T, S]
    const out = tf.matMul(probs, v); // [B, nKv, nRep*T, hd]
    const heads = tf.reshape(out, [b, nH, t, hd]);
    return tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [b, t, nH * hd]) as tf.Tensor3D; // [B, T, nH*hd]
  });
}
