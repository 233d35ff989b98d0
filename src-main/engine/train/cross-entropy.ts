/**
 * Causal-LM cross-entropy straight from hidden states, in chunks of positions, without ever building
 * a one-hot of the vocabulary or keeping a [positions, vocab] logits tensor alive for the backward
 * pass. Same value as transformers' ForCausalLMLoss (labels shifted by one, -100 ignored, sum over
 * targets divided by a normaliser) but the backward pass recomputes each chunk's logits:
 *   dL/dh = (softmax(h W^T) - e_label) W = softmax(h W^T) W - W[label]
 * The LM head W is frozen in LoRA and prefix tuning, so no gradient flows to it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_INDEX } from './ignore-index';

/** Rows per chunk so that one chunk's logits stay near 32 Mi floats (128 MiB). */
export function defaultChunkRows(vocab: number): number {
  return Math.max(1, Math.floor((1 << 25) / vocab));
}

export interface TokenLossResult {
  /** sum of token losses / normaliser, differentiable w.r.t. the hidden states. */
  loss: tf.Scalar;
  /** Number of target tokens that contributed. */
  count: number;
}

/**
 * Gathers the rows of `hidden` that have a target and returns their summed NLL / normaliser.
 * `targets` is already shifted: targets[b*T + t] is the id position t must predict, or -100.
 */
export function lmLossFromHidden(
  hidden: tf.Tensor, // [B, T, H]
  lmHead: tf.Tensor2D, // [V, H]
  targets: Int32Array, // [B*T]
  opts: { normaliser?: number; chunkRows?: number } = {},
): TokenLossResult {
  const [B, T, H] = hidden.shape as [number, number, number];
  if (targets.length !== B * T) throw new Error(`targets length ${targets.length} != B*T ${B * T}`);
  const rows: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] !== IGNORE_INDEX) {
      rows.push(i);
      labels.push(targets[i]);
    }
  }
  const count = rows.length;
  const normaliser = opts.normaliser ?? Math.max(1, count);
  if (count === 0) return { loss: tf.tidy(() => tf.mul(tf.sum(hidden), tf.scalar(0))) as tf.Scalar, count };
  const chunk = opts.chunkRows ?? defaultChunkRows(lmHead.shape[0]);
  const loss = tf.tidy(() => {
    const flat = tf.reshape(hidden, [B * T, H]); // [B*T, H]
    const picked = gatherRows(flat as tf.Tensor2D, Int32Array.from(rows)); // [N, H]
    return nllSum(picked as tf.Tensor2D, lmHead, Int32Array.from(labels), chunk, normaliser);
  });
  return { loss, count };
}

/**
 * Rows `idx` (distinct) of x [M, H] -> [N, H]. tfjs's gather gradient is UnsortedSegmentSum, whose cpu
 * kernel loops over all M segments; with distinct indices the gradient is a plain scatter instead.
 */
export function gatherRows(x: tf.Tensor2D, idx: Int32Array): tf.Tensor2D {
  const [M, H] = x.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args[0] as tf.Tensor2D;
    return {
      value: tf.gather(xs, tf.tensor1d(idx, 'int32')) as tf.Tensor2D, // [N, H]
      gradFunc: (dy: tf.Tensor2D) => tf.tidy(() => tf.scatterND(tf.tensor2d(idx, [idx.length, 1], 'int32'), dy, [M, H])), // [M, H]
    };
  });
  return op(x) as tf.Tensor2D;
}

/** Summed NLL / normaliser for rows `h` [N, H] with `labels` [N], with a chunked custom gradient. */
export function nllSum(h: tf.Tensor2D, lmHead: tf.Tensor2D, labels: Int32Array, chunk: number, normaliser: number): tf.Scalar {
  const N = h.shape[0];
  const starts: number[] = [];
  for (let s = 0; s < N; s += chunk) starts.push(s);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const lses: tf.Tensor[] = [];
    let total: tf.Tensor = tf.scalar(0);
    for (const s of starts) {
      const n = Math.min(chunk, N - s);
      const [lse, part] = tf.tidy(() => {
        const hc = tf.slice(xs, [s, 0], [n, -1]); // [n, H]
        const logits = tf.matMul(hc, lmHead, false, true); // [n, V]
        const lse = tf.logSumExp(logits, 1); // [n]
        const wLab = tf.gather(lmHead, tf.tensor1d(labels.subarray(s, s + n), 'int32')); // [n, H]
        const labelLogit = tf.sum(tf.mul(hc, wLab), 1); // [n]
        return [lse, tf.sum(tf.sub(lse, labelLogit))];
      });
      lses.push(lse);
      const next = tf.add(total, part);
      total.dispose();
      part.dispose();
      total = next;
    }
    const lseAll = tf.concat(lses, 0); // [N]
    for (const t of lses) t.dispose();
    save([xs, lseAll]);
    const value = tf.div(total, tf.scalar(normaliser)) as tf.Scalar;
    total.dispose();
    return {
      value,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [hs, lse] = saved as [tf.Tensor2D, tf.Tensor1D];
        return tf.tidy(() => {
          const scale = tf.div(dy, tf.scalar(normaliser)); // []
          const parts: tf.Tensor[] = [];
          for (const s of starts) {
            const n = Math.min(chunk, N - s);
            parts.push(
              tf.tidy(() => {
                const hc = tf.slice(hs, [s, 0], [n, -1]); // [n, H]
                const logits = tf.matMul(hc, lmHead, false, true); // [n, V]
                const p = tf.exp(tf.sub(logits, tf.reshape(tf.slice(lse, [s], [n]), [n, 1]))); // [n, V]
                const wLab = tf.gather(lmHead, tf.tensor1d(labels.subarray(s, s + n), 'int32')); // [n, H]
                return tf.mul(tf.sub(tf.matMul(p, lmHead), wLab), scale); // [n, H]
              }),
            );
          }
          return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
        });
      },
    };
  });
  return op(h) as tf.Scalar;
}
