/**
 * The additive attention mask and position ids of one forward call, built on the host from the
 * 0/1 padding mask (Hugging Face convention: `attention_mask` covers past + current tokens).
 * Key columns are [prefix P][past][current T]. A query sees every prefix column (P-Tuning v2 /
 * prefix tuning: no causal mask on the prefix), and past/current keys up to itself that are not
 * padding. Position ids are cumsum(mask) - 1 over the prefix-extended mask, as transformers'
 * `generate` derives them (so left padding and prefixes shift positions the way peft+HF do);
 * padding positions get 1, as HF's `masked_fill_(mask == 0, 1)`.
 */
import * as tf from '@tensorflow/tfjs-core';

export const MASKED = -1e9;

export interface MaskAndPositions {
  mask: tf.Tensor4D; // [B, 1, T, P + past + T]
  positions: Int32Array; // [B * T]
}

/** The same on the host: mask [B, 1, T, P + past + T] row-major, positions [B * T] (engine-agnostic). */
export function hostMaskAndPositions(keyMask: ArrayLike<number>, batch: number, steps: number, pastLen: number, prefixLen: number): { mask: Float32Array; positions: Int32Array } {
  const known = pastLen + steps;
  if (keyMask.length !== batch * known) throw new Error(`attention mask has ${keyMask.length} entries, expected [${batch}, ${known}]`);
  const cols = prefixLen + known;
  const mask = new Float32Array(batch * steps * cols);
  const positions = new Int32Array(batch * steps);
  for (let b = 0; b < batch; b++) {
    let seen = prefixLen;
    for (let j = 0; j < known; j++) {
      seen += keyMask[b * known + j] ? 1 : 0;
      const t = j - pastLen;
      if (t >= 0) positions[b * steps + t] = keyMask[b * known + j] ? seen - 1 : 1;
    }
    for (let t = 0; t < steps; t++) {
      const row = (b * steps + t) * cols;
      for (let j = 0; j < known; j++) {
        const visible = j <= pastLen + t && keyMask[b * known + j] !== 0;
        if (!visible) mask[row + prefixLen + j] = MASKED;
      }
    }
  }
  return { mask, positions };
}

export function buildMaskAndPositions(keyMask: ArrayLike<number>, batch: number, steps: number, pastLen: number, prefixLen: number): MaskAndPositions {
  const { mask, positions } = hostMaskAndPositions(keyMask, batch, steps, pastLen, prefixLen);
  return { mask: tf.tensor4d(mask, [batch, 1, steps, prefixLen + pastLen + steps]), positions };
}
