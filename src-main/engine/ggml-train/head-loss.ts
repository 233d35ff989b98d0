/**
 * The head and cross-entropy of a training micro-batch over its target rows only (the head never sees
 * padding or prompt tokens), in chunks of rows so the logits stay small, with the loss scaled for
 * transformers' num_items_in_batch normalisation (lora-trainer.ts), GRPO's per-row weights and
 * log-probabilities, and the backward of the head as far as the hidden states of those rows.
 */
import { GgmlType } from '../ggml/ffi';
import type { Batch } from '../train/batching';
import type { Upload } from './batch-inputs';
import type { FrozenWeights } from './frozen-weights';
import type { GraphBuilder, T } from './graph';

/** Rows of the head computed at once: the logits of a chunk are [V, rows] floats. */
function headChunkRows(vocab: number): number {
  return Math.max(1, Math.min(512, Math.floor(2 ** 26 / (4 * vocab))));
}

/** The batch's target rows (row-major indices into its N tokens) and their labels. */
export function targetRows(batch: Batch): { rows: number[]; labels: number[] } {
  const rows: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < batch.batch * batch.steps; i++) {
    if (batch.targets[i] < 0) continue;
    rows.push(i);
    labels.push(batch.targets[i]);
  }
  return { rows, labels };
}

export interface HeadLossOptions {
  backward: boolean;
  /** Targets of the whole accumulation group: each chunk's summed NLL is divided by it. */
  normaliser: number;
  /** GRPO: multiplies each target row's gradient of the logits. */
  rowWeights?: Float32Array;
  /** GRPO: asks for p(label) of each target row (`probs`). */
  rowLogProbs?: Float32Array;
}

export interface HeadLoss {
  /** The normalised loss [1]. */
  lossSum: T;
  /** p(label) of target rows s .. s+n-1 per chunk, [1, n] outputs. */
  probs: { out: T; s: number; n: number }[];
  /** With backward: each chunk's gradient of its hidden rows [H, n]. */
  dChunks: T[];
  /** The target row indices [M] (i32 input). */
  idx: T;
}

/** Builds the chunked head + loss (and its backward) over `rows` of hidden [H, N]; `rows` is not empty. */
export function chunkedHeadLoss(
  g: GraphBuilder,
  frozen: FrozenWeights,
  hidden: T,
  target: { rows: number[]; labels: number[] },
  opts: HeadLossOptions,
  uploads: Upload[],
): HeadLoss {
  const { rows, labels } = target;
  const V = frozen.config.vocabSize;
  let lossSum: T | undefined;
  const probs: { out: T; s: number; n: number }[] = [];
  const idx = g.input([rows.length], 'target_rows', GgmlType.I32);
  uploads.push([idx.p, Int32Array.from(rows)]);
  const hs = g.getRows(hidden, idx); // [H, M]
  const C = headChunkRows(V);
  const dChunks: T[] = [];
  for (let s = 0; s < rows.length; s += C) {
    const n = Math.min(C, rows.length - s);
    const part = n === rows.length ? hs : g.slice1(hs, s, n);
    const logits = g.mulMat(frozen.head, part); // [V, n]
    // The one-hot labels are scattered on the device (GET_ROWS_BACK of n ones into the flat
    // [V·n] grid), so the host neither fills nor uploads V·n floats per chunk (155 MB for the
    // 0.5B shape's 255 target rows). The loss ops see the same dense labels as before.
    const at = g.input([n], `label_at.${s}`, GgmlType.I32);
    const ones = g.input([1, n], `label_one.${s}`);
    uploads.push([at.p, Int32Array.from({ length: n }, (_, j) => j * V + labels[s + j])], [ones.p, new Float32Array(n).fill(1)]);
    const onehot = g.reshape(g.getRowsBack(ones, at, g.shapeOnly([1, V * n])), [V, n]);
    const scaled = g.scale(g.crossEntropy(logits, onehot), n / opts.normaliser);
    lossSum = lossSum ? g.add(lossSum, scaled) : scaled;
    if (opts.rowLogProbs) probs.push({ out: g.output(g.sumRows(g.mul(g.softMax(logits, null, 1), onehot)), `p.${s}`), s, n }); // [1, n]: p(label)
    if (opts.backward) dChunks.push(headChunkBackward(g, frozen, { logits, onehot, s, n }, opts, uploads));
  }
  return { lossSum: lossSum!, probs, dChunks, idx };
}

/** One chunk's gradient of its hidden rows [H, n]: the cross-entropy backward, weighted, through the head. */
function headChunkBackward(
  g: GraphBuilder,
  frozen: FrozenWeights,
  chunk: { logits: T; onehot: T; s: number; n: number },
  opts: HeadLossOptions,
  uploads: Upload[],
): T {
  const { logits, onehot, s, n } = chunk;
  const dl = g.input([1], `dloss.${s}`);
  uploads.push([dl.p, Float32Array.of(n / opts.normaliser)]);
  let dlogits = g.crossEntropyBack(dl, logits, onehot); // [V, n]
  if (opts.rowWeights) {
    const w = g.input([1, n], `row_weights.${s}`);
    uploads.push([w.p, opts.rowWeights.slice(s, s + n)]);
    dlogits = g.mul(dlogits, w); // each row scaled by its weight (broadcast over V)
  }
  return g.mulMat(frozen.headT, dlogits); // [H, n]
}
