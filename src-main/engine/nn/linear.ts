/**
 * A torch `nn.Linear` (y = x W^T + b; the checkpoint stores W as [out, in], we keep its transpose
 * `kernel` [in, out] so the product is a plain matMul, which tfjs-backend-wasm runs ~5x faster than a
 * transposed one because XNNPACK can keep the packed weights between calls) with an optional
 * PEFT LoRA branch added unmerged: y += scaling * dropout(x) A^T B^T, with A [r, in], B [out, r]
 * (peft `LoraLayer.forward`). A and B may be tf.Variables (training) or plain tensors (inference);
 * the base weight never is, so no gradient is ever held for it.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface LinearWeights {
  kernel: tf.Tensor2D; // [in, out] = W^T
  bias?: tf.Tensor1D; // [out]
}

export interface LoraPair {
  a: tf.Tensor2D; // [r, in]
  b: tf.Tensor2D; // [out, r]
  scaling: number;
}

export interface LinearDropout {
  rate: number;
  seed: number;
}

export function linear(x: tf.Tensor, w: LinearWeights, lora?: LoraPair, dropout?: LinearDropout): tf.Tensor {
  return tf.tidy(() => {
    const inDim = x.shape[x.shape.length - 1];
    const lead = x.shape.slice(0, -1);
    const x2 = tf.reshape(x, [-1, inDim]); // [N, in]
    let y = tf.matMul(x2, w.kernel); // [N, out]
    if (w.bias) y = tf.add(y, w.bias);
    if (lora) {
      const xin = dropout && dropout.rate > 0 ? tf.dropout(x2, dropout.rate, undefined, dropout.seed) : x2;
      const down = tf.matMul(xin, lora.a, false, true); // [N, r]
      const up = tf.matMul(down, lora.b, false, true); // [N, out]
      y = tf.add(y, tf.mul(up, lora.scaling));
    }
    return tf.reshape(y, [...lead, w.kernel.shape[1]]);
  });
}
