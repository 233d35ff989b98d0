/**
 * Rotary position embedding in Hugging Face's rotate-half layout (transformers `rotate_half` and
 * `apply_rotary_pos_emb`): the head dim is split in two halves, not interleaved pairs.
 * Inverse frequencies follow `ROPE_INIT_FUNCTIONS` for default, linear and llama3. The cos/sin tables
 * are computed in float64 on the host from integer positions, then stored as float32.
 */
import * as tf from '@tensorflow/tfjs-core';

export { ropeInverseFrequencies } from './rope-frequencies';

/** cos/sin tables for positions [B][T]: each `[B, T, 1, hd]`, both halves repeating the frequencies. */
export function ropeTables(positions: Int32Array, batch: number, steps: number, invFreq: Float64Array): { cos: tf.Tensor4D; sin: tf.Tensor4D } {
  const half = invFreq.length;
  const hd = half * 2;
  const cos = new Float32Array(batch * steps * hd);
  const sin = new Float32Array(batch * steps * hd);
  for (let r = 0; r < batch * steps; r++) {
    const p = positions[r];
    for (let i = 0; i < half; i++) {
      const angle = p * invFreq[i];
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[r * hd + i] = c;
      cos[r * hd + half + i] = c;
      sin[r * hd + i] = s;
      sin[r * hd + half + i] = s;
    }
  }
  return { cos: tf.tensor4d(cos, [batch, steps, 1, hd]), sin: tf.tensor4d(sin, [batch, steps, 1, hd]) };
}

/** x * cos + rotate_half(x) * sin, with rotate_half(x) = [-x2, x1]. x: [B, T, n, hd]. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const hd = x.shape[3];
    const [x1, x2] = tf.split(x, [hd / 2, hd / 2], 3); // each [B, T, n, hd/2]
    const rotated = tf.concat([tf.neg(x2), x1], 3); // [B, T, n, hd]
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor4D;
  });
}
