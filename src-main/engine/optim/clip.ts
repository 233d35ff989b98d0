/**
 * Global L2 gradient norm and clipping as torch.nn.utils.clip_grad_norm_: the norm over all
 * gradients together, then every gradient times min(1, maxNorm / (norm + 1e-6)). maxNorm 0 = off.
 */
import * as tf from '@tensorflow/tfjs-core';
import { clipScale } from './clip-scale';

export { clipScale } from './clip-scale';

/**
 * One read-back for all tensors (async, so it works on webgpu in Node); the per-tensor sums of
 * squares are added in float64 on the host, which keeps the reported norm stable.
 */
export async function globalNorm(grads: Record<string, tf.Tensor>): Promise<number> {
  const list = Object.values(grads); // n tensors, each its parameter's shape
  if (list.length === 0) return 0;
  const sums = tf.tidy(() => tf.stack(list.map((g) => tf.sum(tf.square(g))))); // [n]
  try {
    const host = await sums.data(); // [n]
    let total = 0;
    for (let i = 0; i < host.length; i++) total += host[i];
    return Math.sqrt(total);
  } finally {
    sums.dispose();
  }
}

/** Returns new clipped gradients (the caller disposes the old ones) or the same record when unchanged. */
export function clipByGlobalNorm(grads: Record<string, tf.Tensor>, maxNorm: number, norm: number): { grads: Record<string, tf.Tensor>; clipped: boolean } {
  const coef = clipScale(maxNorm, norm);
  if (coef === 1) return { grads, clipped: false };
  const out: Record<string, tf.Tensor> = {}; // name -> [...grads[name].shape]
  for (const [name, g] of Object.entries(grads)) out[name] = tf.tidy(() => tf.mul(g, tf.scalar(coef))); // [...g.shape]
  return { grads: out, clipped: true };
}
