/**
 * A PEFT LoRA adapter read on the host (engine-node/load-model.ts's readLoraAdapterHost) as the host
 * modules lora-trainer.ts starts from.
 */
import type { HostLoraSet } from '../adapters/peft-lora-host';
import type { ProjName } from './frozen-weights';
import type { HostLoraModule } from './lora-trainer';

/** peft's projection names (`self_attn.q_proj`) as the ggml trainer's (`q`). */
export const PROJ_OF: Readonly<Record<string, ProjName>> = {
  'self_attn.q_proj': 'q',
  'self_attn.k_proj': 'k',
  'self_attn.v_proj': 'v',
  'self_attn.o_proj': 'o',
  'mlp.gate_proj': 'gate',
  'mlp.up_proj': 'up',
  'mlp.down_proj': 'down',
};

/** A host adapter (A [r, in], B [out, r]) as host modules, in layer then projection order (copies). */
export function hostLoraOf(set: HostLoraSet): HostLoraModule[] {
  const out: HostLoraModule[] = [];
  for (const [key, pair] of Object.entries(set.modules)) {
    const [, layer, ...rest] = key.split('.');
    const [r, inDim] = pair.aShape;
    const outDim = pair.bShape[0];
    out.push({
      key,
      layer: Number(layer),
      proj: PROJ_OF[rest.join('.')],
      r,
      inDim,
      outDim,
      scale: pair.scaling,
      a: Float32Array.from(pair.a),
      b: Float32Array.from(pair.b),
    });
  }
  const order = Object.values(PROJ_OF);
  return out.sort((x, y) => x.layer - y.layer || order.indexOf(x.proj) - order.indexOf(y.proj));
}
