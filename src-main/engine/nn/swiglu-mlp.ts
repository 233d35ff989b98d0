/**
 * The SwiGLU MLP of Qwen2/Qwen3/Llama (transformers `Qwen2MLP`): down(silu(gate(x)) * up(x)).
 */
import * as tf from '@tensorflow/tfjs-core';
import { linear, type LinearDropout, type LinearWeights, type LoraPair } from './linear';

export interface MlpWeights {
  gate: LinearWeights;
  up: LinearWeights;
  down: LinearWeights;
}

export interface MlpLora {
  gate?: LoraPair;
  up?: LoraPair;
  down?: LoraPair;
}

export function swigluMlp(x: tf.Tensor, w: MlpWeights, lora: MlpLora = {}, dropout?: (module: number) => LinearDropout | undefined): tf.Tensor {
  return tf.tidy(() => {
    const g = linear(x, w.gate, lora.gate, dropout?.(0)); // [B, T, I]
    const u = linear(x, w.up, lora.up, dropout?.(1)); // [B, T, I]
    const act = tf.mul(tf.mul(g, tf.sigmoid(g)), u); // silu(g) * u
    return linear(act, w.down, lora.down, dropout?.(2)); // [B, T, H]
  });
}
