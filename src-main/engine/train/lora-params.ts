/**
 * Trainable LoRA matrices for the tfjs decoder's forward (adapters/lora-set.ts), as tf.Variables keyed
 * by peft's saved names (the tfjs reference tests; the product trains on ggml). Initialisation follows
 * peft `LoraLayer.reset_lora_parameters` with
 * init_lora_weights=True: A by nn.init.kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
 * and B zeros, so the adapter starts as the identity. Scaling alpha/r, or alpha/sqrt(r) with rsLoRA.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config/model-config';
import { peftKey, PROJECTIONS, type LoraSet, type Projection } from '../adapters/lora-set';
import { loraScale, resolveTargets, SHORT, type LoraTrainSpec } from './lora-targets';

export { loraScale, resolveTargets, type LoraTrainSpec } from './lora-targets';
import type { Rng } from './rng';
import { initLoraHost } from './lora-init';

export interface TrainableLora {
  set: LoraSet;
  /** peft key -> variable, in a stable order. */
  params: Map<string, tf.Variable>; // lora_A [r, in], lora_B [out, r]
  /** Short names actually targeted, for adapter_config.json. */
  targetModules: string[];
}

export function createLora(cfg: ModelConfig, spec: LoraTrainSpec, rng: Rng): TrainableLora {
  const projections = resolveTargets(spec.targets);
  const scaling = loraScale(spec);
  const set: LoraSet = { modules: {}, dropout: spec.dropout };
  const params = new Map<string, tf.Variable>();
  for (const m of initLoraHost(cfg, spec.r, projections, rng)) {
    const a = tf.tidy(() => tf.variable(tf.tensor2d(m.a, [spec.r, m.inDim]), true)); // [r, in]
    const b = tf.tidy(() => tf.variable(tf.tensor2d(m.b, [m.outDim, spec.r]), true)); // [out, r]
    set.modules[m.key] = { a: a as unknown as tf.Tensor2D, b: b as unknown as tf.Tensor2D, scaling };
    params.set(peftKey(m.key, 'A'), a);
    params.set(peftKey(m.key, 'B'), b);
  }
  return { set, params, targetModules: projections.map(SHORT) };
}

/** Turns a loaded (inference) LoraSet into trainable variables; the given tensors are disposed. */
export function loraFromLoaded(loaded: LoraSet, dropout: number): TrainableLora {
  const set: LoraSet = { modules: {}, dropout };
  const params = new Map<string, tf.Variable>();
  const targets = new Set<string>();
  for (const key of Object.keys(loaded.modules).sort(compareModuleKeys)) {
    const pair = loaded.modules[key]; // a [r, in], b [out, r]
    const a = tf.variable(pair.a, true); // [r, in]
    const b = tf.variable(pair.b, true); // [out, r]
    pair.a.dispose();
    pair.b.dispose();
    set.modules[key] = { a: a as unknown as tf.Tensor2D, b: b as unknown as tf.Tensor2D, scaling: pair.scaling };
    params.set(peftKey(key, 'A'), a);
    params.set(peftKey(key, 'B'), b);
    targets.add(key.split('.').pop()!);
  }
  return { set, params, targetModules: [...targets] };
}

/** layers.2.x before layers.10.x, then projection order. */
function compareModuleKeys(a: string, b: string): number {
  const la = Number(a.split('.')[1]);
  const lb = Number(b.split('.')[1]);
  if (la !== lb) return la - lb;
  const pa = PROJECTIONS.indexOf(a.split('.').slice(2).join('.') as Projection);
  const pb = PROJECTIONS.indexOf(b.split('.').slice(2).join('.') as Projection);
  return pa - pb;
}

export function disposeTrainableLora(l: TrainableLora): void {
  for (const v of l.params.values()) v.dispose();
  l.params.clear();
}
