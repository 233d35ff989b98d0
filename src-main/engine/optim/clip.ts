/**
 * Global L2 gradient norm and clipping as torch.nn.utils.clip_grad_norm_: the norm over all
 * gradients together, then every gradient times min(1, maxNorm / (norm + 1e-6)). maxNorm 0 = off.
 */
import * as tf from '@tensorflow/tfjs-core';

export function globalNorm(grads: Record<string, tf.Tensor>): number {
  // Sum of squares accumulated in float64 on the host side keeps the reported norm stable.
  let total = 0;
  for (const g of Object.values(grads)) {
    const sq = tf.tidy(() => tf.sum(tf.square(g)));
    total += sq.dataSync()[0];
    sq.dispose();
  }
  return Math.sqrt(total);
}

/** Returns new clipped gradients (the caller disposes the old ones) or the same record when unchanged. */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
  norm: number,
): { grads: Record<string, tf.Tensor>; clipped: boolean } {
  if (!(maxNorm > 0)) return { grads, clipped: false };
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads, clipped: false };
  const out: Record<string, tf.Tensor> = {};
  for (const [name, g] of Object.entries(grads)) out[name] = tf.tidy(() => tf.mul(g, tf.scalar(coef)));
  return { grads: out, clipped: true };
}
