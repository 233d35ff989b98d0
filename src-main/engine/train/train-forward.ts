/**
 * The training forward pass: a batch (batching.ts) through the engine's decoder (models/causal-lm.ts)
 * to final hidden states, with trainable LoRA matrices and/or prefix keys/values, packed rows, and
 * optional gradient checkpointing per decoder layer.
 *
 * Packing: the engine's mask builder knows padding only, so packed rows get their own additive mask
 * (a token sees earlier tokens of its own example, and every prefix column) and positions restarting
 * at each example (offset by the prefix length, as peft + transformers place tokens after a prefix).
 *
 * Gradient checkpointing (as torch.utils.checkpoint): each layer runs inside tf.customGrad with the
 * tape off, so only its input is kept; the backward pass re-runs the layer under a nested
 * tf.valueAndGrads with the upstream gradient. The recompute uses the same dropout seed, so it sees
 * the same masks. tfjs's engine keeps one active tape, so the nested call saves and restores it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loraModuleKey, PROJECTIONS, type LoraSet } from '../adapters/lora-set';
import type { CausalLM, LayerContext, PrefixKv } from '../models/causal-lm';
import type { LoraPair } from '../nn/linear';
import { ropeInverseFrequencies, ropeTables } from '../nn/rope';
import type { Batch } from './batching';
import { packedMaskAndPositions } from './packed-mask';

export interface TrainForwardOptions {
  adapters?: LoraSet;
  /** Per-layer prefix keys/values [B, P, nKv, hd], differentiable. */
  prefix?: PrefixKv[];
  training: boolean;
  dropoutSeed: number;
  checkpointing: boolean;
}

function layerContext(model: CausalLM, batch: Batch, opts: TrainForwardOptions): LayerContext {
  const { batch: B, steps: T } = batch;
  const prefixLen = opts.prefix?.[0]?.key.shape[1] ?? 0;
  if (!batch.segments) {
    return model.buildContext(B, T, {
      attentionMask: tf.tensor2d(batch.attentionMask, [B, T], 'int32'),
      adapters: opts.adapters,
      training: opts.training,
      dropoutSeed: opts.dropoutSeed,
      prefix: opts.prefix,
    });
  }
  const { mask, positions } = packedMaskAndPositions(batch, prefixLen);
  const { cos, sin } = ropeTables(positions, B, T, ropeInverseFrequencies(model.config.rope, model.config.headDim));
  return {
    cos,
    sin,
    mask: tf.tensor4d(mask, [B, 1, T, prefixLen + T]),
    adapters: opts.adapters,
    training: opts.training,
    dropoutSeed: opts.dropoutSeed,
    prefix: opts.prefix,
  };
}

/** Final hidden states [B, T, H] of a batch. Call inside tf.tidy / variableGrads. */
export function trainHidden(model: CausalLM, batch: Batch, opts: TrainForwardOptions): tf.Tensor3D {
  const ctx = layerContext(model, batch, opts);
  const ids = tf.tensor2d(batch.ids, [batch.batch, batch.steps], 'int32');
  let x = model.embed(ids);
  for (let i = 0; i < model.config.numLayers; i++) {
    x = opts.checkpointing ? checkpointedLayer(model, x, i, ctx) : model.decoderLayer(x, i, ctx);
  }
  return model.finalNorm(x);
}

/** The tensors of layer i a gradient must reach: LoRA A/B pairs and the layer's prefix K/V. */
function layerInputs(ctx: LayerContext, i: number): { keys: string[]; tensors: tf.Tensor[]; prefixAt: number } {
  const keys: string[] = [];
  const tensors: tf.Tensor[] = [];
  for (const p of PROJECTIONS) {
    const key = loraModuleKey(i, p);
    const pair = ctx.adapters?.modules[key];
    if (pair) {
      keys.push(key);
      tensors.push(pair.a, pair.b);
    }
  }
  const prefixAt = tensors.length;
  if (ctx.prefix) tensors.push(ctx.prefix[i].key, ctx.prefix[i].value);
  return { keys, tensors, prefixAt };
}

/** ctx with layer i's LoRA and prefix tensors replaced by `args` (same order as layerInputs). */
function withLayerTensors(ctx: LayerContext, i: number, keys: string[], args: tf.Tensor[], prefixAt: number, rope: tf.Tensor[]): LayerContext {
  let adapters = ctx.adapters;
  if (adapters && keys.length) {
    const modules: Record<string, LoraPair> = { ...adapters.modules };
    keys.forEach((key, k) => {
      modules[key] = { a: args[2 * k] as tf.Tensor2D, b: args[2 * k + 1] as tf.Tensor2D, scaling: adapters!.modules[key].scaling };
    });
    adapters = { modules, dropout: adapters.dropout };
  }
  let prefix = ctx.prefix;
  if (prefix) {
    prefix = [...prefix];
    prefix[i] = { key: args[prefixAt] as tf.Tensor4D, value: args[prefixAt + 1] as tf.Tensor4D };
  }
  const [cos, sin, mask] = rope as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  return { ...ctx, cos, sin, mask, adapters, prefix, kvCache: undefined };
}

interface EngineTapeState {
  state: { activeTape: unknown; gradientDepth: number };
}

/** Runs a nested gradient computation without clobbering the tape of the backward pass around it. */
function isolatedTape<T>(fn: () => T): T {
  const eng = tf.engine() as unknown as EngineTapeState;
  const tape = eng.state.activeTape;
  const depth = eng.state.gradientDepth;
  try {
    return fn();
  } finally {
    eng.state.activeTape = tape;
    eng.state.gradientDepth = depth;
  }
}

function checkpointedLayer(model: CausalLM, x: tf.Tensor3D, i: number, ctx: LayerContext): tf.Tensor3D {
  const { keys, tensors, prefixAt } = layerInputs(ctx, i);
  const op = tf.customGrad((...all: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = all[all.length - 1] as tf.GradSaveFunc;
    const inputs = all.slice(0, -1) as tf.Tensor[];
    save([...inputs, ctx.cos, ctx.sin, ctx.mask]);
    const value = model.decoderLayer(inputs[0] as tf.Tensor3D, i, ctx);
    return {
      value,
      gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
        const n = inputs.length;
        const args = saved.slice(0, n);
        const rope = saved.slice(n);
        return isolatedTape(() =>
          tf.tidy(() => {
            const f = (...a: tf.Tensor[]) => model.decoderLayer(a[0] as tf.Tensor3D, i, withLayerTensors(ctx, i, keys, a.slice(1), prefixAt, rope));
            return tf.valueAndGrads(f)(args, dy).grads;
          }),
        );
      },
    };
  });
  return op(x, ...tensors) as tf.Tensor3D;
}
