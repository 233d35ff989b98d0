/**
 * LoRA initial values on the host, as peft's `reset_lora_parameters` with init_lora_weights=True:
 * A ~ U(-1/sqrt(in), 1/sqrt(in)) (kaiming_uniform_ with a = sqrt(5)), B = 0, drawn in layer then
 * projection order from one stream, so every engine starts a run from the same adapter.
 */
import type { ModelConfig } from '../config/model-config';
import { loraModuleKey, type Projection } from '../adapters/lora-set';
import { projectionShapes } from '../models/family';
import type { Rng } from './rng';

export interface HostLoraInit {
  /** `layers.N.self_attn.q_proj` */
  key: string;
  layer: number;
  projection: Projection;
  inDim: number;
  outDim: number;
  a: Float32Array; // [r, in]
  b: Float32Array; // [out, r]
}

export function initLoraHost(cfg: ModelConfig, r: number, projections: Projection[], rng: Rng): HostLoraInit[] {
  const shapes = projectionShapes(cfg);
  const out: HostLoraInit[] = [];
  for (let layer = 0; layer < cfg.numLayers; layer++) {
    for (const p of projections) {
      const [outDim, inDim] = shapes[p];
      const bound = 1 / Math.sqrt(inDim);
      const a = new Float32Array(r * inDim);
      for (let i = 0; i < a.length; i++) a[i] = (2 * rng.nextFloat() - 1) * bound;
      out.push({ key: loraModuleKey(layer, p), layer, projection: p, inDim, outDim, a, b: new Float32Array(outDim * r) });
    }
  }
  return out;
}
