/**
 * P-Tuning v2 / prefix tuning parameters in peft's PREFIX_TUNING layout (peft `PrefixEncoder` and
 * `PeftModel.get_prompt`):
 * - without reparameterisation: an embedding [P, L*2*kvDim] (nn.Embedding, init N(0, 1));
 * - with it (`prefix_projection`): an embedding [P, H], then Linear(H, E) -> tanh -> Linear(E, L*2*kvDim)
 *   (nn.Linear's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias).
 * The flat output is viewed as [P, L*2, nKv, hd]: index 2l is layer l's keys and 2l+1 its values
 * (peft's permute([2, 0, 3, 1, 4]).split(2)). For GQA models peft sets token_dim = hd * nKv and
 * num_attention_heads = nKv (peft utils `_prepare_prompt_learning_config`). What peft saves is the
 * flat output for P tokens (`prompt_embeddings`), so the MLP is folded in at save time.
 * Prefix keys are used as given (no RoPE); real tokens then sit at positions P, P+1, ...
 */
import type { ModelConfig } from '../config/model-config';
import type { Rng } from './rng';

export interface PrefixSpec {
  numVirtualTokens: number;
  projection: boolean;
  /** Hidden width E of the reparameterisation MLP (peft encoder_hidden_size). */
  encoderHidden: number;
}

export function kvDim(cfg: ModelConfig): number {
  return cfg.numKvHeads * cfg.headDim;
}

function gaussian(rng: Rng): number {
  const u = 1 - rng.nextFloat();
  const v = rng.nextFloat();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function filled(n: number, f: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f();
  return out;
}

/** Initial prefix parameters on the host (peft's init), in the order every engine draws them. */
export function initPrefixHost(cfg: ModelConfig, spec: PrefixSpec, rng: Rng): Map<string, { shape: number[]; data: Float32Array }> {
  const P = spec.numVirtualTokens;
  const flat = cfg.numLayers * 2 * kvDim(cfg);
  const params = new Map<string, { shape: number[]; data: Float32Array }>();
  const v = (name: string, data: Float32Array, shape: number[]) => params.set(name, { shape, data });
  if (!spec.projection) {
    v(
      'embedding.weight',
      filled(P * flat, () => gaussian(rng)),
      [P, flat],
    );
  } else {
    const H = cfg.hiddenSize;
    const E = spec.encoderHidden;
    const u = (fanIn: number) => () => (2 * rng.nextFloat() - 1) / Math.sqrt(fanIn);
    v(
      'embedding.weight',
      filled(P * H, () => gaussian(rng)),
      [P, H],
    );
    v('transform.0.weight', filled(E * H, u(H)), [E, H]);
    v('transform.0.bias', filled(E, u(H)), [E]);
    v('transform.2.weight', filled(flat * E, u(E)), [flat, E]);
    v('transform.2.bias', filled(flat, u(E)), [flat]);
  }
  return params;
}

/** The flat prefix [P, L*2*kvDim] from host parameters: peft's prompt_embeddings (MLP folded in). */
export function prefixFlatHost(spec: PrefixSpec, params: Map<string, { shape: number[]; data: Float32Array }>): { shape: number[]; data: Float32Array } {
  const emb = params.get('embedding.weight')!;
  if (!spec.projection) return { shape: emb.shape, data: Float32Array.from(emb.data) };
  const [P, H] = emb.shape;
  const w1 = params.get('transform.0.weight')!; // [E, H]
  const b1 = params.get('transform.0.bias')!.data;
  const w2 = params.get('transform.2.weight')!; // [F, E]
  const b2 = params.get('transform.2.bias')!.data;
  const E = w1.shape[0];
  const F = w2.shape[0];
  const h = new Float64Array(P * E);
  for (let p = 0; p < P; p++) {
    for (let e = 0; e < E; e++) {
      let acc = b1[e];
      for (let k = 0; k < H; k++) acc += emb.data[p * H + k] * w1.data[e * H + k];
      h[p * E + e] = Math.tanh(acc);
    }
  }
  const out = new Float32Array(P * F);
  for (let p = 0; p < P; p++) {
    for (let f = 0; f < F; f++) {
      let acc = b2[f];
      for (let e = 0; e < E; e++) acc += h[p * E + e] * w2.data[f * E + e];
      out[p * F + f] = acc;
    }
  }
  return { shape: [P, F], data: out };
}
