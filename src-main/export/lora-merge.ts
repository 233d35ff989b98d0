/**
 * Folds a LoRA adapter into base weights: W' = W + scaling · B · A, per target projection, as
 * peft's `LoraLayer.merge` / `merge_and_unload` does (scaling = alpha / r, or alpha / sqrt(r) with
 * rsLoRA, already resolved per module by engine/adapters/peft-lora-host). The product is accumulated in
 * float64 per row and added once, so the only rounding is the final store in the output dtype.
 */
import type { HostLoraSet } from '../engine/adapters/peft-lora-host';

/** A LoRA pair on the host: A [r, in], B [out, r], row-major. */
export interface HostLoraPair {
  a: Float32Array; // [r, in]
  b: Float32Array; // [out, r]
  rank: number;
  scaling: number;
}

/** The base checkpoint's tensor name for an engine module key (`layers.3.self_attn.q_proj`). */
export function baseWeightName(moduleKey: string): string {
  return `model.${moduleKey}.weight`;
}

/** An adapter read to the host (load-model.ts readLoraAdapterHost), keyed by the base weight each pair modifies. */
export function hostLoraByWeightName(set: HostLoraSet): Map<string, HostLoraPair> {
  const out = new Map<string, HostLoraPair>();
  for (const [moduleKey, pair] of Object.entries(set.modules)) {
    out.set(baseWeightName(moduleKey), { a: pair.a, b: pair.b, rank: pair.aShape[0], scaling: pair.scaling });
  }
  return out;
}

/** W [out, in] += scaling · B · A, in place. */
export function mergeLoraInPlace(w: Float32Array, outDim: number, inDim: number, lora: HostLoraPair): void {
  const { a, b, rank, scaling } = lora;
  if (w.length !== outDim * inDim || a.length !== rank * inDim || b.length !== outDim * rank) {
    throw new Error(`mergeLoraInPlace: shapes do not fit W [${outDim}, ${inDim}], A ${a.length}, B ${b.length}, r ${rank}`);
  }
  const delta = new Float64Array(inDim);
  for (let o = 0; o < outDim; o++) {
    delta.fill(0);
    for (let k = 0; k < rank; k++) {
      const coef = scaling * b[o * rank + k];
      if (coef === 0) continue;
      const aRow = k * inDim;
      for (let i = 0; i < inDim; i++) delta[i] += coef * a[aRow + i];
    }
    const wRow = o * inDim;
    for (let i = 0; i < inDim; i++) w[wRow + i] = w[wRow + i] + delta[i];
  }
}
