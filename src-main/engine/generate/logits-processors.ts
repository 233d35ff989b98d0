/**
 * Logits processors on one row of logits (host Float32Array, modified in place), in the order and
 * with the semantics of transformers' `LogitsProcessorList` for sampling: repetition penalty
 * (CTRL: divide positive, multiply negative logits of seen tokens), temperature, top-k, top-p
 * (nucleus: keep the smallest set whose probability reaches p, always at least one token).
 */

export function applyRepetitionPenalty(logits: Float32Array, seen: Iterable<number>, penalty: number): void {
  if (penalty === 1) return;
  for (const id of new Set(seen)) {
    const v = logits[id];
    logits[id] = v < 0 ? v * penalty : v / penalty;
  }
}

export function applyTemperature(logits: Float32Array, temperature: number): void {
  if (temperature === 1) return;
  for (let i = 0; i < logits.length; i++) logits[i] /= temperature;
}

/** Ids sorted by logit, descending (only the first `limit` are ordered exactly). */
function sortedIds(logits: Float32Array, limit: number): number[] {
  const ids = Array.from({ length: logits.length }, (_, i) => i);
  if (limit < logits.length) {
    // Partial selection: find the limit-th largest by sorting a copy, then order the survivors.
    const sorted = Float32Array.from(logits).sort();
    const threshold = sorted[logits.length - limit];
    const kept = ids.filter((i) => logits[i] >= threshold);
    return kept.sort((a, b) => logits[b] - logits[a] || a - b).slice(0, limit);
  }
  return ids.sort((a, b) => logits[b] - logits[a] || a - b);
}

export function applyTopK(logits: Float32Array, k: number): void {
  if (k <= 0 || k >= logits.length) return;
  const keep = new Set(sortedIds(logits, k));
  for (let i = 0; i < logits.length; i++) if (!keep.has(i)) logits[i] = -Infinity;
}

export function applyTopP(logits: Float32Array, p: number): void {
  if (p >= 1) return;
  const finite: number[] = [];
  for (let i = 0; i < logits.length; i++) if (logits[i] > -Infinity) finite.push(i);
  finite.sort((a, b) => logits[b] - logits[a] || a - b);
  const max = logits[finite[0]];
  let z = 0;
  for (const i of finite) z += Math.exp(logits[i] - max);
  let cum = 0;
  let cut = finite.length;
  for (let j = 0; j < finite.length; j++) {
    cum += Math.exp(logits[finite[j]] - max) / z;
    if (cum >= p) {
      cut = j + 1;
      break;
    }
  }
  for (let j = cut; j < finite.length; j++) logits[finite[j]] = -Infinity;
}
