/**
 * The frozen base weights of a decoder, as plain (never variable) float32 tensors (projections kept
 * transposed as [in, out] kernels, see nn/linear.ts), read tensor by
 * tensor from a `WeightStore` and checked against the shapes `config.json` implies.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config/model-config';
import type { WeightStore } from '../io/weight-store';
import type { LinearWeights } from '../nn/linear';
import type { MlpWeights } from '../nn/swiglu-mlp';
import { checkWeights } from './weight-shapes';

export { checkWeights, expectedWeightShapes } from './weight-shapes';

export interface LayerWeights {
  inputNorm: tf.Tensor1D;
  postNorm: tf.Tensor1D;
  q: LinearWeights;
  k: LinearWeights;
  v: LinearWeights;
  o: LinearWeights;
  mlp: MlpWeights;
  qNorm?: tf.Tensor1D;
  kNorm?: tf.Tensor1D;
}

export interface ModelWeights {
  embed: tf.Tensor2D; // [V, H]
  layers: LayerWeights[];
  finalNorm: tf.Tensor1D; // [H]
  /** [V, H]; the same tensor as `embed` when the embeddings are tied. */
  lmHead: tf.Tensor2D;
}

export type { LoadProgress } from './weight-shapes';
import type { LoadProgress } from './weight-shapes';

/** Projection matrices are stored transposed ([in, out]); see nn/linear.ts. */
const PROJECTION_WEIGHT = /\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)\.weight$/;

/** Row-major [rows, cols] -> [cols, rows] on the host, in cache-friendly tiles. */
export function transposeHost(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  const tile = 64;
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const r1 = Math.min(rows, r0 + tile);
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const c1 = Math.min(cols, c0 + tile);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = data[r * cols + c];
    }
  }
  return out;
}

export async function loadModelWeights(
  store: WeightStore,
  cfg: ModelConfig,
  configWhere: string,
  onProgress?: (p: LoadProgress) => void,
): Promise<ModelWeights> {
  const expected = checkWeights(store, cfg, configWhere);
  const tensors = new Map<string, tf.Tensor>();
  let loaded = 0;
  try {
    for (const [name, shape] of expected) {
      const data = await store.read(name);
      if (PROJECTION_WEIGHT.test(name)) tensors.set(name, tf.tensor(transposeHost(data, shape[0], shape[1]), [shape[1], shape[0]], 'float32'));
      else tensors.set(name, tf.tensor(data, shape, 'float32'));
      onProgress?.({ loaded: ++loaded, total: expected.size, name });
    }
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  const t1 = (n: string) => tensors.get(n) as tf.Tensor1D;
  const t2 = (n: string) => tensors.get(n) as tf.Tensor2D;
  const lin = (p: string): LinearWeights => ({ kernel: t2(`${p}.weight`), bias: tensors.has(`${p}.bias`) ? t1(`${p}.bias`) : undefined });
  const layers: LayerWeights[] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    const p = `model.layers.${i}`;
    layers.push({
      inputNorm: t1(`${p}.input_layernorm.weight`),
      postNorm: t1(`${p}.post_attention_layernorm.weight`),
      q: lin(`${p}.self_attn.q_proj`),
      k: lin(`${p}.self_attn.k_proj`),
      v: lin(`${p}.self_attn.v_proj`),
      o: lin(`${p}.self_attn.o_proj`),
      mlp: { gate: lin(`${p}.mlp.gate_proj`), up: lin(`${p}.mlp.up_proj`), down: lin(`${p}.mlp.down_proj`) },
      qNorm: cfg.qkNorm ? t1(`${p}.self_attn.q_norm.weight`) : undefined,
      kNorm: cfg.qkNorm ? t1(`${p}.self_attn.k_norm.weight`) : undefined,
    });
  }
  const embed = t2('model.embed_tokens.weight');
  return { embed, layers, finalNorm: t1('model.norm.weight'), lmHead: cfg.tieWordEmbeddings ? embed : t2('lm_head.weight') };
}

/** Every distinct tensor of the weights (a tied head is the embedding, counted once). */
export function modelTensors(w: ModelWeights): Set<tf.Tensor> {
  const seen = new Set<tf.Tensor>();
  const add = (t?: tf.Tensor) => t && seen.add(t);
  add(w.embed);
  add(w.lmHead);
  add(w.finalNorm);
  for (const l of w.layers) {
    [l.inputNorm, l.postNorm, l.qNorm, l.kNorm].forEach(add);
    for (const lw of [l.q, l.k, l.v, l.o, l.mlp.gate, l.mlp.up, l.mlp.down]) {
      add(lw.kernel);
      add(lw.bias);
    }
  }
  return seen;
}

export function disposeModelWeights(w: ModelWeights): void {
  for (const t of modelTensors(w)) t.dispose();
}
