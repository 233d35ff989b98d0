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

import { hostMaskAndPositions } from './host-mask';

export { MASKED, hostMaskAndPositions } from './host-mask';

export interface MaskAndPositions {
  mask: tf.Tensor4D; // [B, 1, T, P + past + T]
  positions: Int32Array; // [B * T]
}

export function buildMaskAndPositions(keyMask: ArrayLike<number>, batch: number, steps: number, pastLen: number, prefixLen: number): MaskAndPositions {
  const cols = prefixLen + pastLen + steps;
  const host = hostMaskAndPositions(keyMask, batch, steps, pastLen, prefixLen);
  return { mask: tf.tensor4d(host.mask, [batch, 1, steps, cols]), positions: host.positions };
}
