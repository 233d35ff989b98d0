/**
 * A loaded PEFT LoRA adapter (engine-node/load-model.ts's loadAdapterFromDir) as the host modules
 * lora-trainer.ts starts from.
 */
import type { LoraSet } from '../adapters/lora-set';
import type { ProjName } from './frozen-weights';
import type { HostLoraModule } from './lora-trainer';

const PROJ_OF: Record<string, ProjName> = {
  'self_attn.q_proj': 'q',
  'self_attn.k_proj': 'k',
  'self_attn.v_proj': 'v',
  'self_attn.o_proj': 'o',
  'mlp.gate_proj': 'gate',
  'mlp.up_proj': 'up',
  'mlp.down_proj': 'down',
};

/** A loaded LoraSet (tensors A [r, in], B [out, r]) as host modules, in layer then projection order. */
export function hostLoraOf(set: LoraSet): HostLoraModule[] {
  const out: HostLoraModule[] = [];
  for (const [key, pair] of Object.entries(set.modules)) {
    const [, layer, ...rest] = key.split('.');
    const [r, inDim] = pair.a.shape;
    const outDim = pair.b.shape[0];
    out.push({ key, layer: Number(layer), proj: PROJ_OF[rest.join('.')], r, inDim, outDim, scale: pair.scaling, a: Float32Array.from(pair.a.dataSync()), b: Float32Array.from(pair.b.dataSync()) });
  }
  const order = Object.values(PROJ_OF);
  return out.sort((x, y) => x.layer - y.layer || order.indexOf(x.proj) - order.indexOf(y.proj));
}
