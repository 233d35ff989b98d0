/**
 * The prefix-tuning parameters (prefix-tuning.ts) as tf.Variables, for the tfjs TrainEngine and the
 * tfjs reference tests only; the product trains prefixes on ggml from the host parameters.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config/model-config';
import type { PrefixKv } from '../models/causal-lm';
import { initPrefixHost, type PrefixSpec } from './prefix-tuning';
import type { Rng } from './rng';

export interface TrainablePrefix {
  spec: PrefixSpec;
  params: Map<string, tf.Variable>;
}

export function createPrefix(cfg: ModelConfig, spec: PrefixSpec, rng: Rng): TrainablePrefix {
  const params = new Map<string, tf.Variable>();
  for (const [name, t] of initPrefixHost(cfg, spec, rng))
    params.set(
      name,
      tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape), true)),
    );
  return { spec, params };
}

/** The flat prefix [P, L*2*kvDim] (what peft saves as `prompt_embeddings`). */
export function prefixFlat(prefix: TrainablePrefix): tf.Tensor2D {
  const p = prefix.params;
  if (!prefix.spec.projection) return tf.clone(p.get('embedding.weight')!) as tf.Tensor2D;
  return tf.tidy(() => {
    const h = tf.tanh(tf.add(tf.matMul(p.get('embedding.weight')!, p.get('transform.0.weight')!, false, true), p.get('transform.0.bias')!)); // [P, E]
    return tf.add(tf.matMul(h, p.get('transform.2.weight')!, false, true), p.get('transform.2.bias')!) as tf.Tensor2D; // [P, L*2*kvDim]
  });
}

/** Per-layer keys/values [B, P, nKv, hd] from a flat prefix [P, L*2*kvDim]. */
export function prefixKvFromFlat(flat: tf.Tensor2D, cfg: ModelConfig, batch: number): PrefixKv[] {
  return tf.tidy(() => {
    const P = flat.shape[0];
    const view = tf.reshape(flat, [P, cfg.numLayers * 2, cfg.numKvHeads * cfg.headDim]); // [P, L*2, kvDim]
    const parts = tf.split(view, cfg.numLayers * 2, 1); // each [P, 1, kvDim]
    const perRow = (t: tf.Tensor) => {
      const one = tf.reshape(t, [1, P, cfg.numKvHeads, cfg.headDim]); // [1, P, nKv, hd]
      return (batch > 1 ? tf.tile(one, [batch, 1, 1, 1]) : one) as tf.Tensor4D; // [B, P, nKv, hd]
    };
    const out: PrefixKv[] = [];
    for (let l = 0; l < cfg.numLayers; l++) out.push({ key: perRow(parts[2 * l]), value: perRow(parts[2 * l + 1]) });
    return out as unknown as tf.Tensor[];
  }) as unknown as PrefixKv[];
}

export function disposePrefixKv(kv: PrefixKv[]): void {
  for (const { key, value } of kv) {
    key.dispose();
    value.dispose();
  }
}

export function disposeTrainablePrefix(p: TrainablePrefix): void {
  for (const v of p.params.values()) v.dispose();
  p.params.clear();
}
