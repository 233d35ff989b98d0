/**
 * Host copies of a loaded model's weights and a loaded PEFT LoRA adapter, in the layouts
 * frozen-weights.ts and lora-trainer.ts take. Reads the tensors the existing loader
 * (engine-node/load-model.ts) produced, so training on ggml reads exactly the weights inference
 * and the tfjs trainer read (same safetensors reader, dtype conversion and shape checks).
 */
import type { LoraSet } from '../adapters/lora-set';
import type { CausalLM } from '../models/causal-lm';
import type { LinearWeights } from '../nn/linear';
import type { HostLayer, HostLinear, HostWeights, ProjName } from './frozen-weights';
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

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

function linear(w: LinearWeights): HostLinear {
  const [inDim, outDim] = w.kernel.shape; // kernel is [in, out] = Wᵀ
  return { weight: transpose(w.kernel.dataSync() as Float32Array, inDim, outDim), bias: w.bias?.dataSync() as Float32Array | undefined, in: inDim, out: outDim };
}

export function hostWeightsOf(model: CausalLM): HostWeights {
  const w = model.weights;
  const f = (t: { dataSync(): ArrayLike<number> }) => Float32Array.from(t.dataSync());
  const layers: HostLayer[] = w.layers.map((l) => ({
    inputNorm: f(l.inputNorm),
    postNorm: f(l.postNorm),
    proj: { q: linear(l.q), k: linear(l.k), v: linear(l.v), o: linear(l.o), gate: linear(l.mlp.gate), up: linear(l.mlp.up), down: linear(l.mlp.down) },
    qNorm: l.qNorm ? f(l.qNorm) : undefined,
    kNorm: l.kNorm ? f(l.kNorm) : undefined,
  }));
  return { embed: f(w.embed), lmHead: w.lmHead === w.embed ? undefined : f(w.lmHead), finalNorm: f(w.finalNorm), layers };
}

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
