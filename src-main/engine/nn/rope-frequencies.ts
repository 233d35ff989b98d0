/**
 * RoPE inverse frequencies per `ROPE_INIT_FUNCTIONS` (transformers) for default, linear and llama3,
 * in float64. No tensor library: the tfjs tables (rope.ts) and the ggml freq factors use it.
 */
import type { RopeConfig } from '../config/model-config';

export function ropeInverseFrequencies(rope: RopeConfig, headDim: number): Float64Array {
  const half = headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(rope.theta, (2 * i) / headDim);
  if (rope.type === 'linear') for (let i = 0; i < half; i++) inv[i] /= rope.factor;
  if (rope.type === 'llama3') {
    // Llama 3.1: long wavelengths are slowed by `factor`, short ones kept, a smooth blend between.
    const lowWavelen = rope.originalMaxPositions / rope.lowFreqFactor;
    const highWavelen = rope.originalMaxPositions / rope.highFreqFactor;
    for (let i = 0; i < half; i++) {
      const wavelen = (2 * Math.PI) / inv[i];
      if (wavelen > lowWavelen) inv[i] = inv[i] / rope.factor;
      else if (wavelen >= highWavelen) {
        const smooth = (rope.originalMaxPositions / wavelen - rope.lowFreqFactor) / (rope.highFreqFactor - rope.lowFreqFactor);
        inv[i] = (1 - smooth) * (inv[i] / rope.factor) + smooth * inv[i];
      }
    }
  }
  return inv;
}
