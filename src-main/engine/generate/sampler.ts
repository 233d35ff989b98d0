/** Picks the next token from one row of logits: argmax (greedy) or a draw from softmax (sampling). */
import type { SeededRng } from './seeded-rng';

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

export function sampleFromLogits(logits: Float32Array, rng: SeededRng): number {
  const max = logits[argmax(logits)];
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - max);
  let u = rng.next() * z;
  let last = 0;
  for (let i = 0; i < logits.length; i++) {
    const w = Math.exp(logits[i] - max);
    if (w === 0) continue;
    last = i;
    u -= w;
    if (u < 0) return i;
  }
  return last; // rounding left a sliver: the last token with weight
}
