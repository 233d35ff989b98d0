/**
 * peft's flat prefix (PREFIX_TUNING: the embedding, or its projection, [P, L * 2 * kvDim]) as the
 * per-layer keys and values the KV cache takes. peft views each row as [L * 2, nKv, hd]: block 2l is
 * layer l's key, 2l + 1 its value.
 */
import type { HostPrefix } from './causal-lm';

export function hostPrefixOfFlat(flat: Float32Array, virtualTokens: number, layers: number, kvDim: number): HostPrefix {
  const row = layers * 2 * kvDim;
  if (flat.length !== virtualTokens * row) throw new Error(`hostPrefixOfFlat: ${flat.length} values, expected ${virtualTokens} x ${row}`);
  const keys: Float32Array[] = [];
  const values: Float32Array[] = [];
  for (let l = 0; l < layers; l++) {
    const k = new Float32Array(virtualTokens * kvDim);
    const v = new Float32Array(virtualTokens * kvDim);
    for (let p = 0; p < virtualTokens; p++) {
      k.set(flat.subarray(p * row + 2 * l * kvDim, p * row + (2 * l + 1) * kvDim), p * kvDim);
      v.set(flat.subarray(p * row + (2 * l + 1) * kvDim, p * row + (2 * l + 2) * kvDim), p * kvDim);
    }
    keys.push(k);
    values.push(v);
  }
  return { length: virtualTokens, keys, values };
}
