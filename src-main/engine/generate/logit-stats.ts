/**
 * Per-position summaries of logits (what `tuneloom inspect logits` prints and the golden tests
 * compare): logsumexp over the vocabulary (in float64) and the top-k ids and values.
 */

export interface PositionStats {
  lse: number;
  top_ids: number[];
  top_vals: number[];
}

export function logSumExp(row: Float32Array, from = 0, to = row.length): number {
  let max = -Infinity;
  for (let i = from; i < to; i++) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.exp(row[i] - max);
  return max + Math.log(sum);
}

/** Indices of the k largest values, largest first (ties: lower id first). */
export function topK(row: Float32Array, k: number, from = 0, to = row.length): { ids: number[]; vals: number[] } {
  const ids: number[] = [];
  const vals: number[] = [];
  for (let i = from; i < to; i++) {
    const v = row[i];
    if (ids.length === k && v <= vals[k - 1]) continue;
    let at = ids.length === k ? k - 1 : ids.length;
    while (at > 0 && vals[at - 1] < v) at--;
    ids.splice(at, 0, i - from);
    vals.splice(at, 0, v);
    if (ids.length > k) {
      ids.pop();
      vals.pop();
    }
  }
  return { ids, vals };
}

/** logits: T rows of V values, flattened. */
export function positionStats(logits: Float32Array, vocab: number, k: number): PositionStats[] {
  const out: PositionStats[] = [];
  for (let t = 0; t * vocab < logits.length; t++) {
    const from = t * vocab;
    const top = topK(logits, k, from, from + vocab);
    out.push({ lse: logSumExp(logits, from, from + vocab), top_ids: top.ids, top_vals: top.vals });
  }
  return out;
}
