/**
 * Seeded train/validation split: exactly round(n x ratio) examples (at least one when the ratio is above
 * zero and there are two or more examples) are drawn for validation by a partial Fisher-Yates shuffle
 * driven by mulberry32, so the same seed and count always pick the same examples, on any machine.
 */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Indices (into the accepted examples, ascending) that go to validation. */
export function validationIndices(n: number, ratio: number, seed: number): Uint32Array {
  if (!(ratio > 0) || n < 2) return new Uint32Array(0);
  const k = Math.min(n - 1, Math.max(1, Math.round(n * ratio)));
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rand = mulberry32(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order.slice(0, k).sort();
}

/** A membership mask for quick lookups while streaming the examples again. */
export function validationMask(n: number, indices: Uint32Array): Uint8Array {
  const mask = new Uint8Array(n);
  for (const i of indices) mask[i] = 1;
  return mask;
}
