/**
 * The decoder-only causal LM shared by Qwen2, Qwen3 and Llama (transformers `Qwen2Model` +
 * `Qwen2ForCausalLM`): embedding, N x [RMSNorm -> attention (GQA, RoPE, optional q/k norm) ->
 * residual -> RMSNorm -> SwiGLU -> residual], final RMSNorm, LM head (tied or not).
 *
 * `forward` returns final hidden states [B, T, H]; `lmHead` maps them to logits separately so a
 * trainer can compute cross-entropy in chunks. Everything is a pure function of the inputs, the
 * frozen weights and the LoRA/prefix tensors passed in, so `tf.variableGrads` works through it,
 * and `decoderLayer` can be wrapped alone (gradient checkpointing with tf.customGrad).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config/model-config';
import { loraModuleKey, type LoraSet, type Projection } from '../adapters/lora-set';
import { groupedQueryAttention } from '../nn/attention';
import { buildMaskAndPositions } from '../nn/attention-mask';
import type { KvCache } from '../nn/kv-cache';
import { linear, type LinearDropout, type LinearWeights, type LoraPair } from '../nn/linear';
import { rmsNorm } from '../nn/rms-norm';
import { applyRope, ropeInverseFrequencies, ropeTables } from '../nn/rope';
import { swigluMlp } from '../nn/swiglu-mlp';
import { disposeModelWeights, type ModelWeights } from './model-weights';

/** Per-layer prefix (P-Tuning v2 / prefix tuning) keys and values, not rotated: [B, P, nKv, hd]. */
export interface PrefixKv {
  key: tf.Tensor4D;
  value: tf.Tensor4D;
}

export interface ForwardOptions {
  /** [B, past + T], 1 for tokens, 0 for padding (HF convention). Default: all ones. */
  attentionMask?: tf.Tensor2D;
  adapters?: LoraSet;
  /** Turns on LoRA dropout (seeded by `dropoutSeed`). */
  training?: boolean;
  dropoutSeed?: number;
  /** Incremental decoding: read past keys/values, append this call's, advance `pastLength`. */
  kvCache?: KvCache;
  /** One entry per layer; used on a call with no past (it then lives in the cache, if any). */
  prefix?: PrefixKv[];
  /** Override position ids [B, T] (default: cumsum of the prefix-extended mask minus one). */
  positionIds?: tf.Tensor2D;
}

/** Everything one decoder layer needs besides its input; built once per forward call. */
export interface LayerContext {
  cos: tf.Tensor4D; // [B, T, 1, hd]
  sin: tf.Tensor4D; // [B, T, 1, hd]
  mask: tf.Tensor4D; // [B, 1, T, P + past + T]
  adapters?: LoraSet;
  training: boolean;
  dropoutSeed: number;
  kvCache?: KvCache;
  prefix?: PrefixKv[];
}

export class CausalLM {
  private readonly invFreq: Float64Array;

  constructor(
    readonly config: ModelConfig,
    readonly weights: ModelWeights,
  ) {
    this.invFreq = ropeInverseFrequencies(config.rope, config.headDim);
  }

  /** Token embeddings: ids [B, T] int32 -> [B, T, H]. */
  embed(inputIds: tf.Tensor2D): tf.Tensor3D {
    return tf.gather(this.weights.embed, inputIds) as unknown as tf.Tensor3D;
  }

  /**
   * Mask, positions and RoPE tables of a call with `steps` new tokens per row. The caller owns the
   * returned tensors (dispose them, or build the context inside a tidy).
   */
  buildContext(batch: number, steps: number, opts: ForwardOptions = {}): LayerContext {
    const cache = opts.kvCache;
    const pastLen = cache?.pastLength ?? 0;
    const prefixLen = cache && pastLen > 0 ? cache.prefixLength : (opts.prefix?.[0]?.key.shape[1] ?? 0);
    const known = pastLen + steps;
    let keyMask: ArrayLike<number>;
    if (opts.attentionMask) {
      const [mb, mt] = opts.attentionMask.shape;
      if (mb !== batch || mt !== known) throw new Error(`attentionMask is [${mb}, ${mt}], expected [${batch}, ${known}] (past + current tokens)`);
      keyMask = opts.attentionMask.dataSync();
    } else {
      keyMask = new Float32Array(batch * known).fill(1);
    }
    const built = buildMaskAndPositions(keyMask, batch, steps, pastLen, prefixLen);
    const positions = opts.positionIds ? Int32Array.from(opts.positionIds.dataSync()) : built.positions;
    const { cos, sin } = ropeTables(positions, batch, steps, this.invFreq);
    return {
      cos,
      sin,
      mask: built.mask,
      adapters: opts.adapters,
      training: opts.training ?? false,
      dropoutSeed: opts.dropoutSeed ?? 0,
      kvCache: cache,
      prefix: pastLen === 0 ? opts.prefix : undefined,
    };
  }

  private lora(ctx: LayerContext, layer: number, p: Projection): LoraPair | undefined {
    return ctx.adapters?.modules[loraModuleKey(layer, p)];
  }

  private dropout(ctx: LayerContext, layer: number, module: number): LinearDropout | undefined {
    const rate = ctx.adapters?.dropout ?? 0;
    if (!ctx.training || rate <= 0) return undefined;
    return { rate, seed: ctx.dropoutSeed * 1_000_003 + layer * 16 + module };
  }

  private proj(x: tf.Tensor, w: LinearWeights, ctx: LayerContext, layer: number, p: Projection, module: number): tf.Tensor {
    return linear(x, w, this.lora(ctx, layer, p), this.dropout(ctx, layer, module));
  }

  /** One decoder block: x [B, T, H] -> [B, T, H]. Updates ctx.kvCache's layer `i` if present. */
  decoderLayer(x: tf.Tensor3D, i: number, ctx: LayerContext): tf.Tensor3D {
    const cfg = this.config;
    const w = this.weights.layers[i];
    return tf.tidy(() => {
      const [b, t] = x.shape;
      const h = rmsNorm(x, w.inputNorm, cfg.rmsNormEps); // [B, T, H]
      let q = tf.reshape(this.proj(h, w.q, ctx, i, 'self_attn.q_proj', 0), [b, t, cfg.numHeads, cfg.headDim]) as tf.Tensor4D; // [B, T, nH, hd]
      let k = tf.reshape(this.proj(h, w.k, ctx, i, 'self_attn.k_proj', 1), [b, t, cfg.numKvHeads, cfg.headDim]) as tf.Tensor4D; // [B, T, nKv, hd]
      const v = tf.reshape(this.proj(h, w.v, ctx, i, 'self_attn.v_proj', 2), [b, t, cfg.numKvHeads, cfg.headDim]) as tf.Tensor4D; // [B, T, nKv, hd]
      if (w.qNorm && w.kNorm) {
        q = rmsNorm(q, w.qNorm, cfg.rmsNormEps) as tf.Tensor4D;
        k = rmsNorm(k, w.kNorm, cfg.rmsNormEps) as tf.Tensor4D;
      }
      q = applyRope(q, ctx.cos, ctx.sin);
      k = applyRope(k, ctx.cos, ctx.sin);
      const qh = tf.transpose(q, [0, 2, 1, 3]) as tf.Tensor4D; // [B, nH, T, hd]
      let kh = tf.transpose(k, [0, 2, 1, 3]) as tf.Tensor4D; // [B, nKv, T, hd]
      let vh = tf.transpose(v, [0, 2, 1, 3]) as tf.Tensor4D; // [B, nKv, T, hd]
      const past = ctx.kvCache?.layer(i);
      if (past?.k && past.v) {
        kh = tf.concat([past.k, kh], 2); // [B, nKv, P + past + T, hd]
        vh = tf.concat([past.v, vh], 2);
      } else if (ctx.prefix) {
        const pre = ctx.prefix[i];
        kh = tf.concat([tf.transpose(pre.key, [0, 2, 1, 3]) as tf.Tensor4D, kh], 2); // [B, nKv, P + T, hd]
        vh = tf.concat([tf.transpose(pre.value, [0, 2, 1, 3]) as tf.Tensor4D, vh], 2);
      }
      if (ctx.kvCache) ctx.kvCache.update(i, kh, vh);
      const attn = groupedQueryAttention(qh, kh, vh, ctx.mask); // [B, T, nH*hd]
      const x1 = tf.add(x, this.proj(attn, w.o, ctx, i, 'self_attn.o_proj', 3)); // [B, T, H]
      const h2 = rmsNorm(x1, w.postNorm, cfg.rmsNormEps);
      const mlpLora = {
        gate: this.lora(ctx, i, 'mlp.gate_proj'),
        up: this.lora(ctx, i, 'mlp.up_proj'),
        down: this.lora(ctx, i, 'mlp.down_proj'),
      };
      const mlp = swigluMlp(h2, w.mlp, mlpLora, (m) => this.dropout(ctx, i, 4 + m));
      return tf.add(x1, mlp) as tf.Tensor3D; // [B, T, H]
    });
  }

  /** Final RMSNorm of the last layer's output. */
  finalNorm(x: tf.Tensor3D): tf.Tensor3D {
    return rmsNorm(x, this.weights.finalNorm, this.config.rmsNormEps) as tf.Tensor3D;
  }

  /** inputIds [B, T] int32 -> final hidden states [B, T, H] (after the final norm). */
  forward(inputIds: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    const [b, t] = inputIds.shape;
    const cache = opts.kvCache;
    const firstCall = !cache || cache.pastLength === 0;
    const out = tf.tidy(() => {
      const ctx = this.buildContext(b, t, opts);
      let x = this.embed(tf.cast(inputIds, 'int32') as tf.Tensor2D);
      for (let i = 0; i < this.config.numLayers; i++) x = this.decoderLayer(x, i, ctx);
      return this.finalNorm(x);
    });
    if (cache) {
      if (firstCall) cache.prefixLength = opts.prefix?.[0]?.key.shape[1] ?? 0;
      cache.pastLength += t;
    }
    return out;
  }

  /** hidden [..., H] -> logits [..., V]. */
  lmHead(hidden: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const hDim = hidden.shape[hidden.shape.length - 1];
      const lead = hidden.shape.slice(0, -1);
      const logits = tf.matMul(tf.reshape(hidden, [-1, hDim]), this.weights.lmHead, false, true); // [N, V]
      return tf.reshape(logits, [...lead, this.config.vocabSize]);
    });
  }

  /** Convenience for inference: logits [B, T, V] of a forward. */
  logits(inputIds: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    const hidden = this.forward(inputIds, opts);
    try {
      return this.lmHead(hidden) as tf.Tensor3D;
    } finally {
      hidden.dispose();
    }
  }

  dispose(): void {
    disposeModelWeights(this.weights);
  }
}
